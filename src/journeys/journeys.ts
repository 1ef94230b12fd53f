// Boot journeys: what each PC did on its way to a disk, pieced together from
// dnsmasq's DHCP and TFTP events. Pure (the caller passes the time) and
// bounded: at most `maxClients` journeys (least recently seen dropped first),
// `maxSteps` steps and files each, an ip→mac map no larger than the
// journeys, and at most `maxClients` leases of other LAN clients, so a flood
// of events cannot grow memory.

import { normalize } from '../fs/path';
import type { BootEvent, DhcpEvent, TftpEvent } from './events';

export type Arch = 'bios' | 'efi32' | 'efi64' | 'arm64';
export type Firmware = 'pxe' | 'ipxe';

export type StepName =
  | 'dhcp-pxe' // the NIC's PXE firmware got its lease
  | 'dhcp-ipxe' // iPXE got its lease
  | 'dhcp-other' // the same PC without PXE: usually its booted OS
  | 'dhcp-release'
  | 'bootloader' // undionly.kpxe, snponly.efi, ... over TFTP
  | 'menu' // netboot/menu.ipxe
  | 'config' // netboot/boot.ipxe.cfg
  | 'host' // netboot/hosts/<mac>.ipxe
  | 'target' // netboot/targets/<name>.ipxe (CHAP)
  | 'boot' // beacon: about to sanboot a target
  | 'install' // beacon: about to sanhook + start an installer
  | 'task' // beacon: the host's next-boot task started
  | 'failed' // beacon: a boot or an install failed
  | 'file'; // anything else fetched over TFTP

export interface Step {
  time: number;
  step: StepName;
  /** One human-readable phrase; also the log line's text. */
  detail: string;
}

export interface Choice {
  kind: 'boot' | 'install';
  /** For an install: the target whose CHAP script was fetched, when it had one. */
  target: string | null;
  installer?: string;
}

export interface Journey {
  mac: string;
  ip: string | null;
  hostname: string | null;
  arch: Arch | null;
  firmware: Firmware | null;
  files: string[];
  choice: Choice | null;
  steps: Step[];
  lastSeen: number;
}

export interface JourneyLimits {
  maxClients: number;
  maxSteps: number;
}

// At these limits and the longest fields events.ts accepts, `clients` stays
// under ubusd's 1 MiB message limit (a test checks it).
export const DEFAULT_LIMITS: JourneyLimits = { maxClients: 64, maxSteps: 16 };

export type Outcome = { recorded: true; journey: Journey; step: Step } | { recorded: false; reason: string };

// Client architecture (RFC 4578 option 93, echoed in option 60); 16 and 19 are UEFI HTTP Boot.
const ARCH_CODES: Record<number, Arch> = { 0: 'bios', 6: 'efi32', 7: 'efi64', 9: 'efi64', 11: 'arm64', 16: 'efi64', 19: 'arm64' };
const ARCH_TAGS: Record<string, Arch> = { netboot_bios: 'bios', netboot_efi64: 'efi64', netboot_arm64: 'arm64', netboot_http64: 'efi64', netboot_httparm64: 'arm64' };

/** Architecture from option 60 ("PXEClient:Arch:00007:...", "HTTPClient:Arch:00016:...") or netboot's dnsmasq tags. */
function dhcpArch(e: DhcpEvent): Arch | null {
  const code = /^(?:PXE|HTTP)Client:Arch:(\d{5})/.exec(e.vendorclass ?? '');
  if (code) return ARCH_CODES[Number(code[1])] ?? null;
  for (const tag of e.tags) if (ARCH_TAGS[tag]) return ARCH_TAGS[tag];
  return null;
}

function dhcpFirmware(e: DhcpEvent): Firmware | null {
  if (e.userclass.includes('iPXE') || e.tags.includes('netboot_ipxe')) return 'ipxe';
  if (/^(PXE|HTTP)Client/.test(e.vendorclass ?? '') || e.tags.some((t) => t in ARCH_TAGS)) return 'pxe';
  return null;
}

/** A fetched file's path relative to the TFTP root when it lies under it. */
export function relativeToRoot(path: string, tftpRoot: string): string {
  const p = normalize(path);
  const root = normalize(`${tftpRoot}/`);
  return p.startsWith(root) ? p.slice(root.length) : p.replace(/^\/+/, '');
}

type TftpKind = { step: StepName; name?: string; target?: string; arch?: Arch };

// netboot/beacon/boot/<target>.ipxe, netboot/beacon/install/<target>/<installer>.ipxe (src/ipxe/render.ts)
const BOOT_BEACON = /^netboot\/beacon\/boot\/([^/]+)\.ipxe$/;
const INSTALL_BEACON = /^netboot\/beacon\/install\/([^/]+)\/([^/]+)\.ipxe$/;
const TARGET = /^netboot\/targets\/([^/]+)\.ipxe$/;
// netboot/beacon/task/<mac, hyphens>/<since>.ipxe
const TASK_BEACON = /^netboot\/beacon\/task\/([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\/(\d{1,10})\.ipxe$/;

/** The task a fetched file (relative to the TFTP root) reports started: whose, and set when. */
export function taskBeaconOf(rel: string): { mac: string; since: number } | undefined {
  const m = TASK_BEACON.exec(rel);
  return m ? { mac: m[1]!.replaceAll('-', ':'), since: Number(m[2]) } : undefined;
}

/** What fetching this file (relative to the TFTP root) says about the client. */
function classify(rel: string): TftpKind {
  const boot = BOOT_BEACON.exec(rel);
  if (boot) return { step: 'boot', name: boot[1] };
  const install = INSTALL_BEACON.exec(rel);
  if (install) return { step: 'install', target: install[1], name: install[2] };
  const target = TARGET.exec(rel);
  if (target) return { step: 'target', name: target[1] };
  if (taskBeaconOf(rel)) return { step: 'task' };
  if (rel === 'netboot/beacon/failed.ipxe') return { step: 'failed' };
  if (rel === 'netboot/menu.ipxe') return { step: 'menu' };
  if (rel === 'netboot/boot.ipxe.cfg') return { step: 'config' };
  if (/^netboot\/hosts\/[^/]+\.ipxe$/.test(rel)) return { step: 'host' };
  if (rel.startsWith('arm64/') && rel.endsWith('.efi')) return { step: 'bootloader', arch: 'arm64' };
  if (/\.(kpxe|kkpxe|pxe|0)$/.test(rel) && !rel.includes('/')) return { step: 'bootloader', arch: 'bios' };
  if (rel.endsWith('.efi') && !rel.includes('/')) return { step: 'bootloader', arch: 'efi64' };
  return { step: 'file' };
}

// Steps after which a PXE lease or a bootloader fetch means the PC started over.
const PAST_FIRMWARE: ReadonlySet<StepName> = new Set<StepName>(['bootloader', 'dhcp-ipxe', 'menu', 'config', 'host', 'target', 'boot', 'install', 'task', 'failed', 'file', 'dhcp-other']);

export class Journeys {
  // Insertion order is recency: a touched journey is moved to the end.
  private readonly byMac = new Map<string, Journey>();
  private readonly macByIp = new Map<string, string>();
  // Leases of clients that showed no sign of PXE (dnsmasq passes option 60
  // and 77 only with some events): a TFTP fetch from one starts its journey.
  private readonly otherLeases = new Map<string, { mac: string; hostname: string | null }>();

  constructor(private readonly limits: JourneyLimits = DEFAULT_LIMITS) {}

  get size(): { clients: number; ips: number; otherLeases: number } {
    return { clients: this.byMac.size, ips: this.macByIp.size, otherLeases: this.otherLeases.size };
  }

  /** The mac that last held this address, as far as the kept events tell. */
  macOf(ip: string): string | undefined {
    return this.macByIp.get(ip) ?? this.otherLeases.get(ip)?.mac;
  }

  /** Most recently seen first. */
  list(): Journey[] {
    return [...this.byMac.values()].reverse();
  }

  record(event: BootEvent, now: number, tftpRoot: string): Outcome {
    return event.source === 'dhcp' ? this.dhcp(event, now) : this.tftp(event, now, tftpRoot);
  }

  private dhcp(e: DhcpEvent, now: number): Outcome {
    const firmware = dhcpFirmware(e);
    const known = this.byMac.get(e.mac);
    // Every LAN client's leases arrive here: follow only network boots.
    if (!known && firmware === null) {
      this.otherLeases.delete(e.ip);
      if (e.action !== 'remove') this.otherLeases.set(e.ip, { mac: e.mac, hostname: e.hostname });
      if (this.otherLeases.size > this.limits.maxClients) this.otherLeases.delete(this.otherLeases.keys().next().value!);
      return { recorded: false, reason: 'not a network boot' };
    }
    if (e.action === 'remove') {
      const j = this.touch(e.mac, now);
      if (this.macByIp.get(e.ip) === e.mac) this.macByIp.delete(e.ip);
      if (j.ip === e.ip) j.ip = null;
      return this.step(j, now, 'dhcp-release', `released ${e.ip}`);
    }
    let j = this.touch(e.mac, now);
    if (firmware === 'pxe' && j.steps.some((s) => PAST_FIRMWARE.has(s.step))) j = this.restart(j);
    this.setIp(j, e.ip);
    if (e.hostname) j.hostname = e.hostname;
    const arch = dhcpArch(e);
    if (arch) j.arch = arch;
    if (firmware) j.firmware = firmware;
    const what = firmware ?? 'other';
    const detail = [`dhcp ${what}`, arch, e.vendorclass && `(${e.vendorclass})`].filter(Boolean).join(' ');
    return this.step(j, now, `dhcp-${what}`, detail);
  }

  private tftp(e: TftpEvent, now: number, tftpRoot: string): Outcome {
    const mac = e.mac ?? this.macOf(e.ip);
    if (!mac) return { recorded: false, reason: `no DHCP lease seen for ${e.ip}` };
    const rel = relativeToRoot(e.path, tftpRoot);
    const kind = classify(rel);
    let j = this.touch(mac, now);
    const lease = this.otherLeases.get(e.ip);
    if (lease?.mac === mac) j.hostname ??= lease.hostname;
    if (kind.step === 'bootloader' && j.steps.some((s) => PAST_FIRMWARE.has(s.step))) j = this.restart(j);
    this.setIp(j, e.ip);
    if (kind.arch && !j.arch) j.arch = kind.arch;
    // Bootloaders are fetched by the NIC's PXE firmware; netboot's scripts only by iPXE.
    if (kind.step === 'bootloader') j.firmware = 'pxe';
    if (rel.startsWith('netboot/')) j.firmware = 'ipxe';
    j.files = [...j.files.filter((f) => f !== rel), rel].slice(-this.limits.maxSteps);
    if (kind.step === 'boot') {
      j.choice = { kind: 'boot', target: kind.name! };
      return this.step(j, now, 'boot', `chose boot ${kind.name}`);
    }
    if (kind.step === 'install') {
      j.choice = { kind: 'install', target: kind.target!, installer: kind.name! };
      return this.step(j, now, 'install', `chose install ${kind.name} on ${kind.target}`);
    }
    if (kind.step === 'task') return this.step(j, now, 'task', 'started its next-boot task');
    if (kind.step === 'failed') return this.step(j, now, 'failed', 'a boot or an install failed');
    return this.step(j, now, kind.step, `fetched ${rel}`);
  }

  /** The journey for mac, created if new, moved to most recent; evicts the oldest past the limit. */
  private touch(mac: string, now: number): Journey {
    let j = this.byMac.get(mac);
    if (j) this.byMac.delete(mac);
    else j = { mac, ip: null, hostname: null, arch: null, firmware: null, files: [], choice: null, steps: [], lastSeen: now };
    j.lastSeen = now;
    this.byMac.set(mac, j);
    while (this.byMac.size > this.limits.maxClients) this.evict(this.byMac.keys().next().value!);
    return j;
  }

  private evict(mac: string): void {
    const j = this.byMac.get(mac)!;
    this.byMac.delete(mac);
    if (j.ip !== null && this.macByIp.get(j.ip) === mac) this.macByIp.delete(j.ip);
  }

  /** A new boot of the same PC: what it fetched and chose before no longer applies. */
  private restart(j: Journey): Journey {
    j.files = [];
    j.choice = null;
    j.steps = [];
    j.firmware = null;
    return j;
  }

  private setIp(j: Journey, ip: string): void {
    if (j.ip !== null && j.ip !== ip && this.macByIp.get(j.ip) === j.mac) this.macByIp.delete(j.ip);
    j.ip = ip;
    this.otherLeases.delete(ip);
    // The address now belongs to this PC; a journey that held it before keeps it only as history.
    this.macByIp.set(ip, j.mac);
  }

  private step(j: Journey, time: number, step: StepName, detail: string): Outcome {
    const s: Step = { time, step, detail };
    j.steps.push(s);
    if (j.steps.length > this.limits.maxSteps) j.steps.shift();
    return { recorded: true, journey: j, step: s };
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A journey as `ubus call netboot clients` returns it (docs/design.md). */
export function journeyJson(j: Journey) {
  return {
    mac: j.mac,
    ip: j.ip,
    hostname: j.hostname,
    arch: j.arch,
    firmware: j.firmware,
    files: j.files,
    choice: j.choice && { kind: j.choice.kind, target: j.choice.target, ...(j.choice.installer ? { installer: j.choice.installer } : {}) },
    steps: j.steps.map((s) => ({ time: iso(s.time), step: s.step, detail: s.detail })),
    last_seen: iso(j.lastSeen),
  };
}
