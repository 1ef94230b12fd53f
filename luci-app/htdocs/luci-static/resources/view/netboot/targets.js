'use strict';
'require view';
'require form';
'require uci';
'require netboot.validate as check';

// A target's full iSCSI name, as netboot composes it (src/config/load.ts).
function fullIqn(iqn, suffix) {
	const base = uci.get('netboot', 'main', 'base_iqn');

	return iqn || (suffix && base ? '%s:%s'.format(base, suffix) : '');
}

return view.extend({
	load() {
		return uci.load('netboot');
	},

	render() {
		let m, s, o;

		m = new form.Map('netboot', _('iSCSI targets'),
			_('One entry per disk on the NAS. PCs pick a target from the menu, or a host boots its own target directly.'));

		s = m.section(form.GridSection, 'target');
		s.addremove = true;
		s.nodescriptions = true;
		s.addbtntitle = _('Add target');
		s.modaltitle = (sid) => _('iSCSI target » %s').format(sid);

		s.tab('disk', _('Disk'));
		s.tab('chap', _('CHAP'),
			_('Anyone on the LAN can read these secrets over TFTP: CHAP keeps honest PCs apart, it does not protect against a hostile LAN.'));

		o = s.taboption('disk', form.Value, 'title', _('Title'), _('Shown in the boot menu.'));
		o.validate = (sid, value) => check.text(value);

		o = s.option(form.DummyValue, '_iqn', _('IQN'));
		o.modalonly = false;
		o.cfgvalue = (sid) => fullIqn(uci.get('netboot', sid, 'iqn'), uci.get('netboot', sid, 'iqn_suffix')) || '-';

		o = s.taboption('disk', form.Value, 'iqn_suffix', _('IQN suffix'),
			_('Appended to the base IQN from Settings as base:suffix.'));
		o.modalonly = true;
		o.placeholder = 'ipxe.ubuntu1';
		o.validate = function(sid, value) {
			const base = uci.get('netboot', 'main', 'base_iqn');

			if (value === '')
				return true;

			if (!base)
				return _('An IQN suffix needs the base IQN in Settings (the full name is base_iqn:iqn_suffix)');

			return check.iqn(fullIqn('', value));
		};
		o.onchange = function(ev, sid) { check.recheck(this.section, sid, [ 'iqn' ]) };

		o = s.taboption('disk', form.Value, 'iqn', _('IQN'),
			_('The full iSCSI name, instead of a suffix.'));
		o.modalonly = true;
		o.placeholder = 'iqn.2000-01.com.synology:ds.ubuntu1';
		o.validate = function(sid, value) {
			const suffix = check.field(this.section, sid, 'iqn_suffix');

			if (value !== '' && suffix !== '')
				return _('Set either the IQN or the IQN suffix, not both');

			if (value === '' && suffix === '')
				return _('A target needs an IQN (the full iSCSI name) or an IQN suffix (appended to the base IQN)');

			return check.iqn(value);
		};

		o = s.taboption('disk', form.Value, 'lun', _('LUN'));
		o.placeholder = '0';
		o.textvalue = (sid) => uci.get('netboot', sid, 'lun') || '0';
		o.validate = (sid, value) => check.lun(value);

		o = s.taboption('disk', form.Value, 'server', _('iSCSI portal'),
			_('Only when this disk is not on the NAS from Settings.'));
		o.modalonly = true;
		o.placeholder = uci.get('netboot', 'main', 'iscsi_server') || '';
		o.validate = function(sid, value) {
			if (value === '' && !uci.get('netboot', 'main', 'iscsi_server'))
				return _('No iSCSI server: set the iSCSI portal in Settings or here');

			return check.server(value);
		};

		o = s.taboption('disk', form.Value, 'port', _('iSCSI port'));
		o.modalonly = true;
		o.placeholder = uci.get('netboot', 'main', 'iscsi_port') || '3260';
		o.validate = (sid, value) => check.port(value);

		o = s.taboption('disk', form.Value, 'san_filename', _('UEFI boot file'),
			_('The file UEFI starts from the disk instead of \\EFI\\BOOT\\BOOTX64.EFI.'));
		o.modalonly = true;
		o.placeholder = '\\EFI\\debian\\shimx64.efi';
		o.validate = (sid, value) => check.text(value);

		o = s.option(form.DummyValue, '_chap', _('CHAP'));
		o.modalonly = false;
		o.cfgvalue = (sid) => uci.get('netboot', sid, 'reverse_chap_username') ? _('mutual')
			: uci.get('netboot', sid, 'chap_username') ? _('yes') : _('no');

		o = s.taboption('disk', form.MultiValue, 'installer', _('Installers'),
			_('The installers the menu offers for this disk; none selected offers all.'));
		for (const i of uci.sections('netboot', 'installer'))
			o.value(i['.name'], i.title || i['.name']);
		o.textvalue = (sid) => L.toArray(uci.get('netboot', sid, 'installer')).join(', ') || _('all');

		// Secrets: each pair is complete or empty, and mutual CHAP builds on
		// one-way CHAP, as iPXE requires (netboot's loadChap).
		const pairs = {
			chap_username: 'chap_password', chap_password: 'chap_username',
			reverse_chap_username: 'reverse_chap_password', reverse_chap_password: 'reverse_chap_username'
		};

		for (const [ option, title ] of [
			[ 'chap_username', _('CHAP user name') ],
			[ 'chap_password', _('CHAP password') ],
			[ 'reverse_chap_username', _('Mutual CHAP user name') ],
			[ 'reverse_chap_password', _('Mutual CHAP password') ]
		]) {
			o = s.taboption('chap', form.Value, option, title);
			o.modalonly = true;
			o.password = option.endsWith('password');
			o.validate = function(sid, value) {
				const other = check.field(this.section, sid, pairs[option]);

				if ((value === '') != (other === ''))
					return option.startsWith('reverse')
						? _('Mutual CHAP needs both the mutual user name and password')
						: _('CHAP needs both the user name and the password');

				if (option.startsWith('reverse') && value !== '' && check.field(this.section, sid, 'chap_username') === '')
					return _('Mutual CHAP also needs the CHAP user name and password (iPXE refuses reverse credentials alone)');

				return check.secret(value);
			};
			o.onchange = function(ev, sid) { check.recheck(this.section, sid, Object.keys(pairs)) };
		}

		return m.render();
	}
});
