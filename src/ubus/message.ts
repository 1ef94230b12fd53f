// ubus message framing (ubusmsg.h):
//
//   struct ubus_msghdr { u8 version = 0; u8 type; be16 seq; be32 peer; }
//   followed by one blob_attr (id 0) holding the UBUS_ATTR_* attributes.
//
// A reader takes 12 bytes (header + the blob's own header), learns the blob
// length, then takes the rest; the sender writes no padding after it.

import { BLOB_HEADER_BYTES, BlobWriter, forEachAttr, pad4, readCString } from './blob';
import { UbusProtocolError } from './status';

export const MsgType = {
  HELLO: 0,
  STATUS: 1,
  DATA: 2,
  PING: 3,
  LOOKUP: 4,
  INVOKE: 5,
  ADD_OBJECT: 6,
  REMOVE_OBJECT: 7,
  SUBSCRIBE: 8,
  UNSUBSCRIBE: 9,
  NOTIFY: 10,
  MONITOR: 11,
} as const;

export const Attr = {
  STATUS: 1,
  OBJPATH: 2,
  OBJID: 3,
  METHOD: 4,
  OBJTYPE: 5,
  SIGNATURE: 6,
  DATA: 7,
  TARGET: 8,
  ACTIVE: 9,
  NO_REPLY: 10,
  SUBSCRIBERS: 11,
  USER: 12,
  GROUP: 13,
} as const;

export const HEADER_BYTES = 8;
const PREFIX_BYTES = HEADER_BYTES + BLOB_HEADER_BYTES;

/** A byte range inside Message.buf holding a nested attribute's payload. */
export interface Range {
  start: number;
  end: number;
}

/** A received message: header fields plus its attributes, nested ones left undecoded. */
export interface Message {
  type: number;
  seq: number;
  peer: number;
  /** The whole frame; ranges index into it. */
  buf: Buffer;
  status?: number;
  objpath?: string;
  objid?: number;
  method?: string;
  objtype?: number;
  signature?: Range;
  data?: Range;
  target?: number;
  active?: boolean;
  noReply?: boolean;
  user?: string;
  group?: string;
}

type U32Key = 'status' | 'objid' | 'objtype' | 'target';
type StringKey = 'objpath' | 'method' | 'user' | 'group';
type FlagKey = 'active' | 'noReply';
type RangeKey = 'signature' | 'data';

// How each attribute id is read. Ids not listed (UNSPEC, SUBSCRIBERS, newer
// ones) are skipped, as libubus skips ids outside its policy.
const ATTRS: Record<number, [kind: 'u32', key: U32Key] | [kind: 'string', key: StringKey] | [kind: 'flag', key: FlagKey] | [kind: 'nested', key: RangeKey]> = {
  [Attr.STATUS]: ['u32', 'status'],
  [Attr.OBJPATH]: ['string', 'objpath'],
  [Attr.OBJID]: ['u32', 'objid'],
  [Attr.METHOD]: ['string', 'method'],
  [Attr.OBJTYPE]: ['u32', 'objtype'],
  [Attr.SIGNATURE]: ['nested', 'signature'],
  [Attr.DATA]: ['nested', 'data'],
  [Attr.TARGET]: ['u32', 'target'],
  [Attr.ACTIVE]: ['flag', 'active'],
  [Attr.NO_REPLY]: ['flag', 'noReply'],
  [Attr.USER]: ['string', 'user'],
  [Attr.GROUP]: ['string', 'group'],
};

/** Parses one complete frame as cut by FrameReader. */
export function parseMessage(buf: Buffer): Message {
  if (buf.length < PREFIX_BYTES) throw new UbusProtocolError(`frame of ${buf.length} bytes is shorter than a header`);
  if (frameLength(buf, 0, Infinity) !== buf.length) throw new UbusProtocolError(`frame of ${buf.length} bytes announces a different length`);
  const msg: Message = { type: buf[1]!, seq: buf.readUInt16BE(2), peer: buf.readUInt32BE(4), buf };
  forEachAttr(buf, PREFIX_BYTES, buf.length, (id, _extended, start, end) => {
    const spec = ATTRS[id];
    if (!spec) return;
    const len = end - start;
    const bad = (): never => {
      throw new UbusProtocolError(`attribute ${id} of ${len} bytes at offset ${start - BLOB_HEADER_BYTES}`);
    };
    switch (spec[0]) {
      case 'u32':
        if (len !== 4) bad();
        msg[spec[1]] = buf.readUInt32BE(start);
        break;
      case 'string':
        if (len < 1 || buf[end - 1] !== 0) bad();
        msg[spec[1]] = readCString(buf, start);
        break;
      case 'flag':
        if (len !== 1) bad();
        msg[spec[1]] = buf[start] !== 0;
        break;
      case 'nested':
        msg[spec[1]] = { start, end };
        break;
    }
  });
  return msg;
}

/**
 * Builds a message; `fill` writes the attributes in the order the peer
 * expects (libubus writes e.g. OBJID, METHOD, DATA for INVOKE).
 */
export function encodeMessage(type: number, seq: number, peer: number, fill: ((w: BlobWriter) => void) | undefined, maxBytes: number): Buffer {
  const w = new BlobWriter(HEADER_BYTES + maxBytes);
  w.u8(0);
  w.u8(type);
  w.u16(seq);
  w.u32(peer);
  const top = w.open(0, false);
  fill?.(w);
  w.close(top);
  return w.bytes();
}

/** The frame length announced by the 12 bytes at `p`, after checking them. */
function frameLength(buf: Buffer, p: number, maxBytes: number): number {
  if (buf[p] !== 0) throw new UbusProtocolError(`unknown message version ${buf[p]}`);
  const len = buf.readUInt32BE(p + HEADER_BYTES) & 0xffffff;
  if (len < BLOB_HEADER_BYTES) throw new UbusProtocolError(`message blob length ${len}`);
  if (pad4(len) > maxBytes) throw new UbusProtocolError(`message of ${len} bytes exceeds the ${maxBytes}-byte limit`);
  return HEADER_BYTES + len;
}

/**
 * Cuts a byte stream into frames. Memory is bounded by one frame: its buffer
 * is allocated once its (checked) length is known, however the bytes are
 * chunked. After a thrown UbusProtocolError the stream is unusable.
 */
export class FrameReader {
  private readonly head = Buffer.alloc(PREFIX_BYTES);
  private headFill = 0;
  private frame: Buffer | undefined;
  private fill = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let p = 0;
    while (p < chunk.length) {
      if (!this.frame) {
        // Common case: whole frames inside one chunk are sliced, not copied.
        if (this.headFill === 0 && chunk.length - p >= PREFIX_BYTES) {
          const need = frameLength(chunk, p, this.maxBytes);
          if (chunk.length - p >= need) {
            out.push(chunk.subarray(p, p + need));
            p += need;
            continue;
          }
        }
        const n = Math.min(PREFIX_BYTES - this.headFill, chunk.length - p);
        chunk.copy(this.head, this.headFill, p, p + n);
        this.headFill += n;
        p += n;
        if (this.headFill < PREFIX_BYTES) break;
        this.headFill = 0;
        this.frame = Buffer.allocUnsafe(frameLength(this.head, 0, this.maxBytes));
        this.fill = this.head.copy(this.frame, 0);
      }
      const n = Math.min(this.frame.length - this.fill, chunk.length - p);
      chunk.copy(this.frame, this.fill, p, p + n);
      this.fill += n;
      p += n;
      if (this.fill === this.frame.length) {
        out.push(this.frame);
        this.frame = undefined;
      }
    }
    return out;
  }
}
