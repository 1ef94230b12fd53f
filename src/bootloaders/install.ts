// `netboot bootloaders install --from DIR|URL [--sha256 [NAME=]SUM]...`: puts
// the first-stage iPXE binaries into the TFTP root, world-readable (dnsmasq
// serves them as an unprivileged user inside its jail). Every file is fetched
// and verified before any is written, so a bad checksum installs nothing.

import type { Settings } from '../config/model';
import { writeFileAtomic } from '../fs/atomic';
import { join } from '../fs/path';
import { isErrno, nodeOnly, platform } from '../platform';

export interface Installed {
  name: string;
  bytes: number;
  sha256: string;
}

export class BootloaderError extends Error {}

const isUrl = (s: string) => /^https?:\/\//.test(s);

function fetchUrl(url: string, redirects = 5): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const { http, https } = nodeOnly('bootloaders install from a URL');
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

async function read(from: string, name: string): Promise<Uint8Array | undefined> {
  if (isUrl(from)) return fetchUrl(`${from.replace(/\/?$/, '/')}${name}`);
  try {
    return platform.readBytes(join(from, name));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/** `NAME=SUM` pairs, plus a SHA256SUMS file next to the binaries when there is one. */
async function expectedSums(from: string, given: string[], names: string[]): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  const file = await read(from, 'SHA256SUMS');
  for (const line of (file ? Buffer.from(file).toString('utf8') : '').split('\n')) {
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
  const { crypto } = nodeOnly('bootloaders install');
  const found = new Map<string, Uint8Array>();
  for (const name of wanted) {
    const data = await read(from, name);
    if (data) found.set(name, data);
  }
  const missing = required.filter((n) => !found.has(n));
  if (missing.length) throw new BootloaderError(`${from} has no ${missing.join(' or ')} (needed for ${missing.map((n) => (n === s.bootloaders.bios ? 'BIOS' : 'UEFI')).join(' and ')} clients); nothing was installed`);
  const sums = await expectedSums(from, sha256, [...found.keys()]);
  for (const name of sums.keys()) {
    if (!found.has(name) && sha256.some((g) => g.startsWith(`${name}=`))) throw new BootloaderError(`--sha256 names ${name}, which ${from} does not have; nothing was installed`);
  }
  const out: Installed[] = [];
  for (const [name, data] of found) {
    const sum = crypto.createHash('sha256').update(data).digest('hex');
    const want = sums.get(name);
    if (want && want !== sum) throw new BootloaderError(`refusing ${name}: its SHA-256 is ${sum}, expected ${want}; nothing was installed`);
    out.push({ name, bytes: data.length, sha256: sum });
  }
  for (const [name, data] of found) writeFileAtomic(join(tftpDir, name), data, 0o644);
  return out;
}
