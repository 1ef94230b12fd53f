// netboot.main.interfaces → the DHCP tags dnsmasq sets for clients on them. Pure.
//
// OpenWrt's dnsmasq.init (24.10.4, dhcp_add) writes each served `config dhcp`
// section as `--dhcp-range=set:$networkid,...`, networkid defaulting to the
// section's `interface`; sections with `ignore 1` become --no-dhcp-interface
// and `dhcpv4 disabled` writes no IPv4 range; a section whose `instance` names
// another dnsmasq is not this one's (filter_dnsmasq).

import type { Problem } from '../config/model';
import type { UciPackage, UciSection } from '../uci';

export interface InterfaceTag {
  iface: string;
  /** The tag dnsmasq sets on a client that got its lease on this interface. */
  tag: string;
}

const str = (s: UciSection, k: string) => {
  const v = s.options.get(k);
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const on = (v: string | undefined) => ['1', 'on', 'true', 'yes', 'enabled'].includes(v ?? '');

/** The tag of the section that serves IPv4 leases on `iface`, or why none does. */
function served(dhcp: UciPackage, iface: string): { tag: string } | { why: string } {
  const dnsmasq = dhcp.sections.find((s) => s.type === 'dnsmasq');
  const mine = dhcp.sections.filter((s) => s.type === 'dhcp' && str(s, 'interface') === iface);
  const ours = mine.filter((s) => !str(s, 'instance') || str(s, 'instance') === dnsmasq?.name);
  const serving = ours.find((s) => !on(str(s, 'ignore')) && str(s, 'dhcpv4') !== 'disabled');
  if (serving) return { tag: str(serving, 'networkid') ?? iface };
  if (!mine.length) return { why: `no "config dhcp" section in /etc/config/dhcp has option interface '${iface}'` };
  if (!ours.length) return { why: `its dhcp section belongs to another dnsmasq instance (netboot configures the first)` };
  return { why: `its dhcp section ${ours[0]!.anonymous ? '' : `'${ours[0]!.name}' `}has ${on(str(ours[0]!, 'ignore')) ? "option ignore '1'" : "option dhcpv4 'disabled'"}` };
}

/**
 * One tag per listed interface. Without a dhcp config (tests, --root without
 * one) the tag is dnsmasq.init's default, the interface name.
 */
export function interfaceTags(interfaces: string[], dhcp: UciPackage | undefined): { tags: InterfaceTag[]; warnings: Problem[] } {
  const warnings: Problem[] = [];
  const tags = interfaces.map((iface) => {
    const s = dhcp ? served(dhcp, iface) : { tag: iface };
    if ('tag' in s) return { iface, tag: s.tag };
    warnings.push({ where: 'netboot.main.interfaces', message: `"${iface}" is not an interface dnsmasq serves DHCP on (${s.why}), so no client there gets boot options` });
    return { iface, tag: iface };
  });
  return { tags, warnings };
}
