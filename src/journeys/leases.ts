// dnsmasq's lease file, for TFTP events from an address whose DHCP event the
// spool no longer holds (or never did: dnsmasq renewed the lease without
// calling its script). OpenWrt keeps it at /tmp/dhcp.leases (RAM).

import { parseMac } from './events';

export const LEASE_FILE = '/tmp/dhcp.leases';

/** The MAC holding `ip` in lease-file text ("expiry mac ip hostname client-id" per line). */
export function macInLeases(text: string, ip: string): string | undefined {
  for (const line of text.split('\n')) {
    const [, mac, addr] = line.split(' ');
    if (addr === ip) return parseMac(mac);
  }
  return undefined;
}
