// OpenWrt's own userland (ubusd, rpcd, uci, ubus CLI, jshn), built outside the
// repo and pointed to by OWRT_PREFIX, for tests that must talk to the real
// thing. rpcd runs in a mount namespace whose /etc/config is a folder the test
// owns and whose plugin folder can hold netboot's rpcd plugin; netboot's
// dnsmasq script writes the spool of a router folder the plugin reads.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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
  /** rpcd's pid: `nsenter -t PID -m` runs a command in its mount namespace. */
  pid: number;
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
  /** procd's environment, which the scripts its triggers run inherit (default: this process's). */
  procdEnv?: Record<string, string>;
  /** More entries of /etc in the namespace (name → file), e.g. OpenWrt's rc.common. */
  etc?: Record<string, string>;
  /** Commands run in the namespace before rpcd starts, e.g. more mounts. */
  setup?: string[];
  /** netboot's rpcd plugin, acting on this router folder, in rpcd's plugin folder. */
  netbootRoot?: string;
}

const PLUGIN = join(__dirname, '../../files/usr/libexec/rpcd/netboot');
const PLUGIN_EXEC = 'exec /usr/bin/netboot rpcd "$@"\n';

/**
 * The package's /usr/libexec/rpcd/netboot with its one change: the bundle
 * under this node (no /usr/bin/netboot here) on the router folder `root`.
 */
export function netbootPlugin(dir: string, root: string): string {
  const text = readFileSync(PLUGIN, 'utf8');
  if (text.split(PLUGIN_EXEC).length !== 2) throw new Error(`the rpcd plugin no longer ends in ${PLUGIN_EXEC.trim()}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'netboot');
  writeFileSync(path, text.replace(PLUGIN_EXEC, `exec ${process.execPath} ${BUNDLE} --root ${root} rpcd "$@"\n`));
  chmodSync(path, 0o755);
  return path;
}

/**
 * A private ubusd and an rpcd whose /etc/config is `configDir`. rpcd reads
 * exec plugins from $OWRT_PREFIX/libexec/rpcd and ACLs from
 * $OWRT_PREFIX/share/rpcd/acl.d (its INSTALL_PREFIX): in its namespace
 * $OWRT_PREFIX is a tmpfs of links to the real entries plus those two.
 */
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
  const own: Record<string, string | undefined> = { ...opts.etc, config: configDir, 'init.d': opts.initd };
  for (const name of readdirSync('/etc')) if (!own[name]) symlinkSync(join(orig, name), join(etc, name));
  for (const [name, target] of Object.entries(own)) if (target) symlinkSync(target, join(etc, name));
  // $OWRT_PREFIX the same way.
  const prefix = join(dir, 'prefix');
  const origPrefix = join(dir, 'orig-prefix');
  mkdirSync(prefix);
  mkdirSync(origPrefix);
  for (const name of readdirSync(OWRT_PREFIX!)) if (name !== 'share' && name !== 'libexec') symlinkSync(join(origPrefix, name), join(prefix, name));
  mkdirSync(join(prefix, 'share'));
  for (const name of readdirSync(join(OWRT_PREFIX!, 'share'))) if (name !== 'rpcd') symlinkSync(join(origPrefix, 'share', name), join(prefix, 'share', name));
  mkdirSync(join(prefix, 'share/rpcd'));
  if (opts.acls) symlinkSync(opts.acls, join(prefix, 'share/rpcd/acl.d'));
  mkdirSync(join(prefix, 'libexec/rpcd'), { recursive: true });
  if (opts.netbootRoot) netbootPlugin(join(prefix, 'libexec/rpcd'), opts.netbootRoot);
  const script = [
    `mount --bind /etc ${orig} && mount --bind ${etc} /etc`,
    `mount --bind ${OWRT_PREFIX} ${origPrefix} && mount --bind ${prefix} ${OWRT_PREFIX}`,
    'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/run 2>/dev/null',
    ...(opts.setup ?? []),
    `exec ${join(OWRT_PREFIX!, 'sbin/rpcd')} -s ${socket}`,
  ].join('; ');
  const rpcd = spawn('unshare', ['-m', 'sh', '-c', script], { stdio: 'ignore' });
  daemons.push(rpcd);
  const probe = await UbusClient.connect({ path: socket, timeoutMs: 5000 });
  try {
    await until('rpcd', () => probe.call('uci', 'configs').then(() => true));
    // rpcd registers its exec plugins after its own objects, each once its `list` has answered.
    if (opts.netbootRoot) await until("rpcd's netboot", () => probe.call('netboot', 'validate').then(() => true), 20_000);
    if (opts.procd) {
      // nsenter execs procd: the pid to kill is procd's. Not PID 1, procd
      // leaves signals alone and does nothing of init's.
      daemons.push(spawn('nsenter', ['-t', String(rpcd.pid), '-m', join(OWRT_PREFIX!, 'sbin/procd'), '-S', '-s', socket], { stdio: 'ignore', env: opts.procdEnv ?? process.env }));
      await until('procd', () => probe.call('service', 'list').then(() => true));
    }
  } finally {
    probe.close();
  }
  return {
    socket,
    pid: rpcd.pid!,
    configDir,
    stop() {
      for (const d of daemons) d.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * dnsmasq's --dhcp-script as a router runs it: OpenWrt's dhcp-script.sh
 * (transcribed, test/helpers/openwrt-dhcp-script.ts) under busybox sh with
 * USER_DHCPSCRIPT at netboot's script, its spool under the router folder
 * `root`, and the jshn under OWRT_PREFIX. Each call is one dnsmasq event: its
 * arguments and the DNSMASQ_* variables dnsmasq would set. It throws when the
 * script says anything (dnsmasq would log it) or fails.
 */
export function dnsmasqScript(dir: string, root: string): (args: string[], env?: Record<string, string>) => void {
  const home = join(dir, 'dnsmasq-script');
  const openwrt = openwrtDhcpScript(home, OWRT_PREFIX!);
  const USER_DHCPSCRIPT = netbootDhcpScript(home, OWRT_PREFIX!, root);
  return (args, env = {}) => {
    const r = spawnSync(openwrt, args, {
      env: { PATH: `${OWRT_PREFIX}/bin:/usr/bin:/bin`, USER_DHCPSCRIPT, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status !== 0 || r.stdout || r.stderr) throw new Error(`dnsmasq script ${args.join(' ')}: exit ${r.status} ${r.stdout}${r.stderr}`);
  };
}
