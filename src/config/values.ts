// Checks for single option values. Each returns the normalised value or a
// sentence saying what is allowed; the caller adds netboot.SECTION.OPTION and
// the value itself.

import { parseUrl } from './url';

export type Checked<T> = { ok: true; value: T } | { ok: false; allowed: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const no = <T>(allowed: string): Checked<T> => ({ ok: false, allowed });

const TRUE = new Set(['1', 'true', 'yes', 'on', 'enabled']);
const FALSE = new Set(['0', 'false', 'no', 'off', 'disabled']);

/** The words uci's own `config_get_bool` accepts. */
export function checkBool(s: string): Checked<boolean> {
  const v = s.toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return no('use 1 or 0 (also true/false, yes/no, on/off)');
}

export function checkInt(s: string, min: number, max: number, what: string): Checked<number> {
  if (!/^[0-9]+$/.test(s)) return no(`${what}: a whole number from ${min} to ${max}`);
  const n = Number(s);
  if (n < min || n > max) return no(`${what}: a whole number from ${min} to ${max}`);
  return ok(n);
}

export const checkPort = (s: string) => checkInt(s, 1, 65535, 'a TCP port');

const MAC = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/;

export function checkMac(s: string): Checked<string> {
  const m = MAC.exec(s.toLowerCase());
  if (!m) return no('a MAC address like 52:54:00:12:34:56');
  const bytes = m.slice(1);
  if (parseInt(bytes[0], 16) & 1) return no('a unicast MAC address (the first byte must be even); this one is multicast');
  if (bytes.every((b) => b === '00')) return no('a real MAC address, not 00:00:00:00:00:00');
  return ok(bytes.join(':'));
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

export function checkHostname(s: string): Checked<string> {
  return HOSTNAME.test(s) && s.length <= 253 ? ok(s) : no('a host name of letters, digits and "-", in dot-separated labels');
}

/** A server for iSCSI or HTTP: IPv4, [IPv6] or a DNS name. */
export function checkServer(s: string): Checked<string> {
  if (IPV4.test(s) || IPV6.test(s)) return ok(s);
  if (/^[0-9.]+$/.test(s)) return no('an IPv4 address like 192.168.1.10, an IPv6 address in [brackets], or a DNS name');
  return HOSTNAME.test(s) ? ok(s) : no('an IPv4 address like 192.168.1.10, an IPv6 address in [brackets], or a DNS name');
}

// RFC 3720 3.2.6.3: iqn.<yyyy-mm>.<reversed domain>[:<unique>]; eui.<16 hex>;
// RFC 3980: naa.<16 or 32 hex>. Names are at most 223 bytes. Upper case is
// accepted because NAS vendors (Synology) put it in the unique part.
const IQN = new RegExp(`^iqn\\.[0-9]{4}-(0[1-9]|1[0-2])\\.${LABEL}(\\.${LABEL})*(:[A-Za-z0-9.:-]+)?$`);
const EUI = /^eui\.[0-9A-Fa-f]{16}$/;
const NAA = /^naa\.([0-9A-Fa-f]{16}|[0-9A-Fa-f]{32})$/;
export const IQN_RULE =
  'an iSCSI name per RFC 3720: iqn.YYYY-MM.reversed.domain[:unique] (letters, digits, ".", "-", ":"), eui.<16 hex digits> or naa.<16 or 32 hex digits>, at most 223 characters';

export function checkIqn(s: string): Checked<string> {
  if (s.length > 223) return no(IQN_RULE);
  return IQN.test(s) || EUI.test(s) || NAA.test(s) ? ok(s) : no(IQN_RULE);
}

const SCHEMES = ['http', 'https', 'tftp'];
export const URL_RULE = 'an http://, https:// or tftp:// URL with a host, without spaces or commas';

/**
 * An absolute URL iPXE can fetch. `{arch}` may appear in the path (netboot
 * expands it at boot time), so it is swapped for a plain word before parsing.
 */
export function checkUrl(s: string): Checked<string> {
  if (/[\s,]/.test(s)) return no(URL_RULE);
  const u = parseUrl(s.replaceAll('{arch}', 'arch'));
  if (!u || !SCHEMES.includes(u.scheme) || !u.host) return no(URL_RULE);
  return ok(s);
}

/** A base URL that relative paths are joined to: always ends in '/'. */
export function checkBaseUrl(s: string): Checked<string> {
  const c = checkUrl(s);
  if (!c.ok) return c;
  if (/[?#]/.test(s)) return no(`${URL_RULE}, and without "?" or "#" (it is a folder)`);
  return ok(s.endsWith('/') ? s : `${s}/`);
}

/** The folder UEFI HTTP Boot firmware fetches the loaders from: http(s) only, as the firmware speaks nothing else, and no {arch}. */
export function checkHttpBaseUrl(s: string): Checked<string> {
  const rule = 'an http:// (or https://) URL of the folder where the router serves the TFTP root, like http://192.168.1.1/tftp/, without spaces, commas, "?", "#" or "{"';
  const c = checkBaseUrl(s);
  return c.ok && /^https?:\/\//i.test(s) && !s.includes('{') ? c : no(rule);
}

export function isAbsoluteUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/** Joins a relative path to a folder URL; a path starting with '/' is taken from the server's root. */
export function joinUrl(base: string, path: string): string {
  if (isAbsoluteUrl(path)) return path;
  // Bases are validated URLs by the time they are joined.
  if (path.startsWith('/')) return parseUrl(base)!.prefix + path;
  return base + path.replace(/^\.\//, '');
}

export function checkAbsolutePath(s: string): Checked<string> {
  if (!s.startsWith('/') || s.split('/').includes('..')) return no('an absolute path on the router like /srv/tftp, without ".."');
  return ok(s.length > 1 ? s.replace(/\/+$/, '') : s);
}

// Folders that hold the router's own files. netboot points dnsmasq's TFTP
// server at its TFTP root, which then serves every file under it to anyone on
// the LAN, and deletes the files it did not write in its netboot/ folder
// there. Trees are refused with everything inside them; the other folders
// only themselves, since a folder of its own inside them (/tmp/tftp on a
// router without storage, /mnt/sda1/tftp on a USB disk) is fine.
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/overlay', '/proc', '/rom', '/sbin', '/sys', '/usr'];
const SYSTEM_FOLDERS = ['/', '/home', '/media', '/mnt', '/opt', '/root', '/run', '/srv', '/tmp', '/var', '/www'];

/** The TFTP root: an absolute path that is not, and is not inside, a system directory. */
export function checkTftpRoot(s: string): Checked<string> {
  const c = checkAbsolutePath(s);
  if (!c.ok) return c;
  const path = `/${c.value.split('/').filter((p) => p !== '' && p !== '.').join('/')}`;
  const system = SYSTEM_FOLDERS.includes(path) ? path : SYSTEM_TREES.find((t) => path === t || path.startsWith(`${t}/`));
  if (!system) return ok(path);
  return no(
    `a folder for TFTP alone, like /srv/tftp: ${system === path ? `${path} is a system directory` : `${path} is inside the system directory ${system}`}, ` +
      'and netboot points dnsmasq\'s TFTP server at this folder (anyone on the LAN can then read every file in it) and deletes the files in its netboot/ folder there that it did not write',
  );
}

/** A file inside the TFTP root, as DHCP hands it out: no "..", no commas (they split dnsmasq options). */
export function checkTftpFile(s: string): Checked<string> {
  if (!/^[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/.test(s) || s.split('/').includes('..')) {
    return no('a path inside the TFTP root like undionly.kpxe or arm64/snponly.efi (letters, digits, "_", ".", "+", "-" and "/")');
  }
  return ok(s);
}
