// Model → the sections netboot wants in /etc/config/dhcp. Pure.
// See docs/design.md "DHCP" for why each section looks the way it does.

import type { Model, Problem } from '../config/model';
import { OWNED_DIR } from '../ipxe/render';
import type { UciPackage, UciSection, UciValue } from '../uci';
import { httpBoot } from './http-boot';
import { interfaceTags } from './interfaces';

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

export interface DesiredDhcp {
  /** In the order they must appear; the iPXE menu entries last. */
  sections: UciSection[];
  /** Options of the dnsmasq section netboot needs set (dhcpscript only while no one else's is). */
  dnsmasq: Record<string, string>;
  /** What in the router's dhcp config keeps netboot's entries from working as configured. */
  warnings: Problem[];
}

export function section(type: string, name: string, options: Record<string, UciValue>): UciSection {
  return { type, name, anonymous: false, options: new Map(Object.entries(options)) };
}

/** Client architectures from RFC 4578 option 93 (IANA's list), as dnsmasq's `option:client-arch`; http: UEFI HTTP Boot. */
const ARCHES: { tag: string; codes: number[]; file: keyof Model['settings']['bootloaders']; http?: true }[] = [
  { tag: 'netboot_bios', codes: [0], file: 'bios' },
  { tag: 'netboot_efi64', codes: [7, 9], file: 'efi64' },
  { tag: 'netboot_arm64', codes: [11], file: 'arm64' },
  { tag: 'netboot_http64', codes: [16], file: 'efi64', http: true },
  { tag: 'netboot_httparm64', codes: [19], file: 'arm64', http: true },
];

/** A boot section that hands iPXE clients the menu (they must come after every firmware entry). */
export const isMenuEntry = (s: UciSection) => s.type === 'boot' && String(s.options.get('networkid')).split(',')[0] === IPXE_TAG;

/**
 * `dhcp` is the router's dhcp config: it says which DHCP tag each of
 * netboot.main.interfaces gets. dnsmasq ANDs the tags of an entry, so each
 * interface has its own boot entries.
 */
export function desiredDhcp(m: Model, dhcp?: UciPackage): DesiredDhcp {
  const s = m.settings;
  if (!s.enabled) return { sections: [], dnsmasq: {}, warnings: [] };
  const { tags, warnings } = interfaceTags(s.interfaces, dhcp);
  const { base } = httpBoot(s);
  const arches = ARCHES.filter((a) => !a.http || base);
  const sections: UciSection[] = [];
  for (const a of arches) {
    a.codes.forEach((code, i) =>
      sections.push(section('match', i ? `${a.tag}_${code}` : a.tag, { networkid: a.tag, match: `option:client-arch,${code}` })),
    );
  }
  // iPXE sends user class "iPXE"; 175.176 = 1 tells it not to wait ~3 s for ProxyDHCP offers.
  sections.push(section('userclass', IPXE_TAG, { networkid: IPXE_TAG, userclass: 'iPXE', dhcp_option: ['encap:175,176,1'] }));
  // The first interface's entries keep the names they had before interfaces existed, so an upgrade updates them in place.
  const suffix = (i: number) => (i ? `_${tags[i]!.iface}` : '');
  tags.forEach(({ tag }, i) => {
    for (const a of arches) {
      const options: Record<string, UciValue> = { networkid: `${a.tag},tag:!${IPXE_TAG},tag:${tag}` };
      // HTTP Boot firmware takes only an offer that says "HTTPClient" (option 60), with a URL as the boot file.
      if (a.http) Object.assign(options, { filename: base + s.bootloaders[a.file], dhcp_option: ['60,HTTPClient'] });
      else options.filename = s.bootloaders[a.file];
      sections.push(section('boot', `netboot_boot_${a.tag.slice(PREFIX.length)}${suffix(i)}`, options));
    }
  });
  tags.forEach(({ tag }, i) =>
    sections.push(section('boot', `netboot_boot_ipxe${suffix(i)}`, { networkid: `${IPXE_TAG},tag:${tag}`, filename: s.httpUrl ? `${s.httpUrl}menu.ipxe` : MENU })),
  );
  return { sections, dnsmasq: { enable_tftp: '1', tftp_root: s.tftpRoot, dhcpscript: DHCP_SCRIPT }, warnings };
}
