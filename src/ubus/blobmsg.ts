// blobmsg: typed, named values inside blob attributes (libubox blobmsg.h),
// converted to and from plain JS values the way blobmsg_json does.
//
// Every blobmsg attribute has the EXTENDED bit and starts with
//   be16 namelen, name, NUL, zero padding to 4 bytes
// then its value. Table members carry names; array members have namelen 0.
//
// Decoding: STRING → string, INT8 (BOOL) → boolean, INT16/INT32/INT64 →
// number, DOUBLE → number, UNSPEC → null, TABLE → object, ARRAY → array.
// An INT64 outside ±(2^53-1) decodes to a bigint rather than losing digits.
//
// Encoding picks types as blobmsg_add_json_element does: integers that fit
// INT32 → INT32, other integers → INT64, other numbers → DOUBLE, booleans →
// INT8, null → UNSPEC. `typed()` overrides that where a peer's policy wants
// a specific width (an object id above 2^31 must still be INT32, say).

import { BlobWriter, forEachAttr, MAX_MESSAGE_BYTES, pad4, readCString } from './blob';
import { UbusProtocolError } from './status';

export const BlobmsgType = {
  UNSPEC: 0,
  ARRAY: 1,
  TABLE: 2,
  STRING: 3,
  INT64: 4,
  INT32: 5,
  INT16: 6,
  INT8: 7,
  DOUBLE: 8,
} as const;

/** Names for blobmsg types in method signatures; INT8 is what OpenWrt calls BOOL. */
export type BlobmsgTypeName = 'unspec' | 'array' | 'table' | 'string' | 'int64' | 'int32' | 'int16' | 'bool' | 'double';

const TYPE_NAMES: readonly BlobmsgTypeName[] = ['unspec', 'array', 'table', 'string', 'int64', 'int32', 'int16', 'bool', 'double'];

export function blobmsgTypeId(name: BlobmsgTypeName): number {
  return TYPE_NAMES.indexOf(name);
}

/** A decoded value. */
export type BlobmsgValue = null | boolean | number | bigint | string | BlobmsgValue[] | BlobmsgTable;
export interface BlobmsgTable {
  [key: string]: BlobmsgValue;
}

/** A value that can be encoded: decoded values, typed numbers, and undefined table members (skipped, as in JSON). */
export type BlobmsgInput = null | undefined | boolean | number | bigint | string | TypedNumber | BlobmsgInput[] | BlobmsgInputTable;
export interface BlobmsgInputTable {
  [key: string]: BlobmsgInput;
}

export type TypedNumberType = 'int8' | 'int16' | 'int32' | 'int64' | 'double';

/** A number with an explicit blobmsg width; build it with typed(). */
export class TypedNumber {
  constructor(
    readonly type: TypedNumberType,
    readonly value: number | bigint,
  ) {}
}

/** Forces the blobmsg type of a number, e.g. `typed('int32', objectId)`. Unsigned values up to the width's maximum are accepted. */
export function typed(type: TypedNumberType, value: number | bigint): TypedNumber {
  return new TypedNumber(type, value);
}

/** Deeper nesting is refused: it bounds recursion on hostile input and catches cyclic values. */
export const MAX_DEPTH = 64;

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------- decoding

/** Decodes the members of a table (the payload of UBUS_ATTR_DATA, or a TABLE's value) in buf[start, end). */
export function decodeTable(buf: Buffer, start: number, end: number, depth = 0): BlobmsgTable {
  const out: BlobmsgTable = {};
  forEachAttr(buf, start, end, (id, extended, dataStart, dataEnd) => {
    if (!extended) throw new UbusProtocolError(`table member without a name at offset ${dataStart - 4}`);
    const valueStart = skipName(buf, dataStart, dataEnd);
    const name = readCString(buf, dataStart + 2);
    const value = decodeValue(buf, id, valueStart, dataEnd, depth);
    // A plain assignment to "__proto__" would replace the prototype instead of adding a key.
    if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    else out[name] = value;
  });
  return out;
}

function decodeArray(buf: Buffer, start: number, end: number, depth: number): BlobmsgValue[] {
  const out: BlobmsgValue[] = [];
  forEachAttr(buf, start, end, (id, extended, dataStart, dataEnd) => {
    // libubox accepts array members without a name header; their value starts right away.
    const valueStart = extended ? skipName(buf, dataStart, dataEnd) : dataStart;
    out.push(decodeValue(buf, id, valueStart, dataEnd, depth));
  });
  return out;
}

/** Checks the blobmsg name header at `p` and returns where the value starts. */
function skipName(buf: Buffer, p: number, end: number): number {
  if (end - p < 2) throw new UbusProtocolError(`truncated name header at offset ${p}`);
  const nameLen = buf.readUInt16BE(p);
  const hdrLen = pad4(2 + nameLen + 1);
  if (end - p < hdrLen) throw new UbusProtocolError(`name of ${nameLen} bytes overruns its attribute at offset ${p}`);
  if (buf[p + 2 + nameLen] !== 0) throw new UbusProtocolError(`name not NUL-terminated at offset ${p}`);
  return p + hdrLen;
}

function decodeValue(buf: Buffer, type: number, p: number, end: number, depth: number): BlobmsgValue {
  const len = end - p;
  const exact = (n: number): void => {
    if (len !== n) throw new UbusProtocolError(`${TYPE_NAMES[type]} of ${len} bytes at offset ${p}`);
  };
  switch (type) {
    case BlobmsgType.UNSPEC:
      return null;
    case BlobmsgType.ARRAY:
    case BlobmsgType.TABLE:
      if (depth >= MAX_DEPTH) throw new UbusProtocolError(`nesting deeper than ${MAX_DEPTH} at offset ${p}`);
      return type === BlobmsgType.TABLE ? decodeTable(buf, p, end, depth + 1) : decodeArray(buf, p, end, depth + 1);
    case BlobmsgType.STRING:
      if (len < 1 || buf[end - 1] !== 0) throw new UbusProtocolError(`string not NUL-terminated at offset ${p}`);
      return readCString(buf, p);
    case BlobmsgType.INT64: {
      exact(8);
      const v = buf.readBigInt64BE(p);
      return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
    }
    case BlobmsgType.INT32:
      exact(4);
      return buf.readInt32BE(p);
    case BlobmsgType.INT16:
      exact(2);
      return buf.readInt16BE(p);
    case BlobmsgType.INT8:
      exact(1);
      return buf[p] !== 0;
    case BlobmsgType.DOUBLE:
      exact(8);
      return buf.readDoubleBE(p);
    default:
      throw new UbusProtocolError(`unknown blobmsg type ${type} at offset ${p - 4}`);
  }
}

// ---------------------------------------------------------------- encoding

/** Writes the members of `table` as blobmsg attributes (the payload of a TABLE or of UBUS_ATTR_DATA). */
export function writeTable(w: BlobWriter, table: BlobmsgInputTable, depth = 0): void {
  for (const key of Object.keys(table)) {
    const v = table[key];
    if (v !== undefined) writeMember(w, key, v, depth);
  }
}

/** Writes a non-extended attribute `id` holding the members of `table`, as ubus' DATA and SIGNATURE attributes are. */
export function putTable(w: BlobWriter, id: number, table: BlobmsgInputTable): void {
  const s = w.open(id, false);
  writeTable(w, table);
  w.close(s);
}

function openMember(w: BlobWriter, type: number, name: string): number {
  const s = w.open(type, true);
  const lenAt = w.pos;
  w.u16(0);
  const nameLen = w.text(name);
  if (nameLen > 0xffff) throw new UbusProtocolError(`name longer than 65535 bytes`);
  w.setU16(lenAt, nameLen);
  w.u8(0);
  w.align();
  return s;
}

function writeMember(w: BlobWriter, name: string, v: BlobmsgInput, depth: number): void {
  if (v === null || v === undefined) {
    w.close(openMember(w, BlobmsgType.UNSPEC, name));
    return;
  }
  switch (typeof v) {
    case 'string': {
      const s = openMember(w, BlobmsgType.STRING, name);
      w.cstring(v);
      w.close(s);
      return;
    }
    case 'boolean': {
      const s = openMember(w, BlobmsgType.INT8, name);
      w.u8(v ? 1 : 0);
      w.close(s);
      return;
    }
    case 'number':
      writeNumber(w, name, autoType(v), v);
      return;
    case 'bigint':
      writeNumber(w, name, 'int64', v);
      return;
  }
  if (v instanceof TypedNumber) {
    writeNumber(w, name, v.type, v.value);
    return;
  }
  if (typeof v !== 'object') throw new UbusProtocolError(`cannot encode a ${typeof v} as blobmsg (${JSON.stringify(name)})`);
  if (depth >= MAX_DEPTH) throw new UbusProtocolError(`nesting deeper than ${MAX_DEPTH} (cyclic value?)`);
  if (Array.isArray(v)) {
    const s = openMember(w, BlobmsgType.ARRAY, name);
    // JSON turns undefined array members into null; so do we, as UNSPEC.
    for (const item of v) writeMember(w, '', item, depth + 1);
    w.close(s);
    return;
  }
  const s = openMember(w, BlobmsgType.TABLE, name);
  writeTable(w, v as BlobmsgInputTable, depth + 1);
  w.close(s);
}

function autoType(v: number): TypedNumberType {
  if (!Number.isInteger(v)) return 'double';
  if (v >= INT32_MIN && v <= INT32_MAX) return 'int32';
  return v >= -(2 ** 63) && v < 2 ** 63 ? 'int64' : 'double';
}

const INT_RANGE: Record<'int8' | 'int16' | 'int32', [number, number]> = {
  int8: [-0x80, 0xff],
  int16: [-0x8000, 0xffff],
  int32: [INT32_MIN, 0xffffffff],
};

function writeNumber(w: BlobWriter, name: string, type: TypedNumberType, v: number | bigint): void {
  const bad = (): never => {
    throw new UbusProtocolError(`${String(v)} does not fit blobmsg ${type} (${JSON.stringify(name)})`);
  };
  if (type === 'double') {
    const s = openMember(w, BlobmsgType.DOUBLE, name);
    w.f64(Number(v));
    w.close(s);
    return;
  }
  if (type === 'int64') {
    if (typeof v === 'number' && !Number.isInteger(v)) bad();
    const big = BigInt(v);
    if (big < INT64_MIN || big > UINT64_MAX) bad();
    const s = openMember(w, BlobmsgType.INT64, name);
    w.i64(big);
    w.close(s);
    return;
  }
  const n = Number(v);
  const [min, max] = INT_RANGE[type];
  if (!Number.isInteger(n) || n < min || n > max) bad();
  if (type === 'int32') {
    const s = openMember(w, BlobmsgType.INT32, name);
    w.u32(n);
    w.close(s);
  } else if (type === 'int16') {
    const s = openMember(w, BlobmsgType.INT16, name);
    w.u16(n);
    w.close(s);
  } else {
    const s = openMember(w, BlobmsgType.INT8, name);
    w.u8(n);
    w.close(s);
  }
}

// ------------------------------------------------------- standalone helpers

/** Encodes a table as a blobmsg attribute list (what UBUS_ATTR_DATA holds). */
export function encodeBlobmsg(table: BlobmsgInputTable, maxBytes = MAX_MESSAGE_BYTES): Buffer {
  const w = new BlobWriter(maxBytes);
  writeTable(w, table);
  return Buffer.from(w.bytes());
}

/** Decodes a blobmsg attribute list; throws UbusProtocolError on anything malformed or larger than `maxBytes`. */
export function decodeBlobmsg(buf: Buffer, maxBytes = MAX_MESSAGE_BYTES): BlobmsgTable {
  if (buf.length > maxBytes) throw new UbusProtocolError(`payload of ${buf.length} bytes exceeds the ${maxBytes}-byte limit`);
  return decodeTable(buf, 0, buf.length);
}
