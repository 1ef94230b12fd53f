import { loadConfig } from '../../src/config/load';
import type { LoadResult, Model } from '../../src/config/model';
import { anonymousName, parseUci } from '../../src/uci';

/** A small valid config the tests vary one option at a time. */
export const BASE = `
config netboot 'main'
	option iscsi_server '192.168.1.10'
	option base_iqn 'iqn.2000-01.com.synology'
	option installer_url 'http://192.168.1.10/install/'
	option menu_timeout '5'
	option menu_default 'disk1'

config target 'disk1'
	option title 'Disk one'
	option iqn_suffix 'disk1'

config target 'disk2'
	option title 'Disk two'
	option iqn 'iqn.2024-01.lan.nas:disk2'
	option lun '1'

config installer 'deb'
	option kind 'debian-installer'
	option title 'Debian 12'
	option path 'debian/{arch}'

config host 'pc1'
	option mac '52:54:00:00:00:01'
	option target 'disk1'
	option action 'boot'
`;

export function load(text: string, dhcp?: string): LoadResult {
  return loadConfig(parseUci(text, 'netboot'), dhcp === undefined ? undefined : parseUci(dhcp, 'dhcp'));
}

export function model(text: string = BASE): Model {
  const r = load(text);
  if (!r.model) throw new Error(`config should be valid: ${JSON.stringify(r.errors)}`);
  return r.model;
}

/** BASE with `option NAME 'VALUE'` set (or removed, when value is null) in one section. */
export function withOption(section: string, option: string, value: string | null, text = BASE): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^config \\S+ '${section}'$`).test(l));
  if (start < 0) throw new Error(`no section ${section}`);
  let end = lines.findIndex((l, i) => i > start && l.startsWith('config '));
  if (end < 0) end = lines.length;
  const body = lines.slice(start + 1, end).filter((l) => !new RegExp(`^\\s+(option|list) ${option} `).test(l));
  const quoted = value === null ? [] : [`\toption ${option} '${value.replaceAll("'", "'\\''")}'`];
  return [...lines.slice(0, start + 1), ...body.filter((l) => l.trim() !== ''), ...quoted, '', ...lines.slice(end)].join('\n');
}

/** The name uci makes up for the first section added after BASE, an anonymous target. */
export const ANON_TARGET = anonymousName(parseUci(BASE, 'netboot').sections.length + 1, 'target');

/**
 * Sections as LuCI's Hosts page and `uci add` leave them in the file: a bare
 * `config TYPE` (config.test.ts says where in LuCI, rpcd and uci), and a host
 * whose target is the name uci makes up for an anonymous target.
 */
export const LUCI_SHAPED = `${BASE}
config target
\toption iqn 'iqn.2024-01.lan.nas:anon'

config installer
\toption kind 'linux'
\toption kernel 'vmlinuz'
\tlist initrd 'fw-{arch}.cpio'
\tlist initrd 'initrd.gz?v=2'

config host
\toption mac '52:54:00:12:34:57'
\toption hostname 'lab-pc'
\toption action 'boot'
\toption target '${ANON_TARGET}'

config host
\toption mac '52:54:00:12:34:58'
\toption action 'menu'
`;
