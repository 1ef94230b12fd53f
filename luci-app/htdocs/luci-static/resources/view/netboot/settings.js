'use strict';
'require view';
'require form';
'require uci';
'require tools.widgets as widgets';
'require netboot.validate as check';

return view.extend({
	load() {
		return uci.load([ 'netboot', 'dhcp' ]);
	},

	render() {
		let m, s, o;

		// netboot reads its settings from netboot.main; a fresh install
		// may lack it, and NamedSection would then render nothing to fill in.
		if (!uci.get('netboot', 'main'))
			uci.add('netboot', 'netboot', 'main');

		// Where netboot puts its files when tftp_root is unset (src/config/load.ts).
		const dnsmasq = uci.sections('dhcp', 'dnsmasq')[0];
		const tftpDefault = (dnsmasq && dnsmasq.tftp_root) || '/srv/tftp';

		m = new form.Map('netboot', _('Network Boot'),
			_('Diskless PCs boot iSCSI disks on a NAS through iPXE menus that netboot writes from these settings. Save here, then review and apply the changes on the Status page.'));

		s = m.section(form.NamedSection, 'main', 'netboot');
		s.tab('general', _('General'));
		s.tab('nas', _('NAS'));
		s.tab('advanced', _('Boot loaders'),
			_('The first-stage iPXE binaries dnsmasq hands to each kind of firmware, relative to the TFTP root.'));

		o = s.taboption('general', form.Flag, 'enabled', _('Enable'),
			_('When disabled, applying removes netboot\'s DHCP boot options, so PCs boot as if netboot were not installed.'));
		o.default = '1';
		o.rmempty = false;

		o = s.taboption('general', widgets.NetworkSelect, 'interfaces', _('Networks'),
			_('The networks whose DHCP clients get boot options; a PC on another network gets its address and nothing else.'));
		o.multiple = true;
		o.nocreate = true;
		o.rmempty = false;
		// netboot serves lan while the list is unset; shown as the value, an
		// untouched form does not write it.
		o.cfgvalue = (sid) => uci.get('netboot', sid, 'interfaces') || [ 'lan' ];
		// The picker lists networks alphabetically; the ones netboot already
		// serves stay first, so their DHCP boot entries keep their names.
		o.write = function(sid, value) {
			const before = L.toArray(this.cfgvalue(sid));

			uci.set('netboot', sid, 'interfaces', before.filter((n) => value.includes(n)).concat(value.filter((n) => !before.includes(n))));
		};

		o = s.taboption('general', form.Flag, 'registration', _('Self-registration'),
			_('An unknown PC\'s boot menu offers to register it: anyone at a PC on the networks above can then add a host with a target of their choice. Switch it on while you set up new PCs, and off again.'));
		o.default = '0';

		o = s.taboption('general', form.Value, 'tftp_root', _('TFTP root'),
			_('netboot writes its menus into the folder netboot/ here and owns nothing else in it.'));
		o.placeholder = tftpDefault;
		o.validate = (sid, value) => check.tftpRoot(value);

		o = s.taboption('general', form.Value, 'menu_timeout', _('Menu timeout'),
			_('Seconds before the menu picks its default; 0 waits for a key.'));
		o.placeholder = '0';
		o.validate = (sid, value) => check.timeout(value);

		o = s.taboption('general', form.ListValue, 'menu_default', _('Menu default'),
			_('The entry the menu picks when the timeout runs out.'));
		o.value('exit', _('Exit (next boot device)'));
		for (const t of uci.sections('netboot', 'target'))
			o.value(t['.name'], '%s (%s)'.format(t.title || t['.name'], t['.name']));
		o.default = 'exit';

		o = s.taboption('general', form.Value, 'http_url', _('HTTP menus'),
			_('Optional: the netboot/ folder of the TFTP root on a web server that serves the whole TFTP root, like http://192.168.1.1/tftp/netboot/ after "ln -s /srv/tftp /www/tftp" on the router. iPXE then loads the menus over HTTP, which is faster than TFTP, and UEFI HTTP Boot clients get their boot loader from the folder above.'));
		o.placeholder = 'http://192.168.1.1/tftp/netboot/';
		o.validate = (sid, value) => check.baseUrl(value);

		o = s.taboption('general', form.Value, 'boot_url', _('HTTP boot loaders'),
			_('Optional: where the router serves the whole TFTP root over HTTP, like http://192.168.1.1/tftp/ after "ln -s /srv/tftp /www/tftp". UEFI HTTP Boot clients get their boot loader from here. Unset, netboot takes the folder above the HTTP menus when those end in netboot/.'));
		o.placeholder = 'http://192.168.1.1/tftp/';
		o.validate = (sid, value) => check.bootUrl(value);

		o = s.taboption('nas', form.Value, 'iscsi_server', _('iSCSI portal'),
			_('The NAS that holds the iSCSI targets. A target may name another server.'));
		o.placeholder = '192.168.1.10';
		o.validate = (sid, value) => check.server(value);

		o = s.taboption('nas', form.Value, 'iscsi_port', _('iSCSI port'));
		o.placeholder = '3260';
		o.validate = (sid, value) => check.port(value);

		o = s.taboption('nas', form.Value, 'base_iqn', _('Base IQN'),
			_('Targets that give only an IQN suffix are named base:suffix.'));
		o.placeholder = 'iqn.2000-01.com.synology';
		o.validate = (sid, value) => check.iqn(value);

		o = s.taboption('nas', form.Value, 'installer_url', _('Installer URL'),
			_('The HTTP folder on the NAS that holds the installer trees; installer paths are relative to it.'));
		o.placeholder = 'http://192.168.1.10/install/';
		o.validate = (sid, value) => check.baseUrl(value);

		o = s.taboption('nas', form.Value, 'initiator_iqn', _('Initiator IQN template'),
			_('The iSCSI name each PC logs in with. {mac} becomes the PC\'s MAC address (with "-"), {hostname} its host name. A host may set its own.'));
		o.placeholder = 'iqn.2010-04.org.ipxe:{mac}';
		o.validate = (sid, value) => check.iqnTemplate(value);

		for (const [ option, title, placeholder ] of [
			[ 'bootloader_bios', _('BIOS'), 'undionly.kpxe' ],
			[ 'bootloader_efi64', _('UEFI x86-64'), 'snponly.efi' ],
			[ 'bootloader_arm64', _('UEFI ARM64'), 'arm64/snponly.efi' ]
		]) {
			o = s.taboption('advanced', form.Value, option, title);
			o.placeholder = placeholder;
			o.validate = (sid, value) => check.tftpFile(value);
		}

		return m.render();
	}
});
