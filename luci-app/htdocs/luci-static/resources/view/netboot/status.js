'use strict';
'require view';
'require dom';
'require poll';
'require rpc';
'require ui';
'require uci';
'require netboot.validate as check';

// netboot's ubus API (docs/design.md "The ubus API"), answered by its rpcd
// plugin. Every call rejects on a ubus error, and on the { error } reply the
// plugin gives when an operation fails (rpcd passes no other failure on), so
// the page can say what went wrong instead of showing empty tables.
function failed(reply) {
	if (reply && typeof reply.error == 'string')
		throw new Error(reply.error);
	return reply;
}

const callStatus = rpc.declare({ object: 'netboot', method: 'status', expect: { '': {} }, filter: failed, reject: true });
const callValidate = rpc.declare({ object: 'netboot', method: 'validate', expect: { '': {} }, filter: failed, reject: true });
const callPlan = rpc.declare({ object: 'netboot', method: 'plan', expect: { '': {} }, filter: failed, reject: true });
const callApply = rpc.declare({ object: 'netboot', method: 'apply', expect: { '': {} }, filter: failed, reject: true });
const callPreview = rpc.declare({ object: 'netboot', method: 'preview', params: [ 'mac' ], expect: { '': {} }, filter: failed, reject: true });
const callClients = rpc.declare({ object: 'netboot', method: 'clients', expect: { '': {} }, filter: (reply) => failed(reply).clients || [], reject: true });
const callCheck = rpc.declare({ object: 'netboot', method: 'check', expect: { '': {} }, filter: failed, reject: true });

// Times arrive as ISO strings (last_apply) or as seconds since the epoch.
function when(time) {
	const date = new Date(typeof time == 'number' ? time * 1000 : time);

	return isNaN(date) ? String(time) : date.toLocaleString();
}

function yesNo(value) {
	return value ? _('yes') : _('no');
}

function badge(ok, text) {
	return E('span', { 'class': ok ? 'label success' : 'label warning' }, [ text ]);
}

function table(id, headers, rows, empty) {
	const t = E('table', { 'class': 'table', 'id': id }, [
		E('tr', { 'class': 'tr table-titles' }, headers.map((h) => E('th', { 'class': 'th' }, [ h ])))
	]);

	// cbi_update_table puts a string cell in as HTML; a text node stays text.
	cbi_update_table(t, rows.map((row) => row.map((cell) => (typeof cell == 'string') ? document.createTextNode(cell) : cell)), E('em', [ empty ]));

	return t;
}

function section(title, children) {
	return E('div', { 'class': 'cbi-section' }, [ E('h3', [ title ]) ].concat(children));
}

const ACTIONS = {
	create: () => _('create'),
	update: () => _('update'),
	remove: () => _('remove'),
	move: () => _('move to the end')
};

function actionText(action) {
	return ACTIONS[action] ? ACTIONS[action]() : action;
}

function problems(id, kind, list) {
	return table(id, [ kind, _('Problem') ], list.map((p) => [ E('code', [ p.where ]), p.message ]), '');
}

function choiceText(choice) {
	if (!choice)
		return E('em', [ _('not yet') ]);

	return (choice.kind == 'install')
		? _('install %s onto %s').format(choice.installer, choice.target)
		: _('boot %s').format(choice.target);
}

return view.extend({
	load() {
		return Promise.all([
			callStatus(),
			callValidate(),
			callPlan(),
			callClients(),
			L.resolveDefault(uci.changes(), {})
		]).catch((err) => err);
	},

	renderOverview(status) {
		const last = status.last_apply;

		return section(_('Overview'), [
			table('netboot-overview', [ _('Item'), _('State') ], [
				[ _('Enabled'), yesNo(status.enabled) ],
				[ _('Configuration'), badge(status.valid, status.valid ? _('valid') : _('%d errors').format(status.errors.length)) ],
				[ _('TFTP root'), E('code', [ status.tftp_root ]) ],
				[ _('Boot files'), badge(status.files_current, status.files_current ? _('current') : _('out of date')) ],
				[ _('DHCP boot options'), (status.dhcp_current == null) ? E('em', [ _('unknown') ])
					: badge(status.dhcp_current, status.dhcp_current ? _('current') : _('out of date')) ],
				[ _('Targets, installers, hosts'), '%d / %d / %d'.format(status.targets.length, status.installers.length, status.hosts.length) ],
				[ _('UEFI HTTP Boot'), status.http_boot ? status.http_boot.message : E('em', [ _('no boot options are offered') ]) ],
				[ _('Last apply'), last ? E('span', [ badge(last.ok, last.ok ? _('ok') : _('failed')), ' ', when(last.time), E('br'), last.message ])
					: E('em', [ _('never') ]) ]
			], '')
		]);
	},

	renderValidation(result) {
		return section(_('Validation'), [
			result.valid
				? E('p', [ badge(true, _('valid')), ' ', _('netboot accepts the saved configuration.') ])
				: E('div', { 'class': 'alert-message warning' }, [ _('netboot refuses the saved configuration; nothing can be applied until these errors are fixed.') ]),
			result.errors.length ? problems('netboot-errors', _('Errors'), result.errors) : '',
			result.warnings.length ? problems('netboot-warnings', _('Warnings'), result.warnings) : ''
		]);
	},

	renderPlan(plan, changes) {
		const dhcp = plan.dhcp;
		const dnsmasq = dhcp && dhcp.dnsmasq;
		const unsaved = [ 'netboot', 'dhcp' ].filter((c) => changes[c]);
		const nothing = !plan.files.length && !(dhcp && dhcp.sections.length) && !(dnsmasq && dnsmasq.changes.length);

		return section(_('Changes to apply'), [
			unsaved.length ? E('div', { 'class': 'alert-message warning' }, [
				_('There are unsaved changes to %s. netboot applies the saved configuration: use Save & Apply in the top bar first.').format(unsaved.join(', '))
			]) : '',
			E('p', [ _('Boot files under %s: %d to change, %d already current.').format(plan.tftp_root, plan.files.length, plan.unchanged) ]),
			table('netboot-plan-files', [ _('File'), _('Action') ],
				plan.files.map((f) => [ E('code', [ f.path ]), actionText(f.action) ]), _('No file changes')),
			table('netboot-plan-dhcp', [ _('DHCP section'), _('Type'), _('Action') ],
				(dhcp ? dhcp.sections : []).map((s) => [ E('code', [ 'dhcp.' + s.name ]), s.type, actionText(s.action) ]), _('No DHCP section changes')),
			dnsmasq ? table('netboot-plan-dnsmasq', [ _('dnsmasq option (%s)').format(dnsmasq.label), _('Now'), _('After apply') ],
				dnsmasq.changes.map((c) => [ E('code', [ c.option ]), c.before != null ? c.before : E('em', [ _('unset') ]), c.after != null ? c.after : E('em', [ _('unset') ]) ]),
				_('No dnsmasq option changes')) : '',
			E('div', { 'class': 'right' }, [
				E('button', {
					'class': 'btn cbi-button cbi-button-apply',
					'id': 'netboot-apply',
					'disabled': (!plan.valid || nothing) ? '' : null,
					'click': ui.createHandlerFn(this, 'handleApply')
				}, [ _('Apply') ])
			])
		]);
	},

	hostMacs: [],

	// A host's journey links to its row on the Hosts page (its state, its tasks).
	hostLink(mac) {
		return this.hostMacs.includes(mac)
			? E('a', { 'href': L.url('admin/services/netboot/hosts') + '#netboot-host-' + mac.replace(/:/g, '-') }, [ E('code', [ mac ]) ])
			: E('code', [ mac ]);
	},

	renderClients(clients) {
		return table('netboot-clients', [ _('Client'), _('Firmware'), _('Choice'), _('Journey'), _('Last seen') ],
			clients.map((c) => [
				E('span', [ this.hostLink(c.mac), E('br'), c.hostname || '', ' ', c.ip || '' ]),
				'%s %s'.format(c.arch || '', c.firmware == 'ipxe' ? 'iPXE' : 'PXE'),
				choiceText(c.choice),
				E('ol', { 'class': 'netboot-steps' }, c.steps.map((s) =>
					E('li', [ E('small', [ when(s.time) ]), ' ', E('strong', [ s.step ]), s.detail ? ' ' + s.detail : '' ]))),
				when(c.last_seen)
			]), _('No PC has asked for a network boot since netboot started'));
	},

	renderChecks(result) {
		return [
			E('p', [ badge(result.ok, result.ok ? _('all checks passed') : _('%d checks failed').format(result.checks.filter((c) => !c.ok).length)) ]),
			table('netboot-check-results', [ _('Check'), _('Result'), _('Detail') ],
				result.checks.map((c) => [ c.name, badge(c.ok, c.ok ? _('ok') : c.probed === false ? _('not probed') : _('failed')), c.detail ]), _('No checks'))
		];
	},

	renderPreview(status, clients) {
		const known = {};

		for (const h of status.hosts)
			known[h.mac] = h.name;
		for (const c of clients)
			known[c.mac] = known[c.mac] || c.hostname || c.ip || '';

		const input = E('input', {
			'type': 'text', 'class': 'cbi-input-text', 'id': 'netboot-preview-mac',
			'list': 'netboot-preview-macs', 'placeholder': '52:54:00:12:34:56'
		});
		const output = E('div', { 'id': 'netboot-preview-output' });

		return section(_('Script preview'), [
			E('p', [ _('The exact script a PC gets first: its host script, or the menu for PCs netboot does not know.') ]),
			E('datalist', { 'id': 'netboot-preview-macs' },
				Object.keys(known).map((mac) => E('option', { 'value': mac }, [ known[mac] ]))),
			E('div', { 'class': 'cbi-value' }, [
				E('label', { 'class': 'cbi-value-title', 'for': 'netboot-preview-mac' }, [ _('MAC address') ]),
				E('div', { 'class': 'cbi-value-field' }, [
					input, ' ',
					E('button', {
						'class': 'btn cbi-button cbi-button-action', 'id': 'netboot-preview',
						'click': ui.createHandlerFn(this, 'handlePreview', input, output)
					}, [ _('Preview') ])
				])
			]),
			output
		]);
	},

	handlePreview(input, output) {
		const mac = input.value.trim();
		const problem = check.mac(mac);

		if (mac === '' || problem !== true)
			return dom.content(output, E('p', { 'class': 'alert-message warning' }, [ mac === '' ? _('Use a MAC address like 52:54:00:12:34:56') : problem ]));

		return callPreview(mac).then((r) => dom.content(output, [
			E('p', [ r.host ? _('Host %s gets %s').format(r.host, r.path) : _('Not a known host: it gets %s').format(r.path) ]),
			E('pre', { 'class': 'netboot-script' }, [ r.script ])
		])).catch((err) => dom.content(output, E('p', { 'class': 'alert-message error' }, [ err.message ])));
	},

	handleCheck(output) {
		return callCheck()
			.then((r) => dom.content(output, this.renderChecks(r)))
			.catch((err) => dom.content(output, E('p', { 'class': 'alert-message error' }, [ err.message ])));
	},

	// apply's own message is what the user needs: on failure it says which
	// step failed and that everything was restored.
	handleApply() {
		return callApply().then((r) => {
			if (r.ok)
				ui.addNotification(null, E('p', [ r.message ]), 'info');
			else
				ui.addNotification(_('netboot did not apply the changes'), E('p', [ r.message ]), 'danger');

			return this.refresh();
		}).catch((err) => {
			ui.addNotification(_('netboot did not apply the changes'), E('p', [ err.message ]), 'danger');
		});
	},

	refresh() {
		return this.load().then((data) => {
			if (!(data instanceof Error))
				dom.content(document.getElementById('netboot-report'), this.renderReport(data));
		});
	},

	renderReport([ status, validation, plan, , changes ]) {
		return [
			this.renderOverview(status),
			this.renderValidation(validation),
			this.renderPlan(plan, changes)
		];
	},

	render(data) {
		if (data instanceof Error)
			return E('div', { 'class': 'alert-message error' }, [
				E('h4', [ _('netboot\'s service did not answer') ]),
				E('p', [ data.message ]),
				E('p', [ _('Check that the netboot service is running.') ])
			]);

		const [ status, , , clients ] = data;

		this.hostMacs = status.hosts.map((h) => h.mac);
		const checks = E('div', { 'id': 'netboot-checks' });
		const journeys = E('div', { 'id': 'netboot-journeys' }, [ this.renderClients(clients) ]);

		// Journeys grow while PCs boot; the rest changes only on apply.
		poll.add(() => callClients().then((list) => dom.content(journeys, this.renderClients(list))));

		return E('div', {}, [
			E('h2', [ _('Network Boot status') ]),
			E('div', { 'id': 'netboot-report' }, this.renderReport(data)),
			section(_('Checks'), [
				E('p', [ _('Asks netboot to test, from the router, what a PC needs to boot.') ]),
				E('div', { 'class': 'right' }, [
					E('button', {
						'class': 'btn cbi-button cbi-button-action', 'id': 'netboot-check',
						'click': ui.createHandlerFn(this, 'handleCheck', checks)
					}, [ _('Run checks') ])
				]),
				checks
			]),
			section(_('Boot journeys'), [ journeys ]),
			this.renderPreview(status, clients)
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
