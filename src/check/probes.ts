// The network probes behind `netboot check`: each proves one link of the boot
// chain is servable and answers with a sentence, never throws.

import { nodeOnly, platform } from '../platform';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const ms = (t: number) => `${(platform.now() - t).toFixed(0)} ms`;

/** Fetches a file over TFTP exactly as a PXE client would, and compares it with what netboot wrote. */
export async function tftpFetch(host: string, path: string, expected: Uint8Array): Promise<Check> {
  const name = `tftp ${path}`;
  const start = platform.now();
  try {
    const Client = await nodeOnly('the TFTP probe').tftpClient();
    const got = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = new Client({ host, retries: 2, timeout: 2000 }).createGetStream(path);
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', reject);
      s.on('end', () => resolve(Buffer.concat(chunks)));
    });
    if (!got.equals(expected)) return { name, ok: false, detail: `served ${got.length} bytes that differ from the ${expected.length} bytes in the TFTP root` };
    return { name, ok: true, detail: `${got.length} bytes from ${host} in ${ms(start)}` };
  } catch (e) {
    return { name, ok: false, detail: `${host}: ${(e as Error).message}` };
  }
}

/** An iSCSI portal that accepts a TCP connection; the login itself is iPXE's. */
export function tcpConnect(host: string, port: number, timeoutMs = 3000): Promise<Check> {
  const name = `iscsi ${host}:${port}`;
  const start = platform.now();
  const { net } = nodeOnly('the iSCSI probe');
  return new Promise((resolve) => {
    const sock = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean, detail: string) => {
      sock.destroy();
      resolve({ name, ok, detail });
    };
    sock.setTimeout(timeoutMs, () => done(false, `no answer within ${timeoutMs / 1000} s`));
    sock.on('connect', () => done(true, `portal accepts connections (${ms(start)})`));
    sock.on('error', (e) => done(false, e.message));
  });
}

/** HEAD of an installer file: the NAS must serve it before a client asks. */
export function httpHead(url: string, timeoutMs = 5000): Promise<Check> {
  const name = `http ${url}`;
  const { http, https } = nodeOnly('the HTTP probe');
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
