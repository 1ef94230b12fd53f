'use strict';
'require baseclass';

// netboot's own value checks (src/config/values.ts, src/ipxe/escape.ts),
// repeated here so the form refuses what `netboot validate` would refuse,
// before it is saved and with the same wording. Each check takes the text of
// a field and returns true or the sentence LuCI shows under it. An empty
// field is an unset option, which netboot accepts wherever a default exists;
// the views add "required" checks themselves.

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const MAC = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/;
// RFC 3720 3.2.6.3 and RFC 3980, as netboot reads them: upper case is allowed
// in the unique part because NAS vendors (Synology) put it there.
const IQN = new RegExp(`^iqn\\.[0-9]{4}-(0[1-9]|1[0-2])\\.${LABEL}(\\.${LABEL})*(:[A-Za-z0-9.:-]+)?$`);
const EUI = /^eui\.[0-9A-Fa-f]{16}$/;
const NAA = /^naa\.([0-9A-Fa-f]{16}|[0-9A-Fa-f]{32})$/;
const TFTP_FILE = /^[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/;
const SEPARATORS = [ '||', '&&', ';' ];
const IPXE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// Folders holding the router's own files, which netboot refuses as the TFTP
// root: trees with everything inside them, folders only themselves.
const SYSTEM_TREES = [ '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/overlay', '/proc', '/rom', '/sbin', '/sys', '/usr' ];
const SYSTEM_FOLDERS = [ '/', '/home', '/media', '/mnt', '/opt', '/root', '/run', '/srv', '/tmp', '/var', '/www' ];
// The images each installer kind loads under fixed names (src/ipxe/images.ts).
const FIXED_IMAGES = {
	'debian-installer': [ 'nb-kernel' ],
	'linux': [ 'nb-kernel' ],
	'windows': [ 'wimboot', 'bootmgr', 'BCD', 'boot.sdi', 'boot.wim' ]
};

const IQN_RULE = () => _('an iSCSI name per RFC 3720: iqn.YYYY-MM.reversed.domain[:unique] (letters, digits, ".", "-", ":"), eui.<16 hex digits> or naa.<16 or 32 hex digits>, at most 223 characters');
const URL_RULE = () => _('an http://, https:// or tftp:// URL with a host, without spaces or commas');
const HTTP_FOLDER_RULE = () => _('an http:// (or https://) URL of the folder where the router serves the TFTP root, like http://192.168.1.1/tftp/, without spaces, commas, "?", "#" or "{"');
const TEXT_RULE = () => _('Must be printable ASCII without "${", without a word that starts with "#" or is "||", "&&" or ";", and not ending in "\\" or "$"');

function wholeNumber(value, min, max, rule) {
	if (value === '')
		return true;

	return (/^[0-9]+$/.test(value) && +value >= min && +value <= max) ? true : rule;
}

function isIqn(value) {
	return value.length <= 223 && (IQN.test(value) || EUI.test(value) || NAA.test(value));
}

// Why iPXE would misread `value` as script text, or null when it would not.
function textReason(value) {
	for (let i = 0; i < value.length; i++) {
		const c = value.charCodeAt(i);

		if (c > 0x7e)
			return _('found a non-ASCII character at position %d').format(i + 1);

		if (c < 0x20)
			return _('found a control character at position %d').format(i + 1);
	}

	if (value.includes('${'))
		return _('"${" would be expanded by iPXE');

	for (const word of value.split(' ')) {
		if (word.startsWith('#'))
			return _('the word "%s" would start a comment').format(word);

		if (SEPARATORS.includes(word))
			return _('the word "%s" would end the command').format(word);
	}

	// A trailing backslash joins the next script line; a trailing "$" could
	// pair with a "{" that follows it in a generated line.
	if (value.endsWith('\\'))
		return _('a trailing "\\" joins the next line');

	if (value.endsWith('$'))
		return _('a trailing "$" may start an expansion');

	return null;
}

return baseclass.extend({
	/**
	 * A field's current text in the form, for checks that look at other
	 * fields of the same section ('' when unset or not shown).
	 */
	field(section, sid, option) {
		const value = section.formvalue(sid, option);

		return (value == null) ? '' : value;
	},

	/** Re-runs the checks of fields whose verdict depends on a field that just changed. */
	recheck(section, sid, options) {
		for (const option of options) {
			const widget = section.getUIElement(sid, option);

			if (widget)
				widget.triggerValidation();
		}
	},

	/** The key netboot compares MACs by: lower case, colon separated. */
	normalizeMac(value) {
		return String(value).toLowerCase().replace(/-/g, ':');
	},

	mac(value) {
		if (value === '')
			return true;

		const m = MAC.exec(value.toLowerCase());

		if (!m)
			return _('Use a MAC address like 52:54:00:12:34:56');

		if (parseInt(m[1], 16) & 1)
			return _('Use a unicast MAC address (the first byte must be even); this one is multicast');

		if (m.slice(1).every((b) => b == '00'))
			return _('Use a real MAC address, not 00:00:00:00:00:00');

		return true;
	},

	port(value) {
		return wholeNumber(value, 1, 65535, _('Use a TCP port: a whole number from 1 to 65535'));
	},

	lun(value) {
		return wholeNumber(value, 0, 65535, _('Use a LUN: a whole number from 0 to 65535'));
	},

	timeout(value) {
		return wholeNumber(value, 0, 3600, _('Use seconds (0 waits for a key): a whole number from 0 to 3600'));
	},

	hostname(value) {
		return (value === '' || (HOSTNAME.test(value) && value.length <= 253)) ? true
			: _('Use a host name of letters, digits and "-", in dot-separated labels');
	},

	/** An iSCSI or HTTP server: IPv4, [IPv6] or a DNS name. */
	server(value) {
		if (value === '' || IPV4.test(value) || IPV6.test(value) || (!/^[0-9.]+$/.test(value) && HOSTNAME.test(value)))
			return true;

		return _('Use an IPv4 address like 192.168.1.10, an IPv6 address in [brackets], or a DNS name');
	},

	iqn(value) {
		return (value === '' || isIqn(value)) ? true : _('Use %s').format(IQN_RULE());
	},

	/** An initiator IQN template filled in for one PC, as netboot does it. */
	expandIqnTemplate(template, mac, hostname) {
		return template.replaceAll('{mac}', this.normalizeMac(mac).replaceAll(':', '-')).replaceAll('{hostname}', hostname);
	},

	iqnTemplate(value) {
		// netboot checks a template filled in with sample values.
		return (value === '' || isIqn(this.expandIqnTemplate(value, '52:54:00:12:34:56', 'host'))) ? true
			: _('Use %s; {mac} and {hostname} are filled in per client').format(IQN_RULE());
	},

	/** A URL iPXE can fetch; {arch} may appear in it, netboot fills it in at boot. */
	url(value) {
		if (value === '')
			return true;

		let u = null;

		if (!/[\s,]/.test(value)) {
			try { u = new URL(value.replaceAll('{arch}', 'arch')); }
			catch (e) { /* not a URL: refused below */ }
		}

		return (u && [ 'http:', 'https:', 'tftp:' ].includes(u.protocol) && u.hostname) ? true
			: _('Use %s').format(URL_RULE());
	},

	/** A folder URL that relative paths are joined to; iPXE gets it as text. */
	baseUrl(value) {
		const problem = [ this.text(value), this.url(value) ].find((p) => p !== true) ?? true;

		if (problem !== true)
			return problem;

		return /[?#]/.test(value) ? _('Use %s, and without "?" or "#" (it is a folder)').format(URL_RULE()) : true;
	},

	/** Where UEFI HTTP Boot firmware fetches the loaders: it speaks only HTTP, and nothing fills in {arch} for it. */
	bootUrl(value) {
		if (value === '' || (this.url(value) === true && !/[?#{]/.test(value) && /^https?:\/\//i.test(value)))
			return true;

		return _('Use %s').format(HTTP_FOLDER_RULE());
	},

	isAbsoluteUrl(value) {
		return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
	},

	/**
	 * The TFTP root: netboot points dnsmasq's TFTP server at it and deletes
	 * what it did not write in its netboot/ folder there, so never a folder
	 * of the system.
	 */
	tftpRoot(value) {
		if (value === '')
			return true;

		if (!value.startsWith('/') || value.split('/').includes('..'))
			return _('Use an absolute path on the router like /srv/tftp, without ".."');

		const path = '/' + value.split('/').filter((p) => p !== '' && p !== '.').join('/');
		const system = SYSTEM_FOLDERS.includes(path) ? path : SYSTEM_TREES.find((t) => path === t || path.startsWith(t + '/'));

		if (!system)
			return true;

		return _('Use a folder for TFTP alone, like /srv/tftp: %s, and netboot points dnsmasq\'s TFTP server at this folder (anyone on the LAN can then read every file in it) and deletes the files in its netboot/ folder there that it did not write').format(
			(system === path) ? _('%s is a system directory').format(path) : _('%s is inside the system directory %s').format(path, system));
	},

	tftpFile(value) {
		return (value === '' || (TFTP_FILE.test(value) && !value.split('/').includes('..'))) ? true
			: _('Use a path inside the TFTP root like undionly.kpxe or arm64/snponly.efi (letters, digits, "_", ".", "+", "-" and "/")');
	},

	/**
	 * Text netboot writes into an iPXE script. iPXE has no quoting, so netboot
	 * refuses what it cannot carry instead of escaping it.
	 */
	text(value) {
		const reason = textReason(value);

		return reason ? '%s; %s'.format(TEXT_RULE(), reason) : true;
	},

	/** CHAP secrets go into iPXE settings whole, so they also cannot hold spaces. */
	secret(value) {
		if (/\s/.test(value))
			return _('Must not contain spaces: iPXE cannot carry them in a CHAP secret');

		return this.text(value);
	},

	/** The iPXE image name of an initrd or injected file: its file name, characters a name cannot hold made "_". */
	imageName(value) {
		return value.replace(/[?#].*$/, '').split('/').pop().replace(/[^A-Za-z0-9_.-]/g, '_') || 'file';
	},

	/**
	 * An initrd or injected file of a `kind` installer, beside `others` (the
	 * other files of its list): iPXE keeps one image per name.
	 */
	image(value, kind, others) {
		if (value === '')
			return true;

		const name = this.imageName(value);

		if (!IPXE_NAME.test(name))
			return _('Its file name becomes the iPXE image name "%s", which must be letters, digits, "_", "." and "-", starting with a letter or digit').format(name);

		if ((FIXED_IMAGES[kind] || []).concat(others.map((o) => this.imageName(o))).includes(name))
			return _('Its file name "%s" is already the name of another image of this installer; iPXE keeps one image per name, so give each file its own name').format(name);

		return true;
	},

	/**
	 * An installer file: a full URL, or a path that netboot joins to the
	 * installer URL from Settings, which must then be set.
	 */
	installerPath(value, installerUrl) {
		const problem = this.text(value);

		if (value === '' || problem !== true)
			return problem;

		if (this.isAbsoluteUrl(value))
			return this.url(value);

		return installerUrl ? true
			: _('A relative path needs the installer URL in Settings (or give a full URL: %s)').format(URL_RULE());
	}
});
