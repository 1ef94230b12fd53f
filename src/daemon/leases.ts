// dnsmasq's lease file, for TFTP events from an address whose DHCP event the
// daemon never saw (it started after the lease, or dnsmasq renewed the lease
// without calling its script). OpenWrt keeps it at /tmp/dhcp.leases (RAM).

import { readFileSync } from 'node:fs';
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

/** Reads the lease file on each call: it is small, and this runs only for unknown addresses. */
export function leaseLookup(path: string): (ip: string) => string | undefined {
  return (ip) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    return macInLeases(text, ip);
  };
}
