// The boot-journey spool: netboot's dnsmasq script (files/usr/share/netboot/
// dhcp-script.sh) appends one JSON line per DHCP/TFTP event to one of two
// files in dnsmasq's run folder, the only folder dnsmasq's jail shares
// writable with the rest of the router (OpenWrt's dnsmasq.init mounts
// /var/run/dnsmasq/ read-write; /var is /tmp, RAM). `clients` reads both and
// folds them into journeys, so no process has to stay up to collect them.
//
// The script's file-size limit (ulimit -f) caps each file at SPOOL_FILE_BYTES;
// a line that hit the cap is cut short there and written whole to the other
// file, which the script empties first and names in SPOOL.slot. Lines are
// therefore read whole or not at all: one without its newline, or one that
// is not a valid event, is skipped.

import { type BootEvent, InvalidEvent, isDhcpv6Lease, parseEvent } from './events';
import { Journeys, relativeToRoot, type JourneyLimits, type Outcome } from './journeys';
import { macInLeases } from './leases';
import type { BlobmsgTable } from '../ubus';

/** The two spool files are SPOOL.0 and SPOOL.1; SPOOL.slot holds the digit of the one being written. */
export const SPOOL = '/var/run/dnsmasq/netboot-events';
/** `ulimit -f 128` in the script: 128 blocks of 512 bytes. */
export const SPOOL_FILE_BYTES = 128 * 512;

export interface SpooledEvent {
  /** Milliseconds since the epoch, from the script's $EPOCHREALTIME. */
  time: number;
  event: BootEvent;
}

/** The spool files, older first: the one not named in SPOOL.slot, then the one that is. */
export function spoolFiles(slot: string | undefined): [string, string] {
  const current = slot?.trim() === '1' ? 1 : 0;
  return [`${SPOOL}.${1 - current}`, `${SPOOL}.${current}`];
}

const TIME = /^\d{1,12}(\.\d{1,9})?$/;

/** One spool line as an event, or undefined for a torn, malformed or refused one. */
function parseLine(line: string): SpooledEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const args = v as BlobmsgTable;
  const time = args.time;
  if (typeof time !== 'string' || !TIME.test(time) || isDhcpv6Lease(args)) return undefined;
  try {
    return { time: Math.round(Number(time) * 1000), event: parseEvent(args) };
  } catch (e) {
    if (e instanceof InvalidEvent) return undefined;
    throw e;
  }
}

/**
 * The events in the spool texts (older file first), ordered by time. Only
 * complete lines count: a file's text after its last newline is a line being
 * written or one cut short by the size cap.
 */
export function parseSpool(texts: (string | undefined)[]): SpooledEvent[] {
  const events: SpooledEvent[] = [];
  for (const text of texts) {
    if (!text) continue;
    const lines = text.split('\n');
    lines.pop();
    for (const line of lines) {
      const e = parseLine(line);
      if (e) events.push(e);
    }
  }
  // Stable: lines of the same instant keep the order they were written in.
  return events.sort((a, b) => a.time - b.time);
}

export interface FoldInput {
  events: SpooledEvent[];
  tftpRoot: string;
  /** dnsmasq's lease file, for TFTP events from addresses no kept DHCP event names. */
  leases: string | undefined;
  limits?: JourneyLimits;
}

/**
 * The journeys the spooled events tell, as the `clients` method reports them;
 * `seen` hears each event with what the fold made of it.
 */
export function foldJourneys({ events, tftpRoot, leases, limits }: FoldInput, seen?: (e: BootEvent, o: Outcome, time: number) => void): Journeys {
  const journeys = new Journeys(limits);
  for (const { time, event } of events) {
    let e = event;
    if (e.source === 'tftp' && !e.mac && !journeys.macOf(e.ip)) e = { ...e, mac: (leases && macInLeases(leases, e.ip)) ?? null };
    const o = journeys.record(e, time, tftpRoot);
    seen?.(e, o, time);
  }
  return journeys;
}

/** A beacon fetched over TFTP: by whom (the MAC the fold gave its address), what, when. */
export interface Beacon {
  mac: string;
  /** Relative to the TFTP root, e.g. netboot/beacon/task/52-54-00-00-00-01/1733000000.ipxe. */
  path: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** Every fetch under netboot/beacon/ from a client the journeys know, oldest first. */
export function spooledBeacons(input: FoldInput): Beacon[] {
  const beacons: Beacon[] = [];
  foldJourneys(input, (e, o, time) => {
    if (e.source !== 'tftp' || !o.recorded) return;
    const path = relativeToRoot(e.path, input.tftpRoot);
    if (path.startsWith('netboot/beacon/')) beacons.push({ mac: o.journey.mac, path, time });
  });
  return beacons;
}
