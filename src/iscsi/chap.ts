// CHAP for iSCSI (RFC 7143 §12.1.3, RFC 1994 §4.1): the response is
// MD5(identifier byte ‖ secret ‖ challenge). Values travel as iSCSI "large
// binary" text: 0x + hex, or 0b + base64 (§6.1). Decoding as tgt 1.0.97
// usr/iscsi/chap.c chap_check_encoding_format/chap_decode_string and iPXE
// v1.21.1 src/net/tcp/iscsi.c iscsi_large_binary_decode; we send hex, as both do.

import { hex } from './pdu';

export type Md5 = (data: Uint8Array) => Uint8Array;

export function chapResponse(md5: Md5, id: number, secret: string, challenge: Uint8Array): Uint8Array {
  const s = ascii(secret);
  const m = new Uint8Array(1 + s.length + challenge.length);
  m[0] = id;
  m.set(s, 1);
  m.set(challenge, 1 + s.length);
  return md5(m);
}

export const encodeBinary = (b: Uint8Array) => `0x${[...b].map((x) => hex(x)).join('')}`;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** undefined when the value is not 0x-hex or 0b-base64. */
export function decodeBinary(v: string): Uint8Array | undefined {
  const body = v.slice(2);
  if (/^0[xX]/.test(v)) {
    if (!/^[0-9a-fA-F]+$/.test(body)) return undefined;
    // An odd count has an implied leading zero (§6.1: "0x1" is one byte).
    const even = body.length % 2 ? `0${body}` : body;
    return Uint8Array.from(even.match(/../g)!.map((p) => parseInt(p, 16)));
  }
  if (/^0[bB]/.test(v)) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4) return undefined;
    const out: number[] = [];
    let acc = 0;
    let bits = 0;
    for (const ch of body.replace(/=+$/, '')) {
      acc = ((acc << 6) | B64.indexOf(ch)) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push((acc >> bits) & 0xff);
      }
    }
    return Uint8Array.from(out);
  }
  return undefined;
}

/** CHAP names and secrets are checked printable ASCII by netboot's config (iPXE carries them). */
function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}
