// /etc/config/dhcp → dnsmasq lines, the way OpenWrt's dnsmasq.init (24.10/master)
// translates the sections that matter for network boot. Deliberately independent of
// src/uci: the lab checks netboot's output, so it must not read it with netboot's parser.
//
// Covered: the first `config dnsmasq` (enable_tftp only with a tftp_root, tftp_root,
// dhcp_boot, dhcpscript, list dhcp_option), then in dnsmasq.init's order `host`,
// `boot`, `mac`, `tag`, `vendorclass`, `userclass`, `match`, then `dhcp` (dhcp_add:
// the IPv4 range with its set:networkid tag, for the interfaces the caller says
// netifd has, as network_get_device/network_get_subnet would; IPv6/RA stays the
// lab's own, labNetworkLines).
// Source: openwrt v24.10.4 package/network/services/dnsmasq/files/dnsmasq.init
// (dhcp_add, dhcp_boot_add, dhcp_option_add, ...) and
// package/base-files/files/bin/ipcalc.sh (the range).

export interface UciSection {
  type: string;
  name?: string;
  options: Map<string, string | string[]>;
}

/** Words of one line: shell-like quoting as uci writes it ('..', "..", adjacent parts join). */
function words(line: string): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else if (c === '#' && cur === undefined) break;
    else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < line.length) cur = (cur ?? '') + line[++i];
    else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

export function parseUciText(text: string): UciSection[] {
  const sections: UciSection[] = [];
  for (const line of text.split('\n')) {
    const w = words(line);
    if (!w.length || w[0] === 'package') continue;
    const [kw, a, b] = w;
    if (kw === 'config') sections.push({ type: a!, name: b, options: new Map() });
    else if ((kw === 'option' || kw === 'list') && sections.length && a) {
      const opts = sections[sections.length - 1]!.options;
      if (kw === 'option') opts.set(a, b ?? '');
      else {
        const prev = opts.get(a);
        opts.set(a, [...(Array.isArray(prev) ? prev : prev !== undefined ? [prev] : []), b ?? '']);
      }
    }
  }
  return sections;
}

const str = (s: UciSection, k: string) => {
  const v = s.options.get(k);
  return Array.isArray(v) ? v.join(' ') : v ?? '';
};
const list = (s: UciSection, k: string) => {
  const v = s.options.get(k);
  return Array.isArray(v) ? v : v ? v.split(/\s+/) : []; // `option` lists are word-split
};
const bool = (s: UciSection, k: string, dflt = false) => {
  const v = s.options.get(k);
  return typeof v === 'string' ? ['1', 'on', 'true', 'yes', 'enabled'].includes(v) : dflt;
};

/** dhcp_option_add: one line per dhcp_option, tagged with the section's networkid. */
function options(s: UciSection, networkid: string, force: boolean): string[] {
  return list(s, 'dhcp_option').map((o) => `dhcp-option${force ? '-force' : ''}=${networkid ? `${networkid},` : ''}${o}`);
}

/** What netifd knows of an interface: its device (network_get_device) and address/prefix (network_get_subnet), a static one. */
export type Networks = Record<string, { ifname: string; subnet: string }>;

const ip2int = (ip: string) => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
const int2ip = (n: number) => [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join('.');

/** ipcalc.sh ADDR/PREFIX START LIMIT for prefixes up to /30: START, END and NETMASK, or undefined when the range is empty. */
function ipcalc(subnet: string, start: number, limit: number): { START: string; END: string; NETMASK: string } | undefined {
  const [addr, p] = subnet.split('/');
  const ipaddr = ip2int(addr!);
  const hostmask = 2 ** (32 - Number(p)) - 1;
  const network = ipaddr - (ipaddr % (hostmask + 1));
  let first = network + (start % (hostmask + 1));
  if (first < network + 1) first = network + 1;
  if (first === ipaddr) first++;
  let end = first + limit - 1;
  if (end > network + hostmask - 1) end = network + hostmask - 1;
  if (end === ipaddr) end--;
  if (first > end || (first <= ipaddr && ipaddr <= end)) return undefined;
  return { START: int2ip(first), END: int2ip(end), NETMASK: int2ip(2 ** 32 - 1 - hostmask) };
}

/** dnsmasq.init's dhcp_add, IPv4 part: one served interface's range, tagged set:$networkid (networkid defaults to the interface). */
function dhcpAdd(s: UciSection, networks: Networks): string[] {
  const net = str(s, 'interface');
  const dev = networks[net];
  if (!net || !dev) return []; // network_get_device fails: skipped
  const networkid = str(s, 'networkid') || net;
  if (bool(s, 'ignore')) return [`no-dhcp-interface=${dev.ifname}`];
  const subnet = str(s, 'netmask') ? `${dev.subnet.split('/')[0]}/${str(s, 'netmask')}` : dev.subnet;
  const out: string[] = [];
  const tags = list(s, 'tag').map((t) => `tag:${t},`).join('');
  const range = ipcalc(subnet, ip2int(str(s, 'start') || '100'), Number(str(s, 'limit') || '150'));
  if (str(s, 'dhcpv4') !== 'disabled' && range) {
    const end = bool(s, 'dynamicdhcpv4', bool(s, 'dynamicdhcp', true)) ? range.END : 'static';
    const options = str(s, 'options');
    out.push(`dhcp-range=${tags}set:${networkid},${range.START},${end},${range.NETMASK},${str(s, 'leasetime') || '12h'}${options ? ` ${options}` : ''}`);
  }
  return [...out, ...options(s, networkid, false), ...list(s, 'dhcp_option_force').map((o) => `dhcp-option-force=${networkid},${o}`)];
}

/** dnsmasq.init's DHCPSCRIPT: OpenWrt's script, which sources USER_DHCPSCRIPT first. */
export const OPENWRT_DHCP_SCRIPT = '/usr/lib/dnsmasq/dhcp-script.sh';

/**
 * The environment dnsmasq.init gives the dnsmasq instance beyond procd's own:
 * `[ -n "$user_dhcpscript" ] && procd_set_param env USER_DHCPSCRIPT="$user_dhcpscript"`.
 */
export function dnsmasqEnv(text: string): Record<string, string> {
  const dnsmasq = parseUciText(text).find((s) => s.type === 'dnsmasq');
  const script = dnsmasq ? str(dnsmasq, 'dhcpscript') : '';
  return script ? { USER_DHCPSCRIPT: script } : {};
}

/**
 * dnsmasq lines for the PXE-relevant sections of /etc/config/dhcp. `path` maps a
 * router path (tftp_root, the dhcp script) into the lab root, since the lab's dnsmasq is not jailed there.
 * `hasHandler`: the router has hotplug scripts for dnsmasq's events.
 * `networks`: the interfaces netifd has up, by name (others' dhcp sections are skipped, as on a router).
 */
export function translateDhcp(text: string, path: (p: string) => string, hasHandler = false, networks: Networks = {}): string[] {
  const all = parseUciText(text);
  const out: string[] = [];
  const dnsmasq = all.find((s) => s.type === 'dnsmasq');
  if (dnsmasq) {
    const root = str(dnsmasq, 'tftp_root');
    if (root && bool(dnsmasq, 'enable_tftp')) out.push('enable-tftp');
    if (root) out.push(`tftp-root=${path(root)}`);
    if (str(dnsmasq, 'dhcp_boot')) out.push(`dhcp-boot=${str(dnsmasq, 'dhcp_boot')}`);
    // dnsmasq.init: `if has_handler || [ -n "$user_dhcpscript" ]`; has_handler:
    // any file in /etc/hotplug.d/{dhcp,tftp,neigh}.
    if (hasHandler || str(dnsmasq, 'dhcpscript')) out.push(`dhcp-script=${path(OPENWRT_DHCP_SCRIPT)}`, 'script-arp');
    out.push(...options(dnsmasq, '', false));
  }
  const each = (type: string, f: (s: UciSection) => void) => all.filter((s) => s.type === type).forEach(f);
  each('host', (s) => {
    const id = str(s, 'networkid');
    if (id) out.push(...options(s, id, bool(s, 'force')));
    if (!bool(s, 'enable', true)) return;
    const [name, ip] = [str(s, 'name'), str(s, 'ip')];
    if (!ip && !name && !str(s, 'hostid')) return;
    const mtags = list(s, 'match_tag').map((t) => `tag:${t},`).join('');
    let macs = list(s, 'mac').join(',');
    let host = name;
    if (!macs) [macs, host] = [name, ''];
    const tags = list(s, 'tag').map((t) => `,set:${t}`).join('');
    const lease = str(s, 'leasetime');
    out.push(`dhcp-host=${mtags}${macs}${id ? `,set:${id}` : ''}${tags}${ip ? `,${ip}` : ''}${host ? `,${host}` : ''}${lease ? `,${lease}` : ''}`);
  });
  each('boot', (s) => {
    const [id, file, sname, saddr] = ['networkid', 'filename', 'servername', 'serveraddress'].map((k) => str(s, k));
    if (!file || (saddr && !sname)) return; // dnsmasq.init skips both silently
    out.push(`dhcp-boot=${id ? `tag:${id},` : ''}${file}${sname ? `,${sname}` : ''}${saddr ? `,${saddr}` : ''}`);
    out.push(...options(s, id!, bool(s, 'force')));
  });
  each('mac', (s) => {
    const [id, mac] = [str(s, 'networkid'), str(s, 'mac')];
    if (id && mac) out.push(`dhcp-mac=${id},${mac}`, ...options(s, id, false));
  });
  each('tag', (s) => {
    if (!s.name) return;
    const force = bool(s, 'force') ? '-force' : '';
    for (const o of list(s, 'dhcp_option')) out.push(`dhcp-option${force}=tag:${s.name},${o}`);
  });
  for (const [type, key] of [['vendorclass', 'vendorclass'], ['userclass', 'userclass'], ['match', 'match']] as const) {
    each(type, (s) => {
      const [id, v] = [str(s, 'networkid'), str(s, key)];
      if (id && v) out.push(`dhcp-${type}=set:${id},${v}`, ...options(s, id, bool(s, 'force')));
    });
  }
  each('dhcp', (s) => out.push(...dhcpAdd(s, networks)));
  return out;
}
