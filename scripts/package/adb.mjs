// apk-tools 3's container format, ADB (doc/apk-v3.5.scd), written value by
// value the way its writer (src/adb.c, apk-tools v3.0.2) lays values out, so
// that a package built here is byte for byte what `apk mkpkg` writes before
// compression:
// - a value is a little-endian u32 tag: 4 bits of type, 28 bits of an
//   immediate (small ints, null) or of the offset of the value in the ADB
//   block; blobs carry a u8/u16/u32 length, objects and arrays are u32 slots
//   whose slot 0 counts the slots, trailing null slots dropped;
// - values go into the block in the order they are made, padded to their
//   alignment with zeros, and a value equal to one already written (same
//   bytes, length included) is not written again: the earlier offset is used;
// - the file is "ADB." + schema id, then blocks, each a u32 of 2 type bits and
//   30 size bits (header included) padded to 8 bytes: one ADB block, the
//   signatures (none here) and the file data.
import { deflateRawSync } from 'node:zlib';

const T_INT = 0x10000000;
const T_INT32 = 0x20000000;
const T_INT64 = 0x30000000;
const T_BLOB8 = 0x80000000;
const T_BLOB16 = 0x90000000;
const T_BLOB32 = 0xa0000000;
const T_OBJECT = 0xe0000000;
const VALUE_MASK = 0x0fffffff;
export const NULL = 0;

const BLOCK_ADB = 0;
const BLOCK_DATA = 2;

const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** The ADB block of one database, grown value by value (adb_w_*). */
export class AdbWriter {
  constructor() {
    // struct adb_hdr: compat version 0, version 0, reserved, root (set last).
    this.buf = Buffer.alloc(1 << 16);
    this.len = 8;
    this.seen = new Map();
  }

  /** adb_w_data: bytes at alignment, or the offset of equal bytes already there. */
  data(bytes, align, cache = true) {
    const key = cache ? bytes.toString('latin1') : null;
    if (key !== null) {
      const at = this.seen.get(key);
      if (at !== undefined && at % align === 0) return at;
    }
    const start = Math.ceil(this.len / align) * align;
    if (start + bytes.length > VALUE_MASK) throw new Error('adb: block larger than 256 MiB');
    while (start + bytes.length > this.buf.length) this.buf = Buffer.concat([this.buf, Buffer.alloc(this.buf.length)]);
    this.buf.fill(0, this.len, start);
    bytes.copy(this.buf, start);
    this.len = start + bytes.length;
    if (key !== null) this.seen.set(key, start);
    return start;
  }

  /** adb_w_int: small numbers in the tag, larger ones as 4 or 8 bytes. */
  int(n) {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`adb: ${n} is not a whole number`);
    if (n < 0x10000000) return (T_INT | n) >>> 0;
    if (n < 0x100000000) return (T_INT32 | this.data(u32(n), 4)) >>> 0;
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return (T_INT64 | this.data(b, 4)) >>> 0;
  }

  /** adb_w_blob: an empty blob is null. `raw` leaves it out of the reuse table (adb_w_blob_raw). */
  blob(bytes, raw = false) {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    if (b.length === 0) return NULL;
    if (b.length <= 0xff) return (T_BLOB8 | this.data(Buffer.concat([Buffer.from([b.length]), b]), 1, !raw)) >>> 0;
    if (b.length <= 0xffff) {
      const h = Buffer.alloc(2);
      h.writeUInt16LE(b.length);
      return (T_BLOB16 | this.data(Buffer.concat([h, b]), 2, !raw)) >>> 0;
    }
    return (T_BLOB32 | this.data(Buffer.concat([u32(b.length), b]), 4, !raw)) >>> 0;
  }

  /**
   * __adb_w_obj: slots 1.. as given (index 0 unused), trailing nulls dropped;
   * nothing left is null. Arrays are written the same way, and mkpkg tags
   * every one it writes as an object (adb_wo_obj, adb_w_fromstring).
   * @param {number[]} slots
   */
  obj(slots) {
    let n = slots.length;
    while (n > 1 && slots[n - 1] === NULL) n--;
    if (n <= 1) return NULL;
    const b = Buffer.alloc(4 * n);
    b.writeUInt32LE(n, 0);
    for (let i = 1; i < n; i++) b.writeUInt32LE(slots[i] >>> 0, 4 * i);
    return (T_OBJECT | this.data(b, 4)) >>> 0;
  }

  setRoot(val) {
    this.buf.writeUInt32LE(val >>> 0, 4);
  }

  bytes() {
    return this.buf.subarray(0, this.len);
  }
}

function block(type, parts) {
  const length = parts.reduce((n, p) => n + p.length, 0);
  if (4 + length > 0x3fffffff) throw new Error('adb: block needs the extended header, which nothing here should');
  const raw = 4 + length;
  return [u32(((type << 30) >>> 0) + raw), ...parts, Buffer.alloc((8 - (raw % 8)) % 8)];
}

/**
 * A whole ADB file: "ADB." and the schema id, the ADB block, then one DATA
 * block per { header, data } (adb_c_adb, adb_c_block_data), uncompressed.
 * @param {string} schema four characters, e.g. "pckg"
 * @param {Buffer} adb
 * @param {{ header: Buffer, data: Buffer }[]} data
 */
export function adbFile(schema, adb, data) {
  return Buffer.concat([
    Buffer.from(`ADB.${schema}`, 'latin1'),
    ...block(BLOCK_ADB, [adb]),
    ...data.flatMap((d) => block(BLOCK_DATA, [d.header, d.data])),
  ]);
}

/**
 * apk's default compression (adb_compress with no --compression): "ADBd"
 * and the file as raw deflate, zlib level 9, 15-bit window, memLevel 8. Equal
 * input gives equal output for a given zlib.
 * @param {Buffer} file
 */
export function deflateAdb(file) {
  return Buffer.concat([Buffer.from('ADBd'), deflateRawSync(file, { level: 9, windowBits: 15, memLevel: 8 })]);
}
