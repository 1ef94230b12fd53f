// The network probes behind `netboot check`: each proves one link of the boot
// chain is servable and answers with a sentence, never throws. Under node
// they use node's sockets; under qjs, which has none, the router's own tools
// (docs/engines.md): busybox's tftp and nc applets, uclient-fetch. A probe
// whose tool is not there says so: `probed: false`, never ok.

import { platform } from '../platform';
import { busyboxApplet } from '../tools/applet';
import { uclientFetch } from '../tools/fetch';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** false when the probe could not run here (the detail says why); then ok is false too. */
  probed?: false;
}

const ms = (t: number) => `${(platform.now() - t).toFixed(0)} ms`;

export const notProbed = (name: string, why: string): Check => ({ name, ok: false, probed: false, detail: `not probed under quickjs: ${why}` });

/** A tool's complaint without its "name: " prefix. */
const said = (stderr: string, tool: string) => stderr.trim().split('\n').pop()!.replace(new RegExp(`^${tool}: `), '');

let scratch = 0;

/** Fetches a file over TFTP exactly as a PXE client would, and compares it with what netboot wrote. */
export async function tftpFetch(host: string, path: string, expected: Uint8Array): Promise<Check> {
  const name = `tftp ${path}`;
  const start = platform.now();
  let got: Uint8Array;
  if (platform.net) {
    try {
      const Client = await platform.net.tftpClient();
      got = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const s = new Client({ host, retries: 2, timeout: 2000 }).createGetStream(path);
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('error', reject);
        s.on('end', () => resolve(Buffer.concat(chunks)));
      });
    } catch (e) {
      return { name, ok: false, detail: `${host}: ${(e as Error).message}` };
    }
  } else {
    // OpenWrt's busybox leaves tftp out by default (BUSYBOX_DEFAULT_TFTP=n,
    // package/utils/busybox/Config-defaults.in): then the line says so.
    const tftp = busyboxApplet('tftp');
    if ('missing' in tftp) return notProbed(name, tftp.missing);
    const local = `/tmp/.netboot-tftp-${platform.pid}-${scratch++}`;
    try {
      // busybox tftp retries 12 times, backing off from 100 ms to 2 s (networking/tftp.c): about 13 s at most.
      const r = platform.exec([tftp.path, '-g', '-r', path, '-l', local, host], { timeoutMs: 20000 });
      if (r.status !== 0) return { name, ok: false, detail: `${host}: ${r.status === 137 ? 'no answer within 20 s' : said(r.stderr, 'tftp')}` };
      got = platform.readBytes(local);
    } finally {
      platform.remove(local);
    }
  }
  if (!sameBytes(got, expected)) return { name, ok: false, detail: `served ${got.length} bytes that differ from the ${expected.length} bytes in the TFTP root` };
  return { name, ok: true, detail: `${got.length} bytes from ${host} in ${ms(start)}` };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * An iSCSI portal that accepts a TCP connection: what qjs can prove without
 * sockets (under node, src/check/iscsi.ts speaks iSCSI to it instead).
 * OpenWrt's nc is busybox's smallest (NC=y, NC_SERVER/NC_EXTRA/NC_110_COMPAT=n
 * in Config-defaults.in): exactly `nc HOST PORT`, no -z, no -w (networking/nc.c).
 * It connects (or fails with exit 1), sends our empty stdin's EOF as a
 * half-close and ends when the portal closes, as iSCSI targets do on a
 * connection without a login. It has no timeout of its own: exec kills it.
 */
export function tcpConnect(host: string, port: number, timeoutMs = 3000): Check {
  const name = `iscsi ${host}:${port}`;
  const start = platform.now();
  const nc = busyboxApplet('nc');
  if ('missing' in nc) return notProbed(name, nc.missing);
  const r = platform.exec([nc.path, host.replace(/^\[|\]$/g, ''), String(port)], { stdin: '', timeoutMs });
  if (r.status === 0) return { name, ok: true, detail: `portal accepts connections (${ms(start)})` };
  if (r.status === 137) return { name, ok: false, detail: `no answer within ${timeoutMs / 1000} s (or the portal kept an empty connection open)` };
  return { name, ok: false, detail: said(r.stderr, 'nc') || `nc exited with status ${r.status}` };
}

/** HEAD of an installer file: the NAS must serve it before a client asks. */
export function httpHead(url: string, timeoutMs = 5000): Promise<Check> {
  const name = `http ${url}`;
  if (!platform.net) {
    // uclient-fetch --spider reports no headers: the status is 200 or 204 when it succeeds, the size unknown.
    const r = uclientFetch(url, { spider: true }, timeoutMs / 1000);
    return Promise.resolve(r.ok ? { name, ok: true, detail: 'HTTP 2xx (uclient-fetch --spider)' } : { name, ok: false, detail: r.message });
  }
  const { http, https } = platform.net;
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      const size = res.headers['content-length'];
      resolve({ name, ok: code >= 200 && code < 300, detail: `HTTP ${code}${size ? `, ${size} bytes` : ''}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (e) => resolve({ name, ok: false, detail: e.message }));
    req.end();
  });
}
