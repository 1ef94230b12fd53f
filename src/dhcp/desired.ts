// Model → the sections netboot wants in /etc/config/dhcp. Pure.
// See docs/design.md "DHCP" for why each section looks the way it does.

import type { Model } from '../config/model';
import { OWNED_DIR } from '../ipxe/render';
import type { UciSection, UciValue } from '../uci';

export const PREFIX = 'netboot_';
/** netboot's bookkeeping section in dhcp: which dnsmasq options it set itself. */
export const OWNED_MARK = 'netboot_owned';
export const IPXE_TAG = 'netboot_ipxe';
export const MENU = `${OWNED_DIR}/menu.ipxe`;
/**
 * netboot's dnsmasq script (files/usr/share/netboot/dhcp-script.sh), set as
 * the dnsmasq section's `dhcpscript`: the one way boot journeys see DHCP
 * classes and tags on a stock router (docs/design.md, "Boot journeys").
 */
export const DHCP_SCRIPT = '/usr/share/netboot/dhcp-script.sh';

export const isOwned = (name: string) => name.startsWith(PREFIX);

type Bootloaders = Model['settings']['bootloaders'];

export interface DesiredDhcp {
  /** In the order they must appear; the iPXE boot section last. */
  sections: UciSection[];
  /** Options of the dnsmasq section netboot needs set (dhcpscript only while no one else's is). */
  dnsmasq: Record<string, string>;
}

export function section(type: string, name: string, options: Record<string, UciValue>): UciSection {
  return { type, name, anonymous: false, options: new Map(Object.entries(options)) };
}

/** Client architectures from RFC 4578 option 93, as dnsmasq's `option:client-arch`. */
const ARCHES: { tag: string; codes: number[]; file: keyof Bootloaders }[] = [
  { tag: 'netboot_bios', codes: [0], file: 'bios' },
  { tag: 'netboot_efi64', codes: [7, 9], file: 'efi64' },
  { tag: 'netboot_arm64', codes: [11], file: 'arm64' },
];

export function desiredDhcp(m: Model, loaders: Bootloaders = m.settings.bootloaders): DesiredDhcp {
  const s = m.settings;
  if (!s.enabled) return { sections: [], dnsmasq: {} };
  const sections: UciSection[] = [];
  for (const a of ARCHES) {
    a.codes.forEach((code, i) =>
      sections.push(section('match', i ? `${a.tag}_${code}` : a.tag, { networkid: a.tag, match: `option:client-arch,${code}` })),
    );
  }
  // iPXE sends user class "iPXE"; 175.176 = 1 tells it not to wait ~3 s for ProxyDHCP offers.
  sections.push(section('userclass', IPXE_TAG, { networkid: IPXE_TAG, userclass: 'iPXE', dhcp_option: ['encap:175,176,1'] }));
  for (const a of ARCHES) {
    sections.push(section('boot', `netboot_boot_${a.tag.slice(PREFIX.length)}`, { networkid: `${a.tag},tag:!${IPXE_TAG}`, filename: loaders[a.file] }));
  }
  sections.push(section('boot', 'netboot_boot_ipxe', { networkid: IPXE_TAG, filename: s.httpUrl ? `${s.httpUrl}menu.ipxe` : MENU }));
  return { sections, dnsmasq: { enable_tftp: '1', tftp_root: s.tftpRoot, dhcpscript: DHCP_SCRIPT } };
}
