// One line of the boot-journey spool, as netboot's dnsmasq script writes it
// (files/usr/share/netboot/dhcp-script.sh) from what dnsmasq reports: DHCP
// classes and host names come from the LAN, so every field is checked and
// bounded here, and what passes is safe to keep and to show.

import { MAX_REQUEST } from '../register/request';
import type { BlobmsgTable, BlobmsgValue } from '../ubus';

export interface DhcpEvent {
  source: 'dhcp';
  /** dnsmasq's add / old / del, under the names OpenWrt's hotplug events give them. */
  action: 'add' | 'update' | 'remove';
  mac: string;
  ip: string;
  hostname: string | null;
  /** DHCP option 60, e.g. "PXEClient:Arch:00007:UNDI:003016". */
  vendorclass: string | null;
  /** DHCP option 77 entries; iPXE sends "iPXE". */
  userclass: string[];
  /** dnsmasq's tags for the request (netboot_bios, netboot_ipxe, ...). */
  tags: string[];
}

export interface TftpEvent {
  source: 'tftp';
  action: 'add';
  ip: string;
  /** As dnsmasq reports it: the file's full path on the router. */
  path: string;
  size: number | null;
  /** Only when the sender knows it; otherwise the journey maps ip to mac. */
  mac: string | null;
}

export type BootEvent = DhcpEvent | TftpEvent;

/** The reason a spooled event was refused; `clients` skips it. */
export class InvalidEvent extends Error {}

// Longest accepted strings (hostnames and DHCP classes are far shorter in
// practice). They bound each journey, so that `clients` with every journey
// at its limits still fits in one ubus message (see journeys.ts).
export const MAX_TEXT = 128;
/** A whole DHCP option: a registration request can fill one (src/register/request.ts). */
const MAX_VENDORCLASS = MAX_REQUEST;
export const MAX_PATH = 255;
const MAX_LIST = 16;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;
// Control characters would let a sender forge extra syslog lines.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A MAC in dnsmasq's form (lowercase, colons), or undefined. */
export function parseMac(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const mac = value.toLowerCase().replace(/-/g, ':');
  return MAC.test(mac) ? mac : undefined;
}

function checked(name: string, v: string, max = MAX_TEXT): string {
  if (v.length > max) throw new InvalidEvent(`${name} is longer than ${max} characters`);
  if (CONTROL.test(v)) throw new InvalidEvent(`${name} contains control characters`);
  return v;
}

function text(args: BlobmsgTable, name: string, max?: number): string | null {
  const v = args[name];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new InvalidEvent(`${name} must be a string`);
  return checked(name, v, max);
}

function required(args: BlobmsgTable, name: string, max?: number): string {
  const v = text(args, name, max);
  if (v === null) throw new InvalidEvent(`${name} is missing`);
  return v;
}

function mac(args: BlobmsgTable, need: boolean): string | null {
  const v = need ? required(args, 'mac') : text(args, 'mac');
  if (v === null) return null;
  const m = parseMac(v);
  if (!m) throw new InvalidEvent(`mac ${JSON.stringify(v)} is not a MAC address like 52:54:00:12:34:56`);
  return m;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUPS = /^[0-9a-f]{1,4}(:[0-9a-f]{1,4})*$/i;

/** 4 or 6 for an address in dotted-quad or RFC 4291 text form (no zone), else 0. */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  // An embedded IPv4 tail counts as two groups.
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 && !IPV4.test(v4[2]!)) return 0;
  const head = v4 ? `${v4[1]}0:0` : text;
  const halves = head.split('::');
  if (halves.length > 2) return 0;
  const groups = halves.map((h) => (h === '' ? 0 : HEX_GROUPS.test(h) ? h.split(':').length : NaN));
  const n = groups.reduce((a, b) => a + b, 0);
  return (halves.length === 2 ? n < 8 : n === 8) ? 6 : 0;
}

function ip(args: BlobmsgTable): string {
  const v = required(args, 'ip');
  if (!ipVersion(v)) throw new InvalidEvent(`ip ${JSON.stringify(v)} is not an IP address`);
  return v;
}

/** A list given as an array of strings or as one space-separated string (dnsmasq's DNSMASQ_TAGS). */
function list(args: BlobmsgTable, name: string): string[] {
  const v: BlobmsgValue | undefined = args[name];
  if (v === undefined || v === null) return [];
  const items = typeof v === 'string' ? v.split(' ').filter(Boolean) : v;
  if (!Array.isArray(items)) throw new InvalidEvent(`${name} must be a string or an array of strings`);
  if (items.length > MAX_LIST) throw new InvalidEvent(`${name} has more than ${MAX_LIST} entries`);
  return items.map((item, i) => {
    if (typeof item !== 'string') throw new InvalidEvent(`${name}[${i}] must be a string`);
    return checked(`${name}[${i}]`, item);
  });
}

function size(args: BlobmsgTable): number | null {
  const v = args.size;
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new InvalidEvent('size must be a whole number of bytes');
  return n;
}

const DHCP_ACTIONS = ['add', 'update', 'remove'] as const;

/** A DHCPv6 lease event: dnsmasq gives its IPv6 address, and a DUID where a MAC would be. */
export function isDhcpv6Lease(args: BlobmsgTable): boolean {
  return args.source === 'dhcp' && typeof args.ip === 'string' && ipVersion(args.ip) === 6;
}

/** Checks a payload; throws InvalidEvent naming the first bad field. */
export function parseEvent(args: BlobmsgTable): BootEvent {
  const source = args.source;
  const action = required(args, 'action');
  if (source === 'dhcp') {
    if (!(DHCP_ACTIONS as readonly string[]).includes(action)) throw new InvalidEvent(`action ${JSON.stringify(action)} is not one of ${DHCP_ACTIONS.join(', ')}`);
    return {
      source,
      action: action as DhcpEvent['action'],
      mac: mac(args, true)!,
      ip: ip(args),
      hostname: text(args, 'hostname'),
      vendorclass: text(args, 'vendorclass', MAX_VENDORCLASS),
      userclass: list(args, 'userclass'),
      tags: list(args, 'tags'),
    };
  }
  if (source === 'tftp') {
    if (action !== 'add') throw new InvalidEvent(`action ${JSON.stringify(action)} is not add`);
    return { source, action, ip: ip(args), path: required(args, 'path', MAX_PATH), size: size(args), mac: mac(args, false) };
  }
  throw new InvalidEvent(`source must be "dhcp" or "tftp"`);
}
