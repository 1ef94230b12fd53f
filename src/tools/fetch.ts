// HTTP(S) through OpenWrt's uclient-fetch, for engines without sockets (qjs).
// From openwrt/uclient uclient-fetch.c at 7a0aa2e: `-T SECONDS` bounds the
// connection, `-O FILE` writes the body there, `--spider` sends HEAD and
// writes nothing. Without -q it says on stderr "HTTP error N" for a status
// other than 200/204 (exit 8); connection failures are "Connection error: …"
// (exit 4), a missing TLS library (https without a libustream-*ssl) exit 1.
// Redirects are followed by uclient-fetch itself.

import { platform } from '../platform';

export type FetchOutcome = { ok: true } | { ok: false; httpStatus?: number; message: string };

export function uclientFetch(url: string, how: { output: string } | { spider: true }, timeoutSeconds: number): FetchOutcome {
  const mode = 'output' in how ? ['-O', how.output] : ['--spider'];
  const r = platform.exec(['uclient-fetch', '-T', String(timeoutSeconds), ...mode, url]);
  if (r.status === 0) return { ok: true };
  if (r.status === 127 && !r.stderr) return { ok: false, message: 'the uclient-fetch command is missing (OpenWrt package uclient-fetch)' };
  const http = /^HTTP error (\d+)$/m.exec(r.stderr);
  if (http) return { ok: false, httpStatus: Number(http[1]), message: `HTTP ${http[1]}` };
  // Its progress lines ("Downloading", "Connecting to") come first; the reason is the last line.
  const said = r.stderr.trim().split('\n').pop()?.trim();
  return { ok: false, message: said ? said.replace(/^Connection error: /, '') : `uclient-fetch exited with status ${r.status}` };
}
