'use strict';
'require view';
'require dom';
'require form';
'require rpc';
'require ui';
'require uci';
'require netboot.validate as check';

// The router's own DHCP leases (luci-base's rpcd plugin), to pick PCs from.
const callLeases = rpc.declare({
	object: 'luci-rpc',
	method: 'getDHCPLeases',
	params: [ 'family' ],
	expect: { dhcp_leases: [] }
});

// netboot's own (docs/design.md "The ubus API"); a refused call is a ubus error, a failed one { ok: false, message }.
const callWake = rpc.declare({ object: 'netboot', method: 'wake', params: [ 'host' ], expect: { '': {} }, reject: true });

const DEFAULT_INITIATOR_IQN = 'iqn.2010-04.org.ipxe:{mac}';

// netboot's message says where the packet went, or why it could not go.
function handleWake(mac) {
	return callWake(mac).then((r) => {
		ui.addNotification(r.ok ? null : _('The PC was not woken'), E('p', [ r.message ]), r.ok ? 'info' : 'danger');
	}).catch((err) => {
		ui.addNotification(_('The PC was not woken'), E('p', [ err.message ]), 'danger');
	});
}

return view.extend({
	load() {
		return Promise.all([
			uci.load('netboot'),
			// A router without leases (or without the plugin) still edits hosts.
			L.resolveDefault(callLeases(4), [])
		]);
	},

	render([ , leases ]) {
		let m, s, o;

		const template = uci.get('netboot', 'main', 'initiator_iqn') || DEFAULT_INITIATOR_IQN;
		const leaseOf = (mac) => leases.find((l) => l.macaddr && check.normalizeMac(l.macaddr) == check.normalizeMac(mac));

		m = new form.Map('netboot', _('Hosts'),
			_('PCs netboot knows by MAC address. A host can boot its target with no keypress, start an installer onto it, or show the menu with its own initiator IQN. Unknown PCs get the menu.'));

		s = m.section(form.GridSection, 'host');
		s.anonymous = true;
		s.addremove = true;
		s.nodescriptions = true;
		s.addbtntitle = _('Add host');
		// form.js strips tags from this title (turning &lt; back into <) and
		// ui.showModal then sets it as HTML: escaped twice, a name stays text.
		s.modaltitle = (sid) => _('Host » %s').format('%h'.format('%h'.format(uci.get('netboot', sid, 'hostname') || uci.get('netboot', sid, 'mac') || _('new'))));
		s.renderRowActions = function(sid) {
			const td = this.super('renderRowActions', [ sid, _('Edit') ]);
			const mac = uci.get('netboot', sid, 'mac');

			dom.content(td.lastChild, [
				E('button', {
					'class': 'btn cbi-button cbi-button-action netboot-wake',
					'title': _('Send this PC the Wake-on-LAN packet'),
					'disabled': mac ? null : true,
					'click': ui.createHandlerFn(this, handleWake, mac)
				}, [ _('Wake') ])
			].concat(Array.from(td.lastChild.childNodes)));

			return td;
		};

		o = s.option(form.Value, 'mac', _('MAC address'),
			_('Pick a PC from the router\'s DHCP leases or type its MAC address.'));
		o.rmempty = false;
		for (const lease of leases)
			if (lease.macaddr)
				o.value(check.normalizeMac(lease.macaddr), '%s (%s, %s)'.format(
					check.normalizeMac(lease.macaddr), lease.hostname || '?', lease.ipaddr));
		o.validate = function(sid, value) {
			const problem = check.mac(value);

			if (value === '' || problem !== true)
				return problem;

			const other = uci.sections('netboot', 'host').find((h) =>
				h['.name'] != sid && h.mac && check.normalizeMac(h.mac) == check.normalizeMac(value));

			return other ? _('Already used by host %s; each MAC may appear once').format(other.hostname || other.mac) : true;
		};
		o.onchange = function(ev, sid, value) {
			const lease = leaseOf(value);
			const hostname = this.section.getUIElement(sid, 'hostname');
			const typed = this.getUIElement(sid).node.querySelector('.create-item-input');

			// LuCI's combobox checks its text field on blur, and Enter blurs the
			// field before emptying it: the verdict on a typed MAC would stay on
			// the empty field after a lease is picked, though it no longer
			// applies (the widget's own check passes and Save works). An empty
			// field always passes, so its marks go.
			if (typed && typed.value === '') {
				typed.classList.remove('cbi-input-invalid');
				typed.removeAttribute('data-tooltip');
				typed.removeAttribute('data-tooltip-style');
			}

			if (lease && lease.hostname && hostname && hostname.getValue() === '')
				hostname.setValue(lease.hostname);
		};

		o = s.option(form.Value, 'hostname', _('Host name'), _('Fills {hostname} in the initiator IQN.'));
		o.validate = (sid, value) => check.hostname(value);

		o = s.option(form.ListValue, 'target', _('Target'));
		o.optional = true;
		o.value('', _('none'));
		for (const t of uci.sections('netboot', 'target'))
			o.value(t['.name'], t.title || t['.name']);
		o.validate = function(sid, value) {
			const action = check.field(this.section, sid, 'action');

			return (value === '' && action !== '' && action != 'menu')
				? _('Missing: action "%s" needs a target').format(action) : true;
		};
		o.onchange = function(ev, sid) { check.recheck(this.section, sid, [ 'installer' ]) };

		o = s.option(form.ListValue, 'action', _('Action'));
		o.value('menu', _('Show the menu'));
		o.value('boot', _('Boot the target, no keypress'));
		o.value('install', _('Install onto the target'));
		o.default = 'menu';
		o.onchange = function(ev, sid) { check.recheck(this.section, sid, [ 'target', 'installer' ]) };

		o = s.option(form.ListValue, 'installer', _('Installer'));
		o.modalonly = true;
		o.depends('action', 'install');
		for (const i of uci.sections('netboot', 'installer'))
			o.value(i['.name'], i.title || i['.name']);
		o.validate = function(sid, value) {
			const target = check.field(this.section, sid, 'target');
			const offered = target ? L.toArray(uci.get('netboot', target, 'installer')) : [];

			if (value === '')
				return _('Missing: action "install" needs an installer');

			return (offered.length && !offered.includes(value))
				? _('Not offered by this target; its installers are: %s').format(offered.join(', ')) : true;
		};

		// The IQN this PC logs in with, which the NAS must allow (netboot's loadHost).
		o = s.option(form.DummyValue, '_iqn', _('Initiator IQN'));
		o.modalonly = false;
		o.cfgvalue = (sid) => {
			const mac = uci.get('netboot', sid, 'mac') || '';
			const name = uci.get('netboot', sid, 'hostname')
				|| (uci.get('netboot', sid, '.anonymous') ? check.normalizeMac(mac).replaceAll(':', '-') : sid.replaceAll('_', '-').toLowerCase());

			return check.expandIqnTemplate(uci.get('netboot', sid, 'initiator_iqn') || template, mac, name);
		};

		o = s.option(form.Value, 'initiator_iqn', _('Initiator IQN template'),
			_('Only when this PC needs another name than the template from Settings.'));
		o.modalonly = true;
		o.placeholder = template;
		o.validate = (sid, value) => check.iqnTemplate(value);

		o = s.option(form.Value, 'menu_timeout', _('Menu timeout'), _('Seconds; 0 waits for a key.'));
		o.modalonly = true;
		o.placeholder = uci.get('netboot', 'main', 'menu_timeout') || '0';
		o.validate = (sid, value) => check.timeout(value);

		o = s.option(form.Flag, 'undionly', _('Use the router\'s iPXE'),
			_('BIOS only: load the router\'s iPXE even when the network card already runs one.'));
		o.modalonly = true;

		return m.render();
	}
});
