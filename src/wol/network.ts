// Where a magic packet goes out: an OpenWrt interface's device and IPv4
// subnet, read from /etc/config/network the way netifd reads a static
// interface (openwrt/netifd proto.c parse_static_address: `ipaddr` may be a
// list and each entry may carry its own /prefix, else `netmask` applies).
// netboot serves PCs on interfaces with a static address (the router is their
// DHCP server), so the configured address is the one they reach.

import type { UciPackage, UciValue } from '../uci';

export interface Subnet {
  /** The OpenWrt interface (network.IFACE). */
  iface: string;
  /** The Linux device its packets leave by (br-lan). */
  device: string;
  address: string;
  prefix: number;
  broadcast: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const first = (v: UciValue | undefined) => (Array.isArray(v) ? v[0] : v);
const toInt = (ip: string) => ip.split('.').reduce((n, b) => n * 256 + Number(b), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** A dotted netmask's prefix length, or undefined when its ones are not contiguous. */
function prefixOf(mask: string): number | undefined {
  if (!IPV4.test(mask)) return undefined;
  const bits = toInt(mask).toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

/** The interface's subnet, or a sentence naming the network.IFACE.OPTION that is missing or wrong. */
export function interfaceSubnet(network: UciPackage | undefined, iface: string): Subnet | string {
  const where = `network.${iface}`;
  if (!network) return `/etc/config/network is missing, so the address of interface ${JSON.stringify(iface)} is unknown`;
  const s = network.sections.find((x) => x.type === 'interface' && x.name === iface);
  if (!s) return `there is no interface ${JSON.stringify(iface)} in /etc/config/network`;
  const proto = first(s.options.get('proto'));
  const device = first(s.options.get('device')) ?? (first(s.options.get('type')) === 'bridge' ? `br-${iface}` : first(s.options.get('ifname')));
  if (!device) return `${where}.device is not set, so the device to send on is unknown`;
  const [address, cidr] = (first(s.options.get('ipaddr')) ?? '').split('/');
  if (proto !== 'static' || !address) return `${where} has no static IPv4 address (proto ${JSON.stringify(proto ?? '')}); netboot sends the magic packet to the broadcast address of ${where}.ipaddr`;
  if (!IPV4.test(address)) return `${where}.ipaddr ${JSON.stringify(address)} is not an IPv4 address`;
  const mask = first(s.options.get('netmask'));
  const prefix = cidr !== undefined ? (/^\d+$/.test(cidr) && Number(cidr) <= 32 ? Number(cidr) : undefined) : mask !== undefined ? prefixOf(mask) : undefined;
  if (prefix === undefined) {
    return cidr !== undefined ? `${where}.ipaddr ${JSON.stringify(`${address}/${cidr}`)} has a bad prefix length` : `${where}.netmask ${JSON.stringify(mask ?? '')} is not a netmask like 255.255.255.0`;
  }
  const host = 2 ** (32 - prefix);
  const broadcast = toIp(Math.floor(toInt(address) / host) * host + host - 1);
  return { iface, device, address, prefix, broadcast };
}
