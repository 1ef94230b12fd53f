// blob/blobmsg/message codec: generated round trips (seeded, reproducible),
// integer widths, padding, the 1 MiB limit, and hostile bytes, which must
// end in a UbusProtocolError or a valid decode and nothing else.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobmsgValue, decodeBlobmsg, encodeBlobmsg, MAX_MESSAGE_BYTES, typed, UbusProtocolError } from '../src/ubus';
import { decodeTable, putTable } from '../src/ubus/blobmsg';
import { encodeMessage, FrameReader, MsgType, parseMessage } from '../src/ubus/message';
import { splitFrames } from './fixtures/ubus/fake-ubusd';

const FIXTURES = join(__dirname, 'fixtures/ubus');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

/** mulberry32: small, seeded, good enough to drive generators reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const CODE_POINT_RANGES: [number, number][] = [
  [0x01, 0x7f], // ASCII without NUL
  [0x80, 0x7ff], // two-byte UTF-8
  [0x4e00, 0x9fff], // CJK
  [0xe000, 0xfffd], // private use .. specials, no surrogates
  [0x1f300, 0x1faff], // emoji (astral, surrogate pairs in JS)
];

function genString(r: Rand, max = 12): string {
  let s = '';
  for (let i = int(r, max + 1); i > 0; i--) {
    const [lo, hi] = pick(r, CODE_POINT_RANGES);
    s += String.fromCodePoint(lo + int(r, hi - lo + 1));
  }
  return s;
}

const INT_EDGES = [0, 1, -1, 127, 128, 255, 256, 32767, -32768, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1)];

function genValue(r: Rand, depth: number): BlobmsgValue {
  switch (int(r, depth > 3 ? 7 : 9)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, INT_EDGES);
    case 3:
      // any safe integer, INT32 or INT64 depending on size
      return Math.round((r() - 0.5) * 2 ** (1 + int(r, 53)));
    case 4:
      return pick(r, [0.5, -1.25, 1e300, -1e-300, Math.PI, NaN, Infinity, -Infinity]);
    case 5:
      return BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(r() * 2 ** 32))) | (1n << 60n);
    case 6:
      return genString(r);
    case 7:
      return Array.from({ length: int(r, 5) }, () => genValue(r, depth + 1));
    default:
      return genTable(r, depth + 1);
  }
}

function genTable(r: Rand, depth: number): Record<string, BlobmsgValue> {
  const t: Record<string, BlobmsgValue> = {};
  for (let i = int(r, 6); i > 0; i--) t[r() < 0.1 ? '' : genString(r, 8)] = genValue(r, depth);
  return t;
}

/** Walks an encoded attribute list checking alignment, zero padding and nesting, independently of the decoder. */
function checkPadding(buf: Buffer, start: number, end: number): void {
  let p = start;
  while (p < end) {
    expect(p % 4).toBe(0);
    const head = buf.readUInt32BE(p);
    const len = head & 0xffffff;
    const type = (head >>> 24) & 0x7f;
    expect(head >>> 31).toBe(1);
    const nameLen = buf.readUInt16BE(p + 4);
    const hdrEnd = p + 4 + ((2 + nameLen + 1 + 3) & ~3);
    for (let i = p + 6 + nameLen; i < hdrEnd; i++) expect(buf[i]).toBe(0);
    const padded = p + ((len + 3) & ~3);
    for (let i = p + len; i < padded; i++) expect(buf[i]).toBe(0);
    if (type === 1 || type === 2) {
      expect(len % 4).toBe(0);
      checkPadding(buf, hdrEnd, p + len);
    }
    p = padded;
  }
  expect(p).toBe(end);
}

/** The type byte of the single member of an encoded one-member table. */
const typeOf = (v: Parameters<typeof encodeBlobmsg>[0][string]): number => encodeBlobmsg({ v })[0]! & 0x7f;

/** Runs every decoder a received frame goes through. */
function decodeStream(bytes: Buffer): void {
  for (const frame of new FrameReader(MAX_MESSAGE_BYTES).push(bytes)) {
    const msg = parseMessage(frame);
    if (msg.data) decodeTable(msg.buf, msg.data.start, msg.data.end);
    if (msg.signature) decodeTable(msg.buf, msg.signature.start, msg.signature.end);
  }
}

/** Passes when `fn` returns or throws UbusProtocolError; any other throw fails the test. */
function protocolErrorOrValue(fn: () => unknown): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof UbusProtocolError)) throw err;
    return 'error';
  }
}

describe('blobmsg round trips', () => {
  it('500 generated tables decode to what was encoded, with aligned zero padding', () => {
    const r = prng(0x5eed);
    for (let i = 0; i < 500; i++) {
      const value = genTable(r, 0);
      const bytes = encodeBlobmsg(value);
      expect(bytes.length % 4).toBe(0);
      checkPadding(bytes, 0, bytes.length);
      expect(decodeBlobmsg(bytes)).toEqual(value);
    }
  });

  it('keeps member order, empty names and "__proto__" as an own key', () => {
    const value = JSON.parse('{"b":1,"":"empty","a":[1,"x",null],"__proto__":{"polluted":true}}') as Record<string, BlobmsgValue>;
    const decoded = decodeBlobmsg(encodeBlobmsg(value));
    expect(Object.keys(decoded)).toEqual(['b', '', 'a', '__proto__']);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('encodes the golden DATA payloads byte for byte', () => {
    for (const name of ['uci-get-section', 'uci-get-config']) {
      const reply = splitFrames(fixture(`${name}.from-ubusd.bin`))[3]!;
      // header, OBJID attr (8 bytes), DATA attr header, then the payload
      const payload = reply.subarray(24);
      const result = JSON.parse(fixture(`${name}.result.json`).toString('utf8'));
      expect(encodeBlobmsg(result).toString('hex')).toBe(payload.toString('hex'));
      expect(decodeBlobmsg(payload)).toEqual(result);
    }
  });

  it('skips undefined table members and turns undefined array members into null, as JSON does', () => {
    expect(decodeBlobmsg(encodeBlobmsg({ a: undefined, b: [undefined, 1] }))).toEqual({ b: [null, 1] });
  });
});

describe('blobmsg integer widths', () => {
  it.each([
    [0, 5],
    [-1, 5],
    [2 ** 31 - 1, 5],
    [-(2 ** 31), 5],
    [2 ** 31, 4],
    [-(2 ** 31) - 1, 4],
    [2 ** 53 - 1, 4],
    [2 ** 62, 4],
    [0.5, 8],
    [2 ** 64, 8],
    [true, 7],
    [null, 0],
    ['s', 3],
    [[], 1],
    [{}, 2],
  ] as const)('%s → blobmsg type %i', (value, type) => {
    expect(typeOf(value as never)).toBe(type);
  });

  it('picks INT32 exactly when a generated integer fits, INT64 otherwise, and both decode to numbers', () => {
    const r = prng(32);
    for (let i = 0; i < 400; i++) {
      const n = Math.round((r() - 0.5) * 2 ** (1 + int(r, 53)));
      const fits = n >= -(2 ** 31) && n < 2 ** 31;
      expect(typeOf(n)).toBe(fits ? 5 : 4);
      expect(decodeBlobmsg(encodeBlobmsg({ n }))).toEqual({ n });
    }
  });

  it('decodes INT64 beyond 2^53 to bigint and keeps safe values as numbers', () => {
    const big = 2n ** 62n + 1n;
    expect(decodeBlobmsg(encodeBlobmsg({ big, neg: -big, small: 5n }))).toEqual({ big, neg: -big, small: 5 });
    expect(typeOf(5n)).toBe(4);
  });

  it('typed() forces a width; unsigned values wrap as C would read them', () => {
    const bytes = encodeBlobmsg({ id: typed('int32', 0xfffffffe), s: typed('int16', 7), b: typed('int8', 1), l: typed('int64', 3), d: typed('double', 2) });
    expect(decodeBlobmsg(bytes)).toEqual({ id: -2, s: 7, b: true, l: 3, d: 2 });
    expect(typeOf(typed('double', 2))).toBe(8);
    expect(typeOf(typed('int16', -1))).toBe(6);
  });

  it.each([
    ['int32', 2 ** 32],
    ['int16', 65536],
    ['int8', -129],
    ['int32', 1.5],
    ['int64', 2n ** 64n],
    ['int64', 0.5],
  ] as const)('typed(%s, %s) is refused', (type, value) => {
    expect(() => encodeBlobmsg({ v: typed(type, value) })).toThrow(UbusProtocolError);
  });
});

describe('blobmsg values that cannot be encoded', () => {
  it.each([
    ['a string with NUL', { s: 'a\0b' }],
    ['a name with NUL', { 'a\0b': 1 }],
    ['a function', { f: (() => 1) as never }],
    ['a symbol', { s: Symbol('x') as never }],
    ['a name over 65535 bytes', { ['n'.repeat(65536)]: 1 }],
  ])('%s', (_, value) => {
    expect(() => encodeBlobmsg(value)).toThrow(UbusProtocolError);
  });

  it('a cyclic value', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeBlobmsg(cyclic as never)).toThrow(/nesting deeper/);
  });
});

describe('the 1 MiB message limit', () => {
  // A one-member table with a string of n chars takes 4 + 4 (name "s") + n + 1 bytes, padded.
  const stringFilling = (bytes: number): string => 'x'.repeat(bytes - 9);

  it('encodes and decodes a payload of exactly 1 MiB, refuses one byte more', () => {
    const exact = encodeBlobmsg({ s: stringFilling(MAX_MESSAGE_BYTES) });
    expect(exact.length).toBe(MAX_MESSAGE_BYTES);
    expect(decodeBlobmsg(exact)).toEqual({ s: stringFilling(MAX_MESSAGE_BYTES) });
    expect(() => encodeBlobmsg({ s: stringFilling(MAX_MESSAGE_BYTES + 1) })).toThrow(/exceeds the 1048576-byte limit/);
    expect(() => decodeBlobmsg(Buffer.concat([exact, Buffer.alloc(4)]))).toThrow(UbusProtocolError);
  });

  it('frames: a message whose blob is 1 MiB passes, a larger announced length fails before any allocation', () => {
    // top blob header 4 + DATA header 4 + member header 4 + name "s" 4 + the string with its NUL
    const big = encodeMessage(MsgType.DATA, 1, 0, (w) => putTable(w, 7, { s: 'x'.repeat(MAX_MESSAGE_BYTES - 17) }), MAX_MESSAGE_BYTES);
    expect(big.length).toBe(8 + MAX_MESSAGE_BYTES);
    expect(() => decodeStream(big)).not.toThrow();

    const header = Buffer.from('000200010000000000100004', 'hex'); // blob length 1 MiB + 4
    expect(() => new FrameReader(MAX_MESSAGE_BYTES).push(header)).toThrow(/exceeds/);
    expect(() =>
      encodeMessage(MsgType.DATA, 1, 0, (w) => w.putString(7, 'x'.repeat(MAX_MESSAGE_BYTES - 7)), MAX_MESSAGE_BYTES),
    ).toThrow(UbusProtocolError);
  });
});

describe('hostile bytes', () => {
  const goldenFrames = ['uci-get-section.from-ubusd.bin', 'uci-get-config.from-ubusd.bin', 'uci-get-section.to-ubusd.bin', 'rpcd-hop.invoke.bin', 'rpcd-hop.data.bin'].flatMap((f) =>
    splitFrames(fixture(f)),
  );

  it('golden frames decode cleanly', () => {
    for (const f of goldenFrames) expect(protocolErrorOrValue(() => decodeStream(f))).toBe('ok');
  });

  it('a frame truncated at any offset is a protocol error when parsed, and an incomplete frame for the stream reader', () => {
    for (const f of goldenFrames) {
      for (let cut = 0; cut < f.length; cut++) {
        expect(() => parseMessage(f.subarray(0, cut))).toThrow(UbusProtocolError);
        expect(new FrameReader(MAX_MESSAGE_BYTES).push(f.subarray(0, cut))).toEqual([]);
      }
    }
  });

  it('every truncation of a blobmsg payload is a protocol error or a valid shorter decode', () => {
    const payload = splitFrames(fixture('uci-get-config.from-ubusd.bin'))[3]!.subarray(24);
    for (let cut = 0; cut <= payload.length; cut++) protocolErrorOrValue(() => decodeBlobmsg(payload.subarray(0, cut)));
  });

  it('5,000 random mutations of golden frames end in a protocol error or a valid decode, quickly', () => {
    const r = prng(0xbad);
    const started = Date.now();
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < 5000; i++) {
      const f = Buffer.from(pick(r, goldenFrames));
      for (let n = 1 + int(r, 4); n > 0; n--) {
        const at = int(r, f.length);
        // flip bits, or plant a boundary value where lengths live
        f[at] = r() < 0.5 ? f[at]! ^ (1 << int(r, 8)) : pick(r, [0x00, 0xff, 0x7f, 0x80, 0x01]);
      }
      outcomes[protocolErrorOrValue(() => decodeStream(f))]++;
    }
    expect(outcomes.error).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('random byte strings as blobmsg payloads', () => {
    const r = prng(7);
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: int(r, 64) }, () => int(r, 256)));
      protocolErrorOrValue(() => decodeBlobmsg(b));
    }
  });

  it('splits a stream into the same frames however it is chunked', () => {
    const stream = fixture('uci-get-config.from-ubusd.bin');
    const r = prng(99);
    for (let i = 0; i < 50; i++) {
      const reader = new FrameReader(MAX_MESSAGE_BYTES);
      const frames: Buffer[] = [];
      for (let p = 0; p < stream.length; ) {
        const n = 1 + int(r, 40);
        frames.push(...reader.push(stream.subarray(p, p + n)));
        p += n;
      }
      expect(frames.map((f) => f.toString('hex'))).toEqual(splitFrames(stream).map((f) => f.toString('hex')));
    }
  });

  // Crafted payloads: [description, hex]
  it.each([
    ['attribute length below its header', '82000002'],
    ['attribute longer than its container', '8300002000017800'],
    ['stray bytes after the last attribute', '8300000c00017800610000000000'],
    ['table member without a name (not extended)', '0300000c61000000'],
    ['name without NUL', '8500000c0001787800000001'],
    ['name length past the attribute', '8500000c00ff780000000001'],
    ['unknown blobmsg type', 'c900000800000000'],
    ['INT32 of 3 bytes', '8500000b00017800010203'],
    ['INT8 of 2 bytes', '8700000a000178000101'],
    ['string without NUL', '8300000900017800610000'],
    ['empty string (no NUL)', '8300000800017800'],
  ])('%s', (_, hex) => {
    expect(() => decodeBlobmsg(Buffer.from(hex, 'hex'))).toThrow(UbusProtocolError);
  });

  it('nesting 10,000 deep is refused without exhausting the stack', () => {
    // ARRAY members with empty names, each wrapping the next
    const depth = 10_000;
    const buf = Buffer.alloc(8 * depth);
    for (let i = 0; i < depth; i++) {
      buf.writeUInt32BE(((0x81 << 24) | (8 * (depth - i))) >>> 0, 8 * i);
      buf.writeUInt32BE(0, 8 * i + 4);
    }
    expect(() => decodeBlobmsg(buf)).toThrow(/nesting deeper/);
  });

  it('ubus attributes with the wrong size, and bad versions', () => {
    const frame = (body: string): Buffer => Buffer.from('0001000100000000' + (4 + body.length / 2).toString(16).padStart(8, '0') + body, 'hex');
    expect(() => parseMessage(frame('010000070000ff00'))).toThrow(/attribute 1 of 3 bytes/); // STATUS not 4 bytes
    expect(() => parseMessage(frame('0200000875636978'))).toThrow(UbusProtocolError); // OBJPATH without NUL
    expect(() => parseMessage(frame('0a0000060101' + '0000'))).toThrow(UbusProtocolError); // NO_REPLY of 2 bytes
    expect(parseMessage(frame('3f00000800000000')).status).toBeUndefined(); // unknown attr id: skipped
    expect(() => new FrameReader(MAX_MESSAGE_BYTES).push(Buffer.from('010000000000000000000004', 'hex'))).toThrow(/version/);
    expect(() => new FrameReader(MAX_MESSAGE_BYTES).push(Buffer.from('000000000000000000000003', 'hex'))).toThrow(/length 3/);
  });
});
