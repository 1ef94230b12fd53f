// OpenWrt's own userland (ubusd, rpcd, uci, ubus CLI, jshn), built outside the
// repo and pointed to by OWRT_PREFIX, for tests that must talk to the real
// thing. rpcd runs in a mount namespace whose /etc/config is a folder the test
// owns; netboot's daemon and dnsmasq script can join the same ubusd.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UbusClient } from '../../src/ubus';
import { netbootDhcpScript, openwrtDhcpScript } from './openwrt-dhcp-script';

// Not imported from ./bundle: that module fetches node 18 when loaded, and
// the bench (scripts/bench-core.mjs) bundles this file.
const BUNDLE = join(__dirname, '../../dist/netboot.js');

export const OWRT_PREFIX = process.env.OWRT_PREFIX;
export const OWRT_SKIP = OWRT_PREFIX
  ? ''
  : 'skipped: set OWRT_PREFIX to a local build of libubox+ubus+uci+rpcd ($OWRT_PREFIX/sbin/ubusd, $OWRT_PREFIX/sbin/rpcd, $OWRT_PREFIX/bin/uci)';

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
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

export interface UserlandOptions {
  /** A folder of rpcd ACL files, to be the only ones rpcd reads (its share/rpcd/acl.d). */
  acls?: string;
  /** A folder to be /etc/init.d in the namespace, whose scripts rpcd's `rc` and procd's triggers run. */
  initd?: string;
  /**
   * Also run procd there, as the service manager it is when not PID 1: the
   * `service` object that rpcd's uci commit sends config.change to, whose
   * triggers run in the same namespace.
   */
  procd?: boolean;
}

/** A private ubusd and an rpcd whose /etc/config is `configDir`. */
export async function startUserland(configDir: string, opts: UserlandOptions = {}): Promise<Userland> {
  const dir = mkdtempSync(join(tmpdir(), 'netboot-owrt-'));
  const socket = join(dir, 'ubus.sock');
  const daemons: ChildProcess[] = [spawn(join(OWRT_PREFIX!, 'sbin/ubusd'), ['-s', socket], { stdio: 'ignore' })];
  await until('ubusd', async () => (existsSync(socket) ? true : undefined));
  // /etc inside rpcd's namespace: links to the real entries, and config/ from the test.
  const etc = join(dir, 'etc');
  const orig = join(dir, 'orig-etc');
  mkdirSync(etc);
  mkdirSync(orig);
  const own: Record<string, string | undefined> = { config: configDir, 'init.d': opts.initd };
  for (const name of readdirSync('/etc')) if (!own[name]) symlinkSync(join(orig, name), join(etc, name));
  for (const [name, target] of Object.entries(own)) if (target) symlinkSync(target, join(etc, name));
  const share = join(OWRT_PREFIX!, 'share');
  const acls = opts.acls ? `mount -t tmpfs tmpfs ${share} && mkdir ${share}/rpcd && cp -r ${opts.acls} ${share}/rpcd/acl.d && ` : '';
  const script = `mount --bind /etc ${orig} && mount --bind ${etc} /etc && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/run 2>/dev/null; ${acls}exec ${join(OWRT_PREFIX!, 'sbin/rpcd')} -s ${socket}`;
  const rpcd = spawn('unshare', ['-m', 'sh', '-c', script], { stdio: 'ignore' });
  daemons.push(rpcd);
  const probe = await UbusClient.connect({ path: socket, timeoutMs: 5000 });
  try {
    await until('rpcd', () => probe.call('uci', 'configs').then(() => true));
    if (opts.procd) {
      // nsenter execs procd: the pid to kill is procd's. Not PID 1, procd
      // leaves signals alone and does nothing of init's.
      daemons.push(spawn('nsenter', ['-t', String(rpcd.pid), '-m', join(OWRT_PREFIX!, 'sbin/procd'), '-S', '-s', socket], { stdio: 'ignore' }));
      await until('procd', () => probe.call('service', 'list').then(() => true));
    }
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

export interface Daemon {
  /** Resolves once the daemon has logged `line`. */
  logged(line: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The bundle's `netboot daemon` on `socket`, over the router folder `root`,
 * with the node options the init script gives it; resolved once the ubus
 * object `netboot` is registered.
 */
export async function startDaemon(root: string, socket: string): Promise<Daemon> {
  const init = readFileSync(join(__dirname, '../../files/etc/init.d/netboot'), 'utf8');
  const nodeOptions = /procd_set_param env NODE_OPTIONS=(\S+)/.exec(init)![1]!;
  const proc = spawn(process.execPath, [BUNDLE, '--root', root, 'daemon', '--ubus-socket', socket], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  // Both streams, as syslog shows them (info lines on stdout, errors on stderr).
  let log = '';
  for (const s of [proc.stdout!, proc.stderr!]) s.setEncoding('utf8').on('data', (d: string) => (log += d));
  const logged = (line: string) =>
    until(`daemon log line ${JSON.stringify(line)}`, async () => (log.includes(`${line}\n`) ? true : undefined), 10_000).then(
      () => undefined,
      (e: Error) => Promise.reject(new Error(`${e.message}; the daemon logged:\n${log}`)),
    );
  await logged('netboot: ubus object netboot registered');
  return {
    logged,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill();
      await once(proc, 'exit');
    },
  };
}

/**
 * dnsmasq's --dhcp-script as a router runs it: OpenWrt's dhcp-script.sh
 * (transcribed, test/helpers/openwrt-dhcp-script.ts) under busybox sh with
 * USER_DHCPSCRIPT at netboot's script, the jshn under OWRT_PREFIX and a
 * `ubus` that talks to `socket`. Each call is one dnsmasq event: its
 * arguments and the DNSMASQ_* variables dnsmasq would set. It throws when the
 * script says anything (dnsmasq would log it) or fails.
 */
export function dnsmasqScript(socket: string, dir: string): (args: string[], env?: Record<string, string>) => void {
  const home = join(dir, 'dnsmasq-script');
  const bin = join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'ubus'), `#!/bin/sh\nexec ${OWRT_PREFIX}/bin/ubus -s ${socket} "$@"\n`);
  chmodSync(join(bin, 'ubus'), 0o755);
  const openwrt = openwrtDhcpScript(home, OWRT_PREFIX!);
  const USER_DHCPSCRIPT = netbootDhcpScript(home, OWRT_PREFIX!);
  return (args, env = {}) => {
    const r = spawnSync(openwrt, args, {
      env: { PATH: `${bin}:${OWRT_PREFIX}/bin:/usr/bin:/bin`, USER_DHCPSCRIPT, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status !== 0 || r.stdout || r.stderr) throw new Error(`dnsmasq script ${args.join(' ')}: exit ${r.status} ${r.stdout}${r.stderr}`);
  };
}
