// `netboot bootloaders install --from DIR|URL [--sha256 [NAME=]SUM]...`: puts
// the first-stage iPXE binaries into the TFTP root, world-readable (dnsmasq
// serves them as an unprivileged user inside its jail). Every file is fetched
// and verified before any is written, so a bad checksum installs nothing.
// Under node with node's http(s) and crypto; under qjs each file is fetched
// with uclient-fetch into a scratch folder in /tmp and hashed with sha256sum.

import type { Settings } from '../config/model';
import { writeFileAtomic } from '../fs/atomic';
import { join } from '../fs/path';
import { isErrno, platform } from '../platform';
import { uclientFetch } from '../tools/fetch';
import { sha256sumFile } from '../tools/sha256';

export interface Installed {
  name: string;
  bytes: number;
  sha256: string;
}

export class BootloaderError extends Error {}

const isUrl = (s: string) => /^https?:\/\//.test(s);

/** A file read for installing: its bytes, and where they sit on disk for sha256sum (qjs). */
interface Fetched {
  data: Uint8Array;
  path?: string;
}

function fetchUrl(url: string, redirects = 5): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const { http, https } = platform.net!;
    const req = (url.startsWith('https:') ? https : http).get(url, { timeout: 30000 }, (res) => {
      const code = res.statusCode ?? 0;
      if (code >= 300 && code < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(fetchUrl(new URL(res.headers.location, url).toString(), redirects - 1));
      } else if (code === 404) {
        res.resume();
        resolve(undefined);
      } else if (code !== 200) {
        res.resume();
        reject(new BootloaderError(`${url}: HTTP ${code}`));
      } else {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      }
    });
    req.on('timeout', () => req.destroy(new BootloaderError(`${url}: no answer within 30 s`)));
    req.on('error', reject);
  });
}

/** uclient-fetch into a file in /tmp (RAM on a router); undefined for a 404, as on the node path. */
function fetchWithTool(url: string, name: string, scratch: string[]): Fetched | undefined {
  const path = `/tmp/.netboot-fetch-${platform.pid}-${name.replace(/\//g, '_')}`;
  scratch.push(path);
  const r = uclientFetch(url, { output: path }, 30);
  if (!r.ok) {
    if (r.httpStatus === 404) return undefined;
    throw new BootloaderError(`${url}: ${r.message}`);
  }
  return { data: platform.readBytes(path), path };
}

async function read(from: string, name: string, scratch: string[]): Promise<Fetched | undefined> {
  if (isUrl(from)) {
    const url = `${from.replace(/\/?$/, '/')}${name}`;
    if (!platform.net) return fetchWithTool(url, name, scratch);
    const data = await fetchUrl(url);
    return data && { data };
  }
  const path = join(from, name);
  try {
    return { data: platform.readBytes(path), path };
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

function sha256Of(file: Fetched): string {
  if (platform.net) return platform.net.crypto.createHash('sha256').update(file.data).digest('hex');
  return sha256sumFile(file.path!);
}

/** `NAME=SUM` pairs, plus a SHA256SUMS file next to the binaries when there is one. */
async function expectedSums(from: string, given: string[], names: string[], scratch: string[]): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  const file = await read(from, 'SHA256SUMS', scratch);
  // Only node's http path leaves no file to read (and has Buffer).
  const text = !file ? '' : file.path ? platform.readText(file.path) : Buffer.from(file.data).toString('utf8');
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (m) sums.set(m[2], m[1].toLowerCase());
  }
  for (const g of given) {
    const eq = g.indexOf('=');
    const [name, sum] = eq >= 0 ? [g.slice(0, eq), g.slice(eq + 1)] : [names.length === 1 ? names[0] : '', g];
    if (!name) throw new BootloaderError(`--sha256 ${g}: say which file it is for, as NAME=SUM (installing ${names.join(', ')})`);
    if (!/^[0-9a-fA-F]{64}$/.test(sum)) throw new BootloaderError(`--sha256 ${g}: a SHA-256 sum is 64 hexadecimal digits`);
    sums.set(name, sum.toLowerCase());
  }
  return sums;
}

export async function installBootloaders(s: Settings, tftpDir: string, from: string, sha256: string[]): Promise<Installed[]> {
  const required = [s.bootloaders.bios, s.bootloaders.efi64];
  const wanted = [...new Set([...required, 'undionly.kpxe', 'snponly.efi', 'ipxe.efi', s.bootloaders.arm64])];
  const scratch: string[] = [];
  try {
    return await install(s, tftpDir, from, sha256, required, wanted, scratch);
  } finally {
    for (const path of scratch) platform.remove(path);
  }
}

async function install(s: Settings, tftpDir: string, from: string, sha256: string[], required: string[], wanted: string[], scratch: string[]): Promise<Installed[]> {
  const found = new Map<string, Fetched>();
  for (const name of wanted) {
    const file = await read(from, name, scratch);
    if (file) found.set(name, file);
  }
  const missing = required.filter((n) => !found.has(n));
  if (missing.length) throw new BootloaderError(`${from} has no ${missing.join(' or ')} (needed for ${missing.map((n) => (n === s.bootloaders.bios ? 'BIOS' : 'UEFI')).join(' and ')} clients); nothing was installed`);
  const sums = await expectedSums(from, sha256, [...found.keys()], scratch);
  for (const name of sums.keys()) {
    if (!found.has(name) && sha256.some((g) => g.startsWith(`${name}=`))) throw new BootloaderError(`--sha256 names ${name}, which ${from} does not have; nothing was installed`);
  }
  const out: Installed[] = [];
  for (const [name, file] of found) {
    const sum = sha256Of(file);
    const want = sums.get(name);
    if (want && want !== sum) throw new BootloaderError(`refusing ${name}: its SHA-256 is ${sum}, expected ${want}; nothing was installed`);
    out.push({ name, bytes: file.data.length, sha256: sum });
  }
  for (const [name, file] of found) writeFileAtomic(join(tftpDir, name), file.data, 0o644);
  return out;
}
