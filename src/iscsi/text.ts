// iSCSI text: `key=value` pairs, each ended by a NUL byte (RFC 7143 §6.1),
// in Login and Text PDUs. UTF-8 both ways (§6.1: "UTF-8 encoded"), by hand:
// the core has no TextEncoder under QuickJS.

import { IscsiError } from './errors';

export type Pairs = [key: string, value: string][];

export function encodeText(pairs: Pairs): Uint8Array {
  const out: number[] = [];
  for (const [k, v] of pairs) {
    utf8(`${k}=${v}`, out);
    out.push(0);
  }
  return Uint8Array.from(out);
}

/** Pairs in order (SendTargets repeats TargetName and TargetAddress). A pair cut short or without '=' is refused. */
export function decodeText(bytes: Uint8Array): Pairs {
  const pairs: Pairs = [];
  let start = 0;
  // Some targets pad the last pair with extra NULs: empty strings between NULs are skipped.
  while (start < bytes.length) {
    const end = bytes.indexOf(0, start);
    if (end < 0) throw new IscsiError('protocol', `sent text that ends without its NUL: ${JSON.stringify(shorten(fromUtf8(bytes.subarray(start))))}`);
    if (end > start) {
      const s = fromUtf8(bytes.subarray(start, end));
      const eq = s.indexOf('=');
      if (eq <= 0) throw new IscsiError('protocol', `sent text that is not key=value: ${JSON.stringify(shorten(s))}`);
      pairs.push([s.slice(0, eq), s.slice(eq + 1)]);
    }
    start = end + 1;
  }
  return pairs;
}

export const valueOf = (pairs: Pairs, key: string) => pairs.find(([k]) => k === key)?.[1];

const shorten = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}…` : s);

function utf8(s: string, out: number[]) {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
}

/** UTF-8 to text; a malformed sequence becomes U+FFFD, so a broken name still prints. */
function fromUtf8(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    let cp = n === 0 ? c : n === 1 ? c & 0x1f : n === 2 ? c & 0x0f : c & 0x07;
    let ok = n >= 0 && i + n < b.length;
    for (let k = 1; ok && k <= n; k++) {
      ok = (b[i + k] & 0xc0) === 0x80;
      cp = (cp << 6) | (b[i + k] & 63);
    }
    if (ok && ((n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000))) ok = false;
    s += ok ? String.fromCodePoint(cp) : '\ufffd';
    i += ok ? n + 1 : 1;
  }
  return s;
}
