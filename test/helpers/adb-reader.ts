// Reads apk-tools 3 packages (.apk, v3/ADB format) for the package tests,
// independently of scripts/package's writer: the layout from apk-tools
// v3.0.2's doc/apk-v3.5.scd and src/adb.h (tags, blocks), the field numbers
// from src/apk_adb.h (schemas pckg / pkginfo / dir / file / acl / scripts),
// the checks from what apk's own reader refuses (src/adb.c __adb_m_parse,
// src/extract_v3.c): blocks in ADB, SIG, DATA order, every file's data in
// one DATA block in path/file order, each matching its sha256.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface ApkFile {
  path: string; // absolute, "/etc/config/netboot"
  mode: number;
  user: string;
  group: string;
  size: number;
  mtime: number;
  sha256: string;
  data: Buffer;
}

export interface ApkDir {
  path: string; // "" for the root, "etc/config"
  mode: number;
  user: string;
  group: string;
  files: ApkFile[];
}

export interface ApkPackage {
  compression: 'none' | 'deflate';
  /** The uncompressed file: "ADB.pckg" and the blocks. */
  raw: Buffer;
  signatures: number;
  info: {
    name: string;
    version: string;
    id: string; // hex of info.hashes
    description?: string;
    arch?: string;
    license?: string;
    origin?: string;
    maintainer?: string;
    url?: string;
    buildTime?: number;
    installedSize?: number;
    depends: string[];
    provides: string[];
  };
  dirs: ApkDir[];
  scripts: Partial<Record<(typeof SCRIPTS)[number], string>>;
  /** Every file by absolute path. */
  files: Map<string, ApkFile>;
}

const SCRIPTS = ['trigger', 'pre-install', 'post-install', 'pre-deinstall', 'post-deinstall', 'pre-upgrade', 'post-upgrade'] as const;
// src/apk_version.h: EQUAL 1, LESS 2, GREATER 4, FUZZY 8, CONFLICT 16.
const OPS: Record<number, string> = { 1: '=', 2: '<', 3: '<=', 4: '>', 5: '>=', 9: '~', 6: '><' };

class Adb {
  constructor(readonly b: Buffer) {}
  type(v: number): number {
    return v >>> 28;
  }
  at(v: number): number {
    return v & 0x0fffffff;
  }
  int(v: number): number | undefined {
    if (v === 0) return undefined;
    switch (this.type(v)) {
      case 0x1:
        return this.at(v);
      case 0x2:
        return this.b.readUInt32LE(this.at(v));
      case 0x3:
        return Number(this.b.readBigUInt64LE(this.at(v)));
    }
    throw new Error(`adb: value ${v.toString(16)} is not a number`);
  }
  blob(v: number): Buffer | undefined {
    if (v === 0) return undefined;
    const o = this.at(v);
    switch (this.type(v)) {
      case 0x8:
        return this.b.subarray(o + 1, o + 1 + this.b[o]!);
      case 0x9:
        return this.b.subarray(o + 2, o + 2 + this.b.readUInt16LE(o));
      case 0xa:
        return this.b.subarray(o + 4, o + 4 + this.b.readUInt32LE(o));
    }
    throw new Error(`adb: value ${v.toString(16)} is not a blob`);
  }
  text(v: number): string | undefined {
    return this.blob(v)?.toString('utf8');
  }
  /** Slots 1.. of an object or array (index 0 is the count); absent slots are 0. */
  obj(v: number): number[] {
    if (v === 0) return [0];
    const t = this.type(v);
    if (t !== 0xd && t !== 0xe) throw new Error(`adb: value ${v.toString(16)} is not an object`);
    const o = this.at(v);
    if (o % 4 !== 0) throw new Error(`adb: object at ${o} not aligned to 4`);
    const n = this.b.readUInt32LE(o);
    if (n < 1 || o + 4 * n > this.b.length) throw new Error(`adb: object at ${o} has ${n} slots`);
    return Array.from({ length: n }, (_, i) => this.b.readUInt32LE(o + 4 * i));
  }
  slot(v: number, i: number): number {
    return this.obj(v)[i] ?? 0;
  }
  list(v: number): number[] {
    return this.obj(v).slice(1);
  }
  dep(v: number): string {
    const [, name, version, match] = this.obj(v);
    const op = this.int(match ?? 0) ?? 1;
    const text = this.text(name ?? 0)!;
    if (!version) return op & 16 ? `!${text}` : text;
    return `${op & 16 ? '!' : ''}${text}${OPS[op & 15] ?? `?${op}`}${this.text(version)}`;
  }
}

/** Parses an .apk file, checking what apk checks; throws on anything apk would refuse. */
export function readApk(pathOrBytes: string | Buffer): ApkPackage {
  const file = typeof pathOrBytes === 'string' ? readFileSync(pathOrBytes) : pathOrBytes;
  const magic = file.subarray(0, 4).toString('latin1');
  let raw: Buffer;
  let compression: ApkPackage['compression'];
  if (magic === 'ADB.') [raw, compression] = [file, 'none'];
  else if (magic === 'ADBd') [raw, compression] = [inflateRawSync(file.subarray(4)), 'deflate'];
  else throw new Error(`not an apk v3 file (magic ${JSON.stringify(magic)})`);
  if (raw.subarray(0, 8).toString('latin1') !== 'ADB.pckg') throw new Error('not a package (schema is not pckg)');

  // Blocks: u32 = 2 type bits + 30 size bits (header included), padded to 8.
  const blocks: { type: number; body: Buffer }[] = [];
  for (let at = 8; at < raw.length; ) {
    const word = raw.readUInt32LE(at);
    const type = word >>> 30;
    const size = word & 0x3fffffff;
    if (type === 3) throw new Error('extended blocks are not expected in a package this small');
    if (size < 4 || at + size > raw.length) throw new Error(`block at ${at}: size ${size} runs past the end`);
    blocks.push({ type, body: raw.subarray(at + 4, at + size) });
    const next = at + Math.ceil(size / 8) * 8;
    if (raw.subarray(at + size, next).some((b) => b !== 0)) throw new Error(`block at ${at}: padding is not zero`);
    at = next;
  }
  const order = blocks.map((b) => b.type);
  if (order[0] !== 0 || order.slice(1).some((t, i) => t === 0 || t < order[i]!)) throw new Error(`blocks out of order: ${order.join(',')}`);

  const adb = new Adb(blocks[0]!.body);
  const root = adb.b.readUInt32LE(4);
  if (adb.b[0] !== 0 || adb.b[1] !== 0) throw new Error('adb header: unknown version');
  const [, pkginfo = 0, paths = 0, scripts = 0] = adb.obj(root);
  const pi = adb.obj(pkginfo);
  const str = (i: number) => adb.text(pi[i] ?? 0);
  const idBlob = adb.blob(pi[3] ?? 0);
  if (!idBlob) throw new Error('package has no unique id (info.hashes)');
  // mkpkg: the id is the sha256 of the ADB block with the id zeroed, cut to its length.
  const zeroed = Buffer.from(adb.b);
  const idAt = idBlob.byteOffset - adb.b.byteOffset;
  zeroed.fill(0, idAt, idAt + idBlob.length);
  if (!createHash('sha256').update(zeroed).digest().subarray(0, idBlob.length).equals(idBlob)) throw new Error('info.hashes is not the sha256 of the ADB block');

  const acl = (v: number) => {
    const [, mode = 0, user = 0, group = 0] = adb.obj(v);
    return { mode: adb.int(mode) ?? 0, user: adb.text(user) ?? '', group: adb.text(group) ?? '' };
  };
  const dirs: ApkDir[] = adb.list(paths).map((d) => {
    const [, name = 0, dacl = 0, files = 0] = adb.obj(d);
    const path = adb.text(name) ?? '';
    return {
      path,
      ...acl(dacl),
      files: adb.list(files).map((f) => {
        const [, fname = 0, facl = 0, size = 0, mtime = 0, hash = 0, target = 0] = adb.obj(f);
        if (target) throw new Error(`${path}/${adb.text(fname)}: links and devices are not expected`);
        return {
          path: `${path ? `/${path}` : ''}/${adb.text(fname)}`,
          ...acl(facl),
          size: adb.int(size) ?? 0,
          mtime: adb.int(mtime) ?? 0,
          sha256: adb.blob(hash)?.toString('hex') ?? '',
          data: Buffer.alloc(0),
        };
      }),
    };
  });

  // DATA blocks: u32 path index, u32 file index (1-based), then the bytes;
  // one per file with data, in order.
  const expected = dirs.flatMap((d, i) => d.files.map((f, j) => ({ f, i: i + 1, j: j + 1 }))).filter((e) => e.f.size > 0);
  const data = blocks.filter((b) => b.type === 2);
  if (data.length !== expected.length) throw new Error(`${data.length} data blocks for ${expected.length} files with data`);
  data.forEach((b, n) => {
    const e = expected[n]!;
    const [i, j] = [b.body.readUInt32LE(0), b.body.readUInt32LE(4)];
    if (i !== e.i || j !== e.j) throw new Error(`data block ${n} is for path ${i} file ${j}, expected ${e.i}/${e.j} (${e.f.path})`);
    e.f.data = b.body.subarray(8);
    if (e.f.data.length !== e.f.size) throw new Error(`${e.f.path}: ${e.f.data.length} bytes, size says ${e.f.size}`);
    if (createHash('sha256').update(e.f.data).digest('hex') !== e.f.sha256) throw new Error(`${e.f.path}: content does not match its hash`);
  });

  const sc = adb.obj(scripts);
  return {
    compression,
    raw,
    signatures: blocks.filter((b) => b.type === 1).length,
    info: {
      name: str(1)!,
      version: str(2)!,
      id: idBlob.toString('hex'),
      description: str(4),
      arch: str(5),
      license: str(6),
      origin: str(7),
      maintainer: str(8),
      url: str(9),
      buildTime: adb.int(pi[11] ?? 0),
      installedSize: adb.int(pi[12] ?? 0),
      depends: adb.list(pi[15] ?? 0).map((d) => adb.dep(d)),
      provides: adb.list(pi[16] ?? 0).map((d) => adb.dep(d)),
    },
    dirs,
    scripts: Object.fromEntries(SCRIPTS.map((s, i) => [s, adb.text(sc[i + 1] ?? 0)]).filter(([, t]) => t !== undefined)),
    files: new Map(dirs.flatMap((d) => d.files.map((f) => [f.path, f] as const))),
  };
}
