// The two archive formats an .ipk is made of, written so that the same
// entries give the same bytes on every machine: GNU tar exactly as OpenWrt's
// scripts/ipkg-build runs it (tar --format=gnu --numeric-owner --sort=name
// --mtime=SOURCE_DATE_EPOCH, owner 0:0 under fakeroot), and gzip as `gzip -n`
// (no file name, mtime 0).
import { gzipSync } from 'node:zlib';

const BLOCK = 512;
// GNU tar's default blocking factor 20: archives are padded to 10240 bytes,
// and ipkg-build's Installed-Size counts that padding.
const RECORD = 20 * BLOCK;

/**
 * @typedef {{ path: string, mode: number, data?: Buffer }} Entry
 *   path relative to the archive root without "./" ("" is the root itself,
 *   "etc/config" a folder, "etc/config/netboot" a file); data absent for folders.
 */

// `tar --sort=name` walks folders depth first, each folder's names in byte
// order, so "a/b" comes before "a-b" although "-" < "/".
function byTreeOrder(a, b) {
  const x = a.path === '' ? [] : a.path.split('/');
  const y = b.path === '' ? [] : b.path.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = Buffer.compare(Buffer.from(x[i]), Buffer.from(y[i]));
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

function octal(value, width) {
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width - 1} octal digits`);
  return text + '\0';
}

function header(name, mode, size, mtime, type) {
  const h = Buffer.alloc(BLOCK);
  const bytes = Buffer.from(name);
  // GNU tar would add a ././@LongLink entry; nothing netboot ships needs one.
  if (bytes.length > 100) throw new Error(`tar: path longer than 100 bytes: ${name}`);
  bytes.copy(h, 0);
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid
  h.write(octal(0, 8), 116, 'latin1'); // gid
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(mtime, 12), 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar  \0', 257, 'latin1'); // GNU magic + version
  h.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/**
 * A GNU tar of entries, every entry owned by 0:0 with the given mtime
 * (seconds). By default the entries are put in `tar --sort=name` order and
 * folders must be listed themselves, the root ("") included, as `tar -c .`
 * lists them; with keepOrder they stay as given, as for `tar -c a b c`.
 * @param {Entry[]} entries
 * @param {number} mtime
 * @param {{ keepOrder?: boolean }} [options]
 */
export function tar(entries, mtime, options = {}) {
  const parts = [];
  for (const e of options.keepOrder ? entries : [...entries].sort(byTreeOrder)) {
    const name = e.path === '' ? './' : `./${e.path}${e.data ? '' : '/'}`;
    parts.push(header(name, e.mode, e.data ? e.data.length : 0, mtime, e.data ? '0' : '5'));
    if (e.data) {
      parts.push(e.data);
      parts.push(Buffer.alloc((BLOCK - (e.data.length % BLOCK)) % BLOCK));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.alloc((RECORD - (body.length % RECORD)) % RECORD)]);
}

/**
 * gzip as `gzip -n`: mtime 0, no name, OS "Unix" whatever the host. The
 * deflate stream is zlib's at level 6 (gzip's default), so equal input gives
 * equal output for a given zlib.
 * @param {Buffer} data
 */
export function gzip(data) {
  const out = gzipSync(data, { level: 6 });
  out.writeUInt32LE(0, 4); // MTIME
  out[9] = 3; // OS: Unix
  return out;
}
