// Reads .ipk files for the package tests: gzip, then tar, checked the way
// opkg-lede's libbb reads them, independently of scripts/package's writer.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const ROOT = join(__dirname, '..');
export const EPOCH = 1700000000;
export const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; description: string; license: string };
export const release = /^PKG_RELEASE:=(\d+)$/m.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'))![1]!;
export const VERSION = `${pkg.version}-r${release}`;

/** Runs scripts/package.mjs into out (building the bundle if needed); the paths it wrote. */
export function packageInto(out: string, env: NodeJS.ProcessEnv = { SOURCE_DATE_EPOCH: String(EPOCH) }, root = ROOT): string[] {
  if (!existsSync(join(root, 'dist/netboot.js'))) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')]);
  const stdout = execFileSync(process.execPath, [join(root, 'scripts/package.mjs'), '--out', out], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return stdout.trim().split('\n').map((l) => l.split('  ')[1]!);
}

export interface TarEntry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  type: string;
  magic: string;
  uname: string;
  gname: string;
  data: Buffer;
}

const field = (h: Buffer, at: number, len: number): string => {
  const raw = h.subarray(at, at + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('latin1');
};
const octal = (h: Buffer, at: number, len: number): number => parseInt(field(h, at, len).trim() || '0', 8);

export function gunzip(gz: Buffer): { mtime: number; flags: number; os: number; data: Buffer } {
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 8) throw new Error('not gzip');
  return { flags: gz[3]!, mtime: gz.readUInt32LE(4), os: gz[9]!, data: gunzipSync(gz) };
}

export function untar(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h, 148, 8)) throw new Error(`bad checksum at ${at}`);
    const size = octal(h, 124, 12);
    out.push({
      name: field(h, 0, 100),
      mode: octal(h, 100, 8),
      uid: octal(h, 108, 8),
      gid: octal(h, 116, 8),
      mtime: octal(h, 136, 12),
      type: field(h, 156, 1),
      magic: h.subarray(257, 265).toString('latin1'),
      uname: field(h, 265, 32),
      gname: field(h, 297, 32),
      data: tar.subarray(at + 512, at + 512 + size),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export interface Ipk {
  gz: ReturnType<typeof gunzip>;
  outer: TarEntry[];
  controlTar: Buffer;
  dataTar: Buffer;
  control: TarEntry[];
  data: TarEntry[];
  fields: Map<string, string>;
  file(name: string): TarEntry;
}

export function readIpk(path: string): Ipk {
  const gz = gunzip(readFileSync(path));
  const outer = untar(gz.data);
  const member = (n: string): Buffer => {
    const e = outer.find((x) => x.name === n);
    if (!e) throw new Error(`${path}: no ${n}`);
    return e.data;
  };
  const controlTar = gunzip(member('./control.tar.gz')).data;
  const dataTar = gunzip(member('./data.tar.gz')).data;
  const control = untar(controlTar);
  const data = untar(dataTar);
  const text = control.find((e) => e.name === './control')!.data.toString('utf8');
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z-]+): ?(.*)$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!);
  }
  return {
    gz,
    outer,
    controlTar,
    dataTar,
    control,
    data,
    fields,
    file(name) {
      const e = data.find((x) => x.name === `.${name}`);
      if (!e) throw new Error(`${path}: no ${name} in data.tar.gz`);
      return e;
    },
  };
}
