// iSCSI PDUs (RFC 7143 §11): the 48-byte Basic Header Segment, the data
// segment padded to 4 bytes, and a reader that cuts a byte stream into PDUs
// without trusting a single length the peer announces. Field offsets as in
// tgt 1.0.97 usr/iscsi/iscsi_proto.h (struct iscsi_login, iscsi_text,
// iscsi_cmd, iscsi_data_rsp, iscsi_cmd_rsp, ...) and iPXE v1.21.1
// src/include/ipxe/iscsi.h. No digests: netboot offers HeaderDigest=None and
// DataDigest=None, as iPXE does.

import { IscsiError } from './errors';

export const BHS_LENGTH = 48;
export const RESERVED_TAG = 0xffffffff;

export const OP = {
  scsiCommand: 0x01,
  loginRequest: 0x03,
  textRequest: 0x04,
  logoutRequest: 0x06,
  nopIn: 0x20,
  scsiResponse: 0x21,
  loginResponse: 0x23,
  textResponse: 0x24,
  dataIn: 0x25,
  logoutResponse: 0x26,
  r2t: 0x31,
  asyncMessage: 0x32,
  reject: 0x3f,
} as const;

const IMMEDIATE = 0x40;
const FINAL = 0x80;
/** Login flags: T (transit) and C (continue); CSG in bits 2-3, NSG in bits 0-1. */
const TRANSIT = 0x80;
const CONTINUE = 0x40;
/** SCSI Command flags: R (read) and the SIMPLE task attribute. */
const READ = 0x40;
const ATTR_SIMPLE = 0x01;
/** Data-In flag: the PDU carries the command's status (S bit). */
const STATUS = 0x01;

/** Login stages (CSG/NSG). */
export const STAGE = { security: 0, operational: 1, fullFeature: 3 } as const;

export interface Pdu {
  /** Opcode without the immediate bit. */
  opcode: number;
  bhs: Uint8Array;
  data: Uint8Array;
}

const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const u24 = (b: Uint8Array, at: number) => (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
function put32(b: Uint8Array, at: number, v: number) {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

export const padded = (n: number) => (n + 3) & ~3;

/** A PDU on the wire: the BHS with its DataSegmentLength set, then the data and its zero padding. */
function frame(bhs: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length > 0xffffff) throw new RangeError('iSCSI data segment longer than 16 MiB');
  bhs[5] = data.length >>> 16;
  bhs[6] = data.length >>> 8;
  bhs[7] = data.length;
  const out = new Uint8Array(BHS_LENGTH + padded(data.length));
  out.set(bhs);
  out.set(data, BHS_LENGTH);
  return out;
}

/** What every initiator request carries after the opcode-specific bytes. */
export interface Sequence {
  itt: number;
  cmdSN: number;
  expStatSN: number;
}

function request(opcode: number, flags: number, s: Sequence): Uint8Array {
  const b = new Uint8Array(BHS_LENGTH);
  b[0] = opcode;
  b[1] = flags;
  put32(b, 16, s.itt);
  put32(b, 24, s.cmdSN);
  put32(b, 28, s.expStatSN);
  return b;
}

export interface LoginRequest extends Sequence {
  isid: Uint8Array;
  csg: number;
  nsg: number;
  transit: boolean;
  data: Uint8Array;
}

/** Login Request (RFC 7143 §11.12): always immediate; version-max/min 0; TSIH and CID 0 for a new session. */
export function loginRequest(r: LoginRequest): Uint8Array {
  const b = request(OP.loginRequest | IMMEDIATE, (r.transit ? TRANSIT | r.nsg : 0) | (r.csg << 2), r);
  b.set(r.isid.subarray(0, 6), 8);
  return frame(b, r.data);
}

/** Text Request (§11.10): ttt RESERVED_TAG starts an exchange; the target's TTT continues one. */
export function textRequest(r: Sequence & { ttt: number; data: Uint8Array }): Uint8Array {
  const b = request(OP.textRequest, FINAL, r);
  put32(b, 20, r.ttt);
  return frame(b, r.data);
}

/** SCSI Command (§11.3) that reads up to `length` bytes, with a CDB of at most 16 bytes. */
export function scsiReadCommand(r: Sequence & { lun: Uint8Array; length: number; cdb: Uint8Array }): Uint8Array {
  const b = request(OP.scsiCommand, FINAL | READ | ATTR_SIMPLE, r);
  b.set(r.lun, 8);
  put32(b, 20, r.length);
  b.set(r.cdb, 32);
  return frame(b, new Uint8Array(0));
}

/** Logout Request (§11.14), reason 0: close the session. Immediate, so it needs no CmdSN window. */
export function logoutRequest(r: Sequence): Uint8Array {
  return frame(request(OP.logoutRequest | IMMEDIATE, FINAL, r), new Uint8Array(0));
}

export const itt = (p: Pdu) => u32(p.bhs, 16);
/** StatSN, at the same offset in every target PDU that has one. */
export const statSN = (p: Pdu) => u32(p.bhs, 24);

export function loginResponse(p: Pdu) {
  const f = p.bhs[1];
  return {
    transit: (f & TRANSIT) !== 0,
    more: (f & CONTINUE) !== 0,
    csg: (f >> 2) & 3,
    nsg: f & 3,
    tsih: (p.bhs[14] << 8) | p.bhs[15],
    statusClass: p.bhs[36],
    statusDetail: p.bhs[37],
  };
}

export function textResponse(p: Pdu) {
  return { final: (p.bhs[1] & FINAL) !== 0, more: (p.bhs[1] & CONTINUE) !== 0, ttt: u32(p.bhs, 20) };
}

export function dataIn(p: Pdu) {
  const s = (p.bhs[1] & STATUS) !== 0;
  return { offset: u32(p.bhs, 40), status: s ? p.bhs[3] : undefined };
}

export function scsiResponse(p: Pdu) {
  // The data segment, when there is one, is SenseLength (2 bytes) then the sense data (§11.4.7).
  const senseLength = p.data.length >= 2 ? (p.data[0] << 8) | p.data[1] : 0;
  return { response: p.bhs[2], status: p.bhs[3], sense: p.data.subarray(2, 2 + senseLength) };
}

export const rejectReason = (p: Pdu) => p.bhs[2];
/** A NOP-In the target sent on its own (ITT reserved) that asks for no answer (TTT reserved). */
export const idleNopIn = (p: Pdu) => p.opcode === OP.nopIn && itt(p) === RESERVED_TAG && u32(p.bhs, 20) === RESERVED_TAG;

/**
 * Cuts received bytes into PDUs. A DataSegmentLength above `maxData` is
 * refused before a byte of it is buffered: a peer announcing 16 MiB gets an
 * error, not 16 MiB of memory.
 */
export class PduReader {
  private buf = new Uint8Array(0);
  constructor(private readonly maxData: number) {}

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
  }

  /** Bytes received but not yet part of a whole PDU. */
  get pending(): number {
    return this.buf.length;
  }

  /** The next whole PDU, or undefined until more bytes arrive. */
  next(): Pdu | undefined {
    if (this.buf.length < BHS_LENGTH) return undefined;
    const bhs = this.buf.slice(0, BHS_LENGTH);
    const ahs = bhs[4] * 4;
    const dataLength = u24(bhs, 5);
    if (dataLength > this.maxData) {
      throw new IscsiError('protocol', `announced a ${dataLength}-byte data segment (opcode 0x${hex(bhs[0] & 0x3f)}), more than the ${this.maxData} bytes this check accepts`);
    }
    const total = BHS_LENGTH + ahs + padded(dataLength);
    if (this.buf.length < total) return undefined;
    const data = this.buf.slice(BHS_LENGTH + ahs, BHS_LENGTH + ahs + dataLength);
    this.buf = this.buf.slice(total);
    return { opcode: bhs[0] & 0x3f, bhs, data };
  }
}

export const hex = (n: number, width = 2) => n.toString(16).padStart(width, '0');
