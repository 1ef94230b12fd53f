// The two SCSI commands the check sends and what comes back: REPORT LUNS
// (SPC-4 §6.33, opcode 0xA0) and READ CAPACITY (10) (SBC-3 §5.15, 0x25),
// the command iPXE's SAN boot itself sends before reading a sector
// (v1.21.1 src/drivers/block/scsi.c scsicmd_read_capacity).

import { hex } from './pdu';

/** Room for 511 LUNs; tgt wants at least 16 (usr/spc.c spc_report_luns). */
export const REPORT_LUNS_LENGTH = 4096;
export const READ_CAPACITY_LENGTH = 8;

export function reportLunsCdb(): Uint8Array {
  const c = new Uint8Array(12);
  c[0] = 0xa0;
  c[6] = REPORT_LUNS_LENGTH >>> 24;
  c[7] = REPORT_LUNS_LENGTH >>> 16;
  c[8] = REPORT_LUNS_LENGTH >>> 8;
  c[9] = REPORT_LUNS_LENGTH & 0xff;
  return c;
}

export const readCapacityCdb = () => Uint8Array.of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);

/**
 * A LUN number as the 8-byte LUN field (SAM-5 §4.7): peripheral addressing
 * below 256, flat space addressing (0x40 | high bits) up to 16383, as tgt
 * writes them in REPORT LUNS (usr/spc.c) and reads them (usr/scsi.c
 * __scsi_get_devid). undefined above what one level can address.
 */
export function lunField(lun: number): Uint8Array | undefined {
  const f = new Uint8Array(8);
  if (lun < 256) f[1] = lun;
  else if (lun < 0x4000) {
    f[0] = 0x40 | (lun >> 8);
    f[1] = lun & 0xff;
  } else return undefined;
  return f;
}

/** A LUN field back to a number; peripheral with a bus number reads as iPXE and Linux write it (bus << 8 | lun). */
const lunNumber = (f: Uint8Array) => (f[0] >> 6 === 1 ? ((f[0] & 0x3f) << 8) | f[1] : (f[0] << 8) | f[1]);

/** The LUN list: a 4-byte byte count, 4 reserved, then 8 bytes per LUN; only what arrived is read. */
export function parseReportLuns(d: Uint8Array): number[] | undefined {
  if (d.length < 8) return undefined;
  const listed = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
  const n = Math.min(Math.floor(listed / 8), Math.floor((d.length - 8) / 8));
  return Array.from({ length: n }, (_, i) => lunNumber(d.subarray(8 + i * 8, 16 + i * 8)));
}

/** Bytes of the LUN; undefined when the answer is short. READ CAPACITY (10) tops out at 2 TiB of 512-byte blocks (0xFFFFFFFF means "ask READ CAPACITY (16)"). */
export function parseReadCapacity(d: Uint8Array): { bytes: number; blockSize: number; atLeast: boolean } | undefined {
  if (d.length < 8) return undefined;
  const last = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
  const blockSize = ((d[4] << 24) | (d[5] << 16) | (d[6] << 8) | d[7]) >>> 0;
  return { bytes: (last + 1) * blockSize, blockSize, atLeast: last === 0xffffffff };
}

const SENSE_KEYS = ['NO SENSE', 'RECOVERED ERROR', 'NOT READY', 'MEDIUM ERROR', 'HARDWARE ERROR', 'ILLEGAL REQUEST', 'UNIT ATTENTION', 'DATA PROTECT', 'BLANK CHECK', 'VENDOR SPECIFIC', 'COPY ABORTED', 'ABORTED COMMAND', '0xC', 'VOLUME OVERFLOW', 'MISCOMPARE', '0xF'];
export const UNIT_ATTENTION = 6;

/** Sense data, fixed (0x70/0x71) or descriptor (0x72/0x73) format (SPC-4 §4.5). */
export function parseSense(s: Uint8Array): { key: number; text: string } | undefined {
  const code = s[0] & 0x7f;
  const [key, asc, ascq] = code === 0x72 || code === 0x73 ? [s[1] & 15, s[2], s[3]] : code === 0x70 || code === 0x71 ? [s[2] & 15, s[12], s[13]] : [];
  if (key === undefined) return undefined;
  return { key, text: `sense ${SENSE_KEYS[key]}${asc !== undefined ? `, ASC/ASCQ 0x${hex(asc)}/0x${hex(ascq ?? 0)}` : ''}` };
}

const STATUS: Record<number, string> = { 0x02: 'CHECK CONDITION', 0x08: 'BUSY', 0x18: 'RESERVATION CONFLICT', 0x28: 'TASK SET FULL', 0x30: 'ACA ACTIVE', 0x40: 'TASK ABORTED' };
export const statusText = (s: number) => STATUS[s] ?? `status 0x${hex(s)}`;

export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u ? (Number.isInteger(v) ? v : v.toFixed(1)) : v} ${units[u]}`;
}
