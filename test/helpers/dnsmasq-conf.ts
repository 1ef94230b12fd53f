// What OpenWrt's /etc/init.d/dnsmasq (dnsmasq.init) writes into
// /var/etc/dnsmasq.conf.<section> for the dhcp sections netboot cares about,
// so tests and the boot lab run a real dnsmasq on exactly the options a
// router would. Followed function by function, from openwrt/openwrt
// package/network/services/dnsmasq/files/dnsmasq.init (23.05.4 and 24.10):
//   dnsmasq_start  enable_tftp only with tftp_root; tftp_root, dhcp_boot;
//                  dhcp_option_add "$cfg" "" 0 → untagged dhcp-option
//   dhcp_host_add  dhcp-host=[tag:<match_tag>,]<macs>[,set:<networkid>][,set:<tag>][,<ip>][,<name>][,<leasetime>]
//   dhcp_boot_add  dhcp-boot=[tag:<networkid>,]<filename>[,<servername>[,<serveraddress>]]
//                  (skipped when serveraddress is set without servername; 23.05 writes net: instead of tag:)
//   dhcp_tag_add   dhcp-option[-force]=tag:<section name>,<each word of dhcp_option>
//   dhcp_userclass_add / dhcp_vendorclass_add / dhcp_match_add
//                  dhcp-<kind>=set:<networkid>,<value>, then their dhcp_option list
//   dhcp_option_add  each list item → dhcp-option[-force]=[<networkid>,]<item>
// and in dnsmasq_start's order: globals, hosts, boot, tag, vendorclass, userclass, match.
// Interfaces, ranges and DNS are left to the caller (the lab has its own).

import type { UciPackage, UciSection, UciValue } from '../../src/uci';

const TRUE = new Set(['1', 'true', 'yes', 'on', 'enabled']);
const get = (s: UciSection, o: string): string | undefined => {
  const v = s.options.get(o);
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const list = (v: UciValue | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean));
const bool = (s: UciSection, o: string) => TRUE.has(get(s, o) ?? '0');

export interface Flavor {
  /** 23.05 writes dhcp-boot=net:<id>, 24.10 and later tag:<id>. */
  release: '23.05' | '24.10';
}

function options(s: UciSection, networkid: string | undefined): string[] {
  const force = bool(s, 'force') ? '-force' : '';
  return list(s.options.get('dhcp_option')).map((o) => `dhcp-option${force}=${networkid ? `${networkid},` : ''}${o}`);
}

export function dnsmasqLines(dhcp: UciPackage, flavor: Flavor = { release: '24.10' }): string[] {
  const lines: string[] = [];
  const of = (type: string) => dhcp.sections.filter((s) => s.type === type && !get(s, 'instance'));
  const dnsmasq = of('dnsmasq')[0];
  if (dnsmasq) {
    const root = get(dnsmasq, 'tftp_root');
    if (root && bool(dnsmasq, 'enable_tftp')) lines.push('enable-tftp');
    if (root) lines.push(`tftp-root=${root}`);
    const boot = get(dnsmasq, 'dhcp_boot');
    if (boot) lines.push(`dhcp-boot=${boot}`);
    lines.push(...options(dnsmasq, undefined));
  }
  for (const s of of('host')) {
    const macs = list(s.options.get('mac')).join(',');
    const ip = get(s, 'ip');
    const name = get(s, 'name');
    if (!ip && !name) continue;
    const tags = [get(s, 'networkid'), ...list(s.options.get('tag'))].filter(Boolean).map((t) => `,set:${t}`).join('');
    const match = list(s.options.get('match_tag')).map((t) => `tag:${t},`).join('');
    lines.push(`dhcp-host=${match}${macs || name}${tags}${ip ? `,${ip}` : ''}${macs && name ? `,${name}` : ''}${get(s, 'leasetime') ? `,${get(s, 'leasetime')}` : ''}`);
  }
  for (const s of of('boot')) {
    const file = get(s, 'filename');
    const id = get(s, 'networkid');
    const sname = get(s, 'servername');
    const saddr = get(s, 'serveraddress');
    if (!file || (saddr && !sname)) continue;
    const prefix = flavor.release === '23.05' ? 'net' : 'tag';
    lines.push(`dhcp-boot=${id ? `${prefix}:${id},` : ''}${file}${sname ? `,${sname}` : ''}${saddr ? `,${saddr}` : ''}`);
    lines.push(...options(s, id));
  }
  for (const s of of('tag')) {
    const force = bool(s, 'force') ? '-force' : '';
    for (const o of list(s.options.get('dhcp_option'))) lines.push(`dhcp-option${force}=tag:${s.name},${o}`);
  }
  for (const kind of ['vendorclass', 'userclass', 'match']) {
    for (const s of of(kind)) {
      const id = get(s, 'networkid');
      const value = get(s, kind);
      if (!id || !value) continue;
      lines.push(`dhcp-${kind}=set:${id},${value}`, ...options(s, id));
    }
  }
  return lines;
}
