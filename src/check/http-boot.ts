// `netboot check` for UEFI HTTP Boot clients: each loader must be served at
// the very URL DHCP hands them (src/dhcp/http-boot.ts), byte for byte what the
// TFTP root holds. A redirect fails the check: the firmware fetches the URL as given.

import type { Settings } from '../config/model';
import { httpBoot } from '../dhcp/http-boot';
import { platform } from '../platform';
import { uclientFetch } from '../tools/fetch';
import type { Check } from './probes';

/** Larger than any iPXE build; a server sending more is not serving a loader. */
const MAX_BYTES = 16 << 20;
const TIMEOUT_MS = 10000;

type Got = { ok: true; data: Uint8Array } | { ok: false; detail: string };

function getWithNode(url: string): Promise<Got> {
  const { http, https } = platform.net!;
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { timeout: TIMEOUT_MS }, (res) => {
      const code = res.statusCode ?? 0;
      if (code !== 200) {
        res.resume();
        resolve({ ok: false, detail: `HTTP ${code}${code >= 300 && code < 400 ? ' (a redirect: firmware fetches the URL as given)' : ''}` });
        return;
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      res.on('data', (c: Uint8Array) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy(new Error(`more than ${MAX_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        const data = new Uint8Array(size);
        chunks.reduce((at, c) => (data.set(c, at), at + c.length), 0);
        resolve({ ok: true, data });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (e) => resolve({ ok: false, detail: e.message }));
  });
}

function getWithTool(url: string): Got {
  const path = `/tmp/.netboot-httpboot-${platform.pid}`;
  try {
    const r = uclientFetch(url, { output: path }, TIMEOUT_MS / 1000);
    return r.ok ? { ok: true, data: platform.readBytes(path) } : { ok: false, detail: r.message };
  } finally {
    platform.remove(path);
  }
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One check per UEFI loader the TFTP root has (`local` reads it there); none
 * when HTTP Boot clients get no URL (validate says why).
 */
export async function httpBootChecks(s: Settings, local: (path: string) => Uint8Array | undefined): Promise<Check[]> {
  const { base } = httpBoot(s);
  if (base === undefined) return [];
  const checks: Check[] = [];
  for (const file of [s.bootloaders.efi64, s.bootloaders.arm64]) {
    const want = local(file);
    if (!want) continue; // the TFTP check already says the loader is missing
    const url = base + file;
    const name = `http boot ${url}`;
    const start = platform.now();
    const got = platform.net ? await getWithNode(url) : getWithTool(url);
    if (!got.ok) checks.push({ name, ok: false, detail: `${got.detail}; UEFI HTTP Boot clients are sent here: serve the TFTP root ${s.tftpRoot} at ${base}` });
    else if (!same(got.data, want)) checks.push({ name, ok: false, detail: `served ${got.data.length} bytes that differ from the ${want.length} bytes of ${file} in the TFTP root` });
    else checks.push({ name, ok: true, detail: `${want.length} bytes, the same as in the TFTP root (${(platform.now() - start).toFixed(0)} ms)` });
  }
  return checks;
}
