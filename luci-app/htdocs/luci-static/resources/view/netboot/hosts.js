'use strict';
'require view';
'require dom';
'require form';
'require poll';
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

// netboot's own (docs/design.md "The ubus API"). A refused call is a ubus
// error; a failed task or wake is { ok: false, message }; a failed read is
// { error }, which rejects like a ubus error.
function failed(reply) {
	if (reply && typeof reply.error == 'string')
		throw new Error(reply.error);
	return reply;
}

const callHosts = rpc.declare({ object: 'netboot', method: 'hosts', expect: { '': {} }, filter: (reply) => failed(reply).hosts || [], reject: true });
const callTask = rpc.declare({ object: 'netboot', method: 'task', params: [ 'host', 'action', 'installer' ], expect: { '': {} }, filter: failed, reject: true });
const callWake = rpc.declare({ object: 'netboot', method: 'wake', params: [ 'host' ], expect: { '': {} }, filter: failed, reject: true });

const DEFAULT_INITIATOR_IQN = 'iqn.2010-04.org.ipxe:{mac}';

// The anchor the Status page's journeys link to.
const anchorOf = (mac) => 'netboot-host-' + mac.replace(/:/g, '-');

function when(seconds) {
	return new Date(seconds * 1000).toLocaleString();
}

// Where the PC's last network boot got to (netboot's `hosts`: stage, and the journey's own words in stage_detail).
const STAGES = {
	dhcp: () => _('DHCP, no boot loader yet'),
	ipxe: () => _('iPXE started'),
	menu: () => _('menu shown'),
	boot: () => _('booted'),
	install: () => _('installer started'),
	failed: () => _('failed')
};

function taskText(task) {
	return (task.action == 'install') ? _('install %s').format(task.installer || '?')
		: (task.action == 'menu') ? _('show the menu') : _('boot its target');
}

// Every user-given or network-given text goes in as a text node.
function lastBoot(host) {
	if (!host || host.last_seen == null)
		return [ E('em', [ _('not seen since the router started') ]) ];

	const stage = STAGES[host.stage];

	return [
		E('strong', [ stage ? stage() : (host.stage || '?') ]),
		host.stage_detail ? E('small', [ ' · ', host.stage_detail ]) : '', E('br'),
		E('small', [ _('seen %s').format(when(host.last_seen)), host.ip ? ' · ' + host.ip : '' ])
	];
}

function nextBoot(host) {
	const out = [];

	if (!host)
		return [ E('em', [ _('not applied yet') ]) ];

	out.push(host.task
		? E('span', { 'class': 'label warning netboot-task' }, [ taskText(host.task) ])
		: E('em', [ _('as configured') ]));

	if (host.last_task)
		out.push(E('br'), E('small', [ _('last: %s at %s').format(taskText(host.last_task), when(host.last_task.time)) ]));

	return out;
}

// netboot's message says what was done, or why not.
function notify(title, reply) {
	ui.addNotification(reply.ok ? null : title, E('p', [ reply.message ]), reply.ok ? 'info' : 'danger');
	return reply;
}

function refusal(title) {
	return (err) => notify(title, { ok: false, message: err.message });
}

return view.extend({
	load() {
		return Promise.all([
			uci.load('netboot'),
			// A router without leases (or without the plugin) still edits hosts.
			L.resolveDefault(callLeases(4), []),
			// The page edits hosts even when netboot cannot say how they boot.
			callHosts().catch((err) => err)
		]);
	},

	hostState: {},

	// The live state of one row's PC, by MAC (`hosts` knows what was saved and applied).
	stateOf(sid) {
		const mac = check.normalizeMac(uci.get('netboot', sid, 'mac') || '');
		return this.hostState[mac];
	},

	setHosts(hosts) {
		this.hostState = {};
		for (const h of hosts)
			this.hostState[h.mac] = h;
	},

	refreshHosts() {
		return callHosts().then((hosts) => {
			this.setHosts(hosts);
			for (const cell of document.querySelectorAll('[data-netboot-state]')) {
				const host = this.hostState[cell.getAttribute('data-netboot-mac')];
				dom.content(cell, cell.getAttribute('data-netboot-state') == 'boot' ? lastBoot(host) : nextBoot(host));
			}
			for (const button of document.querySelectorAll('.netboot-clear'))
				button.disabled = !(this.hostState[button.getAttribute('data-netboot-mac')] || {}).task;
		});
	},

	handleWake(mac) {
		return callWake(mac).then((r) => notify(_('The PC was not woken'), r), refusal(_('The PC was not woken')));
	},

	// Tasks name the host by its MAC, which holds for anonymous sections too.
	handleTask(host, action) {
		return callTask(host.mac, action, '')
			.then((r) => notify(_('The task was not changed'), r), refusal(_('The task was not changed')))
			.then(() => this.refreshHosts());
	},

	// Reinstall = the install task, then Wake-on-LAN: the PC starts the installer with no key pressed.
	handleReinstall(host, shown) {
		const offered = host.target ? L.toArray(uci.get('netboot', host.target, 'installer')) : [];
		const installers = uci.sections('netboot', 'installer').filter((i) => !offered.length || offered.includes(i['.name']));
		const select = E('select', { 'class': 'cbi-input-select', 'id': 'netboot-reinstall-installer' },
			installers.map((i) => E('option', { 'value': i['.name'] }, [ i.title || i['.name'] ])));
		const label = uci.get('netboot', host.target, 'title') || host.target;

		ui.showModal([ _('Reinstall %s').format(shown) ], [
			E('p', [ _('The next network boot of %s starts the installer onto %s with no key pressed, then the PC is woken. Everything on that target may be overwritten.').format(shown, label) ]),
			E('div', { 'class': 'cbi-value' }, [
				E('label', { 'class': 'cbi-value-title', 'for': 'netboot-reinstall-installer' }, [ _('Installer') ]),
				E('div', { 'class': 'cbi-value-field' }, [ select ])
			]),
			E('div', { 'class': 'right' }, [
				E('button', { 'class': 'btn cbi-button', 'click': ui.hideModal }, [ _('Cancel') ]), ' ',
				E('button', {
					'class': 'btn cbi-button cbi-button-negative important', 'id': 'netboot-reinstall-confirm',
					'click': ui.createHandlerFn(this, () => callTask(host.mac, 'install', select.value).then((r) => {
						ui.hideModal();
						notify(_('The task was not changed'), r);
						return r.ok ? this.handleWake(host.mac) : null;
					}, (err) => {
						ui.hideModal();
						refusal(_('The task was not changed'))(err);
					}).then(() => this.refreshHosts()))
				}, [ _('Reinstall') ])
			])
		]);
	},

	render([ , leases, hosts ]) {
		let m, s, o;

		const view = this;
		const template = uci.get('netboot', 'main', 'initiator_iqn') || DEFAULT_INITIATOR_IQN;
		const leaseOf = (mac) => leases.find((l) => l.macaddr && check.normalizeMac(l.macaddr) == check.normalizeMac(mac));

		if (!(hosts instanceof Error))
			this.setHosts(hosts);

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
			// Wake needs only a MAC; a task needs the host netboot has loaded (saved and applied).
			const mac = check.normalizeMac(uci.get('netboot', sid, 'mac') || '');
			const host = view.stateOf(sid);
			const button = (cls, title, text, handler, usable) => E('button', {
				'class': 'btn cbi-button ' + cls, 'title': title,
				'data-netboot-mac': mac, 'disabled': usable ? null : true,
				'click': ui.createHandlerFn(view, handler)
			}, [ text ]);

			dom.content(td.lastChild, [
				button('cbi-button-action netboot-wake', _('Send this PC the Wake-on-LAN packet'), _('Wake'), () => view.handleWake(mac), mac !== '' && check.mac(mac) === true),
				button('cbi-button-negative netboot-reinstall', _('Install onto its target at the next network boot, then wake it'), _('Reinstall…'), () => view.handleReinstall(host, uci.get('netboot', sid, 'hostname') || host.name), host && host.target),
				button('cbi-button-neutral netboot-menu', _('Show the menu at the next network boot, once'), _('Menu next boot'), () => view.handleTask(host, 'menu'), host),
				button('cbi-button-neutral netboot-clear', _('Forget the next-boot task'), _('Clear task'), () => view.handleTask(host, 'clear'), host && host.task)
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

		for (const [ name, title, render ] of [ [ '_last_boot', _('Last boot'), lastBoot ], [ '_next_boot', _('Next boot'), nextBoot ] ]) {
			o = s.option(form.DummyValue, name, title);
			o.modalonly = false;
			o.textvalue = (sid) => {
				const mac = check.normalizeMac(uci.get('netboot', sid, 'mac') || '');

				return E('div', { 'id': name == '_last_boot' ? anchorOf(mac) : null, 'data-netboot-state': name == '_last_boot' ? 'boot' : 'task', 'data-netboot-mac': mac },
					render(this.stateOf(sid)));
			};
		}

		// A poll that fails keeps the last state shown; the page's load says when netboot does not answer.
		poll.add(() => this.refreshHosts().catch(() => null));

		return m.render().then((node) => {
			if (hosts instanceof Error)
				node.insertBefore(E('div', { 'class': 'alert-message warning' }, [ _('netboot did not say how the PCs boot: %s').format(hosts.message) ]), node.firstChild);

			// The Status page links a journey to its host's row; the row exists only now.
			window.requestAnimationFrame(() => {
				const row = location.hash && document.getElementById(location.hash.slice(1));
				if (row)
					row.scrollIntoView();
			});

			return node;
		});
	}
});
