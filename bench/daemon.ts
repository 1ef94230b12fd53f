// `npm run bench`: the daemon's idle RSS, as procd runs it (the init
// script's NODE_OPTIONS), against bare node idling in the same run. With
// OWRT_PREFIX it registers on a private ubusd; without, it idles retrying the
// connection, which is a little smaller.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DaemonBench {
  /** RSS once the daemon has applied the example config and settled, in MB. */
  idleMb: number;
  /** RSS of `node -e` idling, in MB. */
  bareMb: number;
  ubus: boolean;
}

// V8 shrinks its heap some seconds after the last allocation burst.
const SETTLE_MS = 10_000;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS of a node process after SETTLE_MS; it is then killed. */
async function settledRss(args: string[], nodeOptions: string): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  await sleep(SETTLE_MS);
  const mb = rssMb(child.pid!);
  child.kill();
  return mb;
}

export async function benchDaemon(opts: { bundle: string; example: string; initScript: string; prefix?: string }): Promise<DaemonBench> {
  const dir = mkdtempSync(join(tmpdir(), 'netboot-bench-daemon-'));
  const nodeOptions = /procd_set_param env NODE_OPTIONS=(\S+)/.exec(readFileSync(opts.initScript, 'utf8'))![1]!;
  const sock = join(dir, 'ubus.sock');
  cpSync(opts.example, join(dir, 'router'), { recursive: true });
  const ubusd = opts.prefix ? spawn(join(opts.prefix, 'sbin/ubusd'), ['-s', sock], { stdio: 'ignore' }) : undefined;
  try {
    while (ubusd && !existsSync(sock)) await sleep(20);
    const idleMb = await settledRss([opts.bundle, 'daemon', '--ubus-socket', sock, '--root', join(dir, 'router')], nodeOptions);
    const bareMb = await settledRss(['-e', 'setInterval(() => {}, 1000)'], nodeOptions);
    return { idleMb, bareMb, ubus: !!ubusd };
  } finally {
    ubusd?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
