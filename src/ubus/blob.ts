// libubox blob_attr: the TLV container under every ubus message.
//
//   be32 id_len: bit 31 EXTENDED (a blobmsg name header follows),
//                bits 24-30 id, bits 0-23 length incl. this header, excl. padding
//   payload, then zero padding to the next 4-byte boundary.
//
// A container's length is 4 + the padded lengths of its children, so every
// well-formed container ends exactly on a child's padded end; the reader
// insists on that, which turns any length lie into an error at the first
// attribute that cannot fit.

import { UbusProtocolError } from './status';

/** ubus' UBUS_MAX_MSGLEN: the largest padded top-level blob a peer accepts. */
export const MAX_MESSAGE_BYTES = 1 << 20;

export const BLOB_HEADER_BYTES = 4;
const EXTENDED = 0x80;
const LEN_MASK = 0xffffff;

export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Appends blob attributes to a growing zero-filled buffer. Lengths are
 * back-patched by close(), the way libubox' blob_nest_start/end work, so
 * nested values are written in one pass.
 */
export class BlobWriter {
  private buf: Buffer;
  pos = 0;

  /** `limit` bounds the total bytes, so a huge value fails before it is fully built. */
  constructor(private readonly limit: number) {
    this.buf = Buffer.alloc(Math.min(256, limit));
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    if (need > this.limit) {
      throw new UbusProtocolError(`message exceeds the ${this.limit}-byte limit`);
    }
    const grown = Buffer.alloc(Math.min(this.limit, Math.max(need, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Starts an attribute and returns the offset close() needs. */
  open(id: number, extended: boolean): number {
    this.ensure(BLOB_HEADER_BYTES);
    const start = this.pos;
    this.buf[start] = (extended ? EXTENDED : 0) | id;
    this.pos += BLOB_HEADER_BYTES;
    return start;
  }

  /** Writes the attribute's length and moves past its padding. */
  close(start: number): void {
    this.buf.writeUIntBE(this.pos - start, start + 1, 3);
    this.align();
  }

  /** Skips to the next 4-byte boundary; the skipped bytes are already zero. Attributes start aligned, so absolute and relative alignment agree. */
  align(): void {
    const padded = pad4(this.pos);
    this.ensure(padded - this.pos);
    this.pos = padded;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** UTF-8 bytes of `s` without terminator; returns their count. C reads strings up to the first NUL, so one inside would silently cut them. */
  text(s: string): number {
    if (s.includes('\0')) throw new UbusProtocolError(`string contains NUL: ${JSON.stringify(s)}`);
    // Reserve the UTF-8 worst case unless that alone would trip the limit.
    this.ensure(this.pos + s.length * 3 <= this.limit ? s.length * 3 : Buffer.byteLength(s));
    const n = this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
    return n;
  }

  /** A NUL-terminated string, as blob_put_string and blobmsg_add_string write it. */
  cstring(s: string): void {
    this.text(s);
    this.u8(0);
  }

  putU32(id: number, v: number): void {
    const s = this.open(id, false);
    this.u32(v);
    this.close(s);
  }

  putU8(id: number, v: number): void {
    const s = this.open(id, false);
    this.u8(v);
    this.close(s);
  }

  putString(id: number, v: string): void {
    const s = this.open(id, false);
    this.cstring(v);
    this.close(s);
  }

  /** Patches a big-endian u16 written earlier (a blobmsg name length, known only after writing the name). */
  setU16(offset: number, v: number): void {
    this.buf.writeUInt16BE(v, offset);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Calls `visit` for each attribute in buf[start, end), checking that every
 * header and padded payload lies inside the range.
 */
export function forEachAttr(
  buf: Buffer,
  start: number,
  end: number,
  visit: (id: number, extended: boolean, dataStart: number, dataEnd: number) => void,
): void {
  let p = start;
  while (p < end) {
    if (end - p < BLOB_HEADER_BYTES) throw new UbusProtocolError(`${end - p} stray bytes at offset ${p}`);
    const head = buf.readUInt32BE(p);
    const len = head & LEN_MASK;
    if (len < BLOB_HEADER_BYTES) throw new UbusProtocolError(`attribute length ${len} at offset ${p}`);
    const next = p + pad4(len);
    if (next > end) throw new UbusProtocolError(`attribute at offset ${p} (length ${len}) overruns its container`);
    visit((head >>> 24) & 0x7f, head >>> 31 === 1, p + BLOB_HEADER_BYTES, p + len);
    p = next;
  }
}

/**
 * The C string starting at `start`, cut at its first NUL as libubox readers
 * see it. Callers have checked that a NUL lies within the attribute, which
 * bounds the search.
 */
export function readCString(buf: Buffer, start: number): string {
  return buf.toString('utf8', start, buf.indexOf(0, start));
}
