'use strict';
'require view';
'require form';
'require uci';
'require netboot.validate as check';

// The options each installer kind reads (README "Installer kinds").
const KINDS = {
	'debian-installer': [ 'path', 'kernel', 'initrd', 'preseed', 'args' ],
	'linux': [ 'path', 'kernel', 'initrd', 'args' ],
	'windows': [ 'path', 'wimboot', 'inject', 'args' ],
	'iso': [ 'url' ],
	'chain': [ 'url', 'args' ]
};

// Options a kind cannot do without; netboot says "missing" otherwise.
const REQUIRED = {
	'linux': [ 'kernel' ],
	'windows': [ 'path' ],
	'iso': [ 'url' ],
	'chain': [ 'url' ]
};

return view.extend({
	load() {
		return uci.load('netboot');
	},

	render() {
		let m, s, o;

		const installerUrl = uci.get('netboot', 'main', 'installer_url');

		m = new form.Map('netboot', _('Installers'),
			_('Operating system installers the menu can start onto a target: the target is hooked as the first disk, then the installer boots over HTTP from the NAS. Relative paths hang off the installer URL from Settings; {arch} becomes amd64, i386 or arm64 on each PC.'));

		s = m.section(form.GridSection, 'installer');
		s.addremove = true;
		s.nodescriptions = true;
		s.addbtntitle = _('Add installer');
		s.modaltitle = (sid) => _('Installer » %s').format(sid);

		o = s.option(form.Value, 'title', _('Title'), _('Shown in the boot menu.'));
		o.validate = (sid, value) => check.text(value);

		o = s.option(form.ListValue, 'kind', _('Kind'));
		o.value('debian-installer', _('Debian / Ubuntu installer'));
		o.value('linux', _('Linux kernel and initrds'));
		o.value('windows', _('Windows PE (wimboot)'));
		o.value('iso', _('ISO image'));
		o.value('chain', _('Chain another iPXE script'));
		o.rmempty = false;
		o.onchange = function(ev, sid) {
			check.recheck(this.section, sid, [ 'path', 'kernel', 'initrd', 'preseed', 'wimboot', 'inject', 'url' ]);
		};

		// A file of this installer: a full URL, or a path under `path` (when
		// that is set) or else under the installer URL.
		const fileCheck = function(option, underPath) {
			return function(sid, value) {
				const kind = check.field(this.section, sid, 'kind');
				const path = underPath ? check.field(this.section, sid, 'path') : '';

				if (value === '' && (REQUIRED[kind] || []).includes(option))
					return _('Missing: a %s installer needs this').format(kind);

				if (option == 'initrd' || option == 'inject') {
					// The list's other files: the field being checked may be one of them.
					const others = L.toArray(this.section.formvalue(sid, option));
					const self = others.indexOf(value);

					if (self >= 0)
						others.splice(self, 1);

					const problem = check.image(value, kind, others);

					if (problem !== true)
						return problem;
				}

				return check.installerPath(value, installerUrl || check.isAbsoluteUrl(path));
			};
		};

		const add = function(type, option, title, description, placeholder) {
			o = s.option(type, option, title, description);
			// path or url says where an installer comes from: the table shows them.
			o.modalonly = (option != 'path' && option != 'url');
			o.placeholder = placeholder;
			for (const kind in KINDS)
				if (KINDS[kind].includes(option))
					o.depends('kind', kind);
			return o;
		};

		add(form.Value, 'path', _('Path'),
			_('The installer\'s folder; for Windows the WinPE folder holding bootmgr, boot/bcd, boot/boot.sdi and sources/boot.wim.'),
			'ubuntu/18.04/netboot/ubuntu-installer/{arch}').validate = fileCheck('path', false);
		add(form.Value, 'kernel', _('Kernel'), _('Relative to the path.'), 'linux')
			.validate = fileCheck('kernel', true);
		add(form.DynamicList, 'initrd', _('Initrds'), _('Relative to the path.'), 'initrd.gz')
			.validate = fileCheck('initrd', true);
		add(form.Value, 'preseed', _('Preseed'), _('Handed to the installer as preseed/url.'), 'preseed/iscsi.cfg')
			.validate = fileCheck('preseed', true);
		add(form.Value, 'wimboot', _('wimboot'), _('Relative to the installer URL.'), 'wimboot')
			.validate = fileCheck('wimboot', false);
		add(form.DynamicList, 'inject', _('Injected files'), _('Extra files wimboot places into the WinPE image, relative to the path.'))
			.validate = fileCheck('inject', true);
		add(form.Value, 'url', _('URL'), _('The ISO image, or the iPXE script or binary to chain.'), 'http://192.168.1.10/install/tools.iso')
			.validate = fileCheck('url', false);
		add(form.Value, 'args', _('Arguments'), _('Extra kernel or script arguments.'), 'priority=critical')
			.validate = (sid, value) => check.text(value);

		return m.render();
	}
});
