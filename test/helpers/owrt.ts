// OpenWrt's own userland (ubusd, rpcd, uci, ubus CLI), built outside the repo
// and pointed to by OWRT_PREFIX, for tests that must talk to the real thing.
// rpcd runs in a mount namespace whose /etc/config is a folder the test owns.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UbusClient } from '../../src/ubus';

export const OWRT_PREFIX = process.env.OWRT_PREFIX;
export const OWRT_SKIP = OWRT_PREFIX
  ? ''
  : 'skipped: set OWRT_PREFIX to a local build of libubox+ubus+uci+rpcd ($OWRT_PREFIX/sbin/ubusd, $OWRT_PREFIX/sbin/rpcd, $OWRT_PREFIX/bin/uci)';

export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Userland {
  socket: string;
  /** The folder rpcd sees as /etc/config. */
  configDir: string;
  stop(): void;
}

/** A private ubusd and an rpcd whose /etc/config is `configDir`. */
export async function startUserland(configDir: string): Promise<Userland> {
  const dir = mkdtempSync(join(tmpdir(), 'netboot-owrt-'));
  const socket = join(dir, 'ubus.sock');
  const daemons: ChildProcess[] = [spawn(join(OWRT_PREFIX!, 'sbin/ubusd'), ['-s', socket], { stdio: 'ignore' })];
  await until('ubusd', async () => (existsSync(socket) ? true : undefined));
  // /etc inside rpcd's namespace: links to the real entries, and config/ from the test.
  const etc = join(dir, 'etc');
  const orig = join(dir, 'orig-etc');
  mkdirSync(etc);
  mkdirSync(orig);
  for (const name of readdirSync('/etc')) if (name !== 'config') symlinkSync(join(orig, name), join(etc, name));
  symlinkSync(configDir, join(etc, 'config'));
  const script = `mount --bind /etc ${orig} && mount --bind ${etc} /etc && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/run 2>/dev/null; exec ${join(OWRT_PREFIX!, 'sbin/rpcd')} -s ${socket}`;
  daemons.push(spawn('unshare', ['-m', 'sh', '-c', script], { stdio: 'ignore' }));
  const probe = await UbusClient.connect({ path: socket, timeoutMs: 5000 });
  try {
    await until('rpcd', async () => ((await probe.lookup('uci')).length ? true : undefined));
  } finally {
    probe.close();
  }
  return {
    socket,
    configDir,
    stop() {
      for (const d of daemons) d.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
