// `netboot daemon` and its dnsmasq script against OpenWrt's own tools, built
// locally (outside the repo) and pointed to by OWRT_PREFIX:
// - netboot's dnsmasq script (files/usr/share/netboot/dhcp-script.sh) sourced
//   the way OpenWrt's dhcp-script.sh sources a dnsmasq section's dhcpscript
//   (`. "$USER_DHCPSCRIPT" "$@"`, test/helpers/openwrt-dhcp-script.ts), with
//   dnsmasq's arguments and variables, under busybox sh as on OpenWrt and
//   bash in POSIX mode, with jshn and a fake `ubus` that records its
//   arguments: the JSON must survive any hostname dnsmasq can pass (not dash:
//   jshn.sh itself needs `export -n`);
// - the bundle's `netboot daemon` on a private ubusd, called with the real
//   `ubus` CLI and fed through that script.

import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent } from '../src/daemon/events';
import { DEFAULT_LIMITS } from '../src/daemon/journeys';
import { UbusClient } from '../src/ubus';
import { BUNDLE } from './helpers/bundle';
import { netbootDhcpScript } from './helpers/openwrt-dhcp-script';
import { until } from './helpers/owrt';

const PREFIX = process.env.OWRT_PREFIX;
const suite = PREFIX ? describe : describe.skip;
const SKIPPED = 'skipped, set OWRT_PREFIX to a local build of libubox+ubus ($OWRT_PREFIX/sbin/ubusd, $OWRT_PREFIX/bin/ubus, $OWRT_PREFIX/bin/jshn, $OWRT_PREFIX/share/libubox/jshn.sh)';

const SHELLS = [
  ['busybox sh', ['busybox', 'sh']],
  ['bash --posix', ['bash', '--posix']],
].filter(([, cmd]) => spawnSync(cmd![0]!, [...cmd!.slice(1), '-c', 'true']).status === 0) as [string, string[]][];

/**
 * Sources the script as OpenWrt's dhcp-script.sh does, with dnsmasq's
 * arguments and only the given variables, and then prints what the sourcing
 * script still has: a variable of its own and the status it goes on with.
 */
function sourced(shell: string[], script: string, path: string, args: string[], env: Record<string, string>) {
  return spawnSync(shell[0]!, [...shell.slice(1), '-c', 'mine=kept; . "$0" "$@"; echo "after: $mine $?"', script, ...args], {
    env: { PATH: path, ...env },
    // No stdin, as dnsmasq runs its script (bash would also take a socket for rshd and read ~/.bashrc).
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
}

suite(PREFIX ? `netboot's dnsmasq script with jshn from ${PREFIX}` : `netboot's dnsmasq script: ${SKIPPED}`, () => {
  let dir: string;
  let bin: string;
  let script: string;
  const record = () => join(dir, 'ubus-args');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-dhcp-script-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    // Records its arguments NUL-separated; FAKE_UBUS_EXIT plays a daemon that is not running.
    writeFileSync(join(bin, 'ubus'), `#!/bin/sh\nprintf '%s\\0' "$@" > "${record()}"\necho "Command failed: Not found" >&2\nexit "\${FAKE_UBUS_EXIT:-0}"\n`);
    chmodSync(join(bin, 'ubus'), 0o755);
    script = netbootDhcpScript(dir, PREFIX!);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The script's output and the arguments it gave ubus. */
  function run(shell: string[], args: string[], env: Record<string, string> = {}) {
    rmSync(record(), { force: true });
    const r = sourced(shell, script, `${bin}:${PREFIX}/bin:/usr/bin:/bin`, args, env);
    const ubus = existsSync(record()) ? readFileSync(record(), 'utf8').split('\0').slice(0, -1) : undefined;
    return { ...r, ubus };
  }

  const HOSTNAMES = ['desk', 'a "quoted" name', 'back\\slash\\', "it's $(touch pwned) `x` ${HOME}", ' spaced  out ', '{"json":true}', 'ünï'];
  // dnsmasq's variables for an iPXE client's lease (man dnsmasq, --dhcp-script).
  const IPXE_ENV = {
    DNSMASQ_VENDOR_CLASS: 'PXEClient:Arch:00007:UNDI:003016',
    DNSMASQ_USER_CLASS0: 'iPXE',
    DNSMASQ_USER_CLASS1: 'two "words"',
    DNSMASQ_TAGS: 'netboot_efi64 netboot_ipxe lan',
    DNSMASQ_INTERFACE: 'br-lan',
  };

  describe.each(SHELLS)('%s', (_, shell) => {
    it.each(HOSTNAMES)('forwards a lease with hostname %j as well-formed JSON, and leaves the sourcing script as it was', (hostname) => {
      const r = run(shell, ['add', '52:54:00:12:34:56', '10.0.0.5', hostname], IPXE_ENV);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('after: kept 0\n');
      expect(r.ubus!.slice(0, 5)).toEqual(['-t', '1', 'call', 'netboot', 'event']);
      expect(r.ubus).toHaveLength(6);
      const payload = JSON.parse(r.ubus![5]!);
      expect(payload).toEqual({
        source: 'dhcp',
        action: 'add',
        mac: '52:54:00:12:34:56',
        ip: '10.0.0.5',
        hostname,
        vendorclass: 'PXEClient:Arch:00007:UNDI:003016',
        tags: 'netboot_efi64 netboot_ipxe lan',
        userclass: ['iPXE', 'two "words"'],
      });
      expect(parseEvent(payload)).toMatchObject({ hostname, userclass: ['iPXE', 'two "words"'] });
      expect(existsSync(join(dir, 'pwned'))).toBe(false);
    });

    it.each([
      ['old', 'update'],
      ['del', 'remove'],
    ])('names dnsmasq\'s %s as hotplug does (%s); what dnsmasq left out is sent empty and read as absent', (action, hotplug) => {
      // dnsmasq passes no hostname argument when it knows none, and the classes only with add.
      const r = run(shell, [action, '52:54:00:12:34:56', '10.0.0.5']);
      const payload = JSON.parse(r.ubus![5]!);
      expect(payload).toEqual({ source: 'dhcp', action: hotplug, mac: '52:54:00:12:34:56', ip: '10.0.0.5', hostname: '', vendorclass: '', tags: '', userclass: [] });
      expect(parseEvent(payload)).toMatchObject({ hostname: null, vendorclass: null, userclass: [], tags: [] });
    });

    it('forwards a TFTP transfer', () => {
      const path = '/srv/tftp/netboot/beacon/boot/my "disk".ipxe';
      const r = run(shell, ['tftp', '12', '10.0.0.5', path]);
      expect(r.stdout + r.stderr).toBe('after: kept 0\n');
      expect(JSON.parse(r.ubus![5]!)).toEqual({ source: 'tftp', action: 'add', ip: '10.0.0.5', path, size: '12' });
    });

    it('sends nothing for DHCPv6 leases, leases dnsmasq re-announces, ARP events or actions it does not know', () => {
      // A DHCPv6 lease: the DUID in place of the MAC, and DNSMASQ_IAID set.
      for (const [args, env] of [
        [['add', '00:04:9c:7e:44:f1:1b:64:4d:1e:a3:8e:4f:24:58:a0:0d:b1', 'fd4e:1a2b:3c4d::1f3', 'desk'], { DNSMASQ_IAID: '12345678', DNSMASQ_SERVER_DUID: '00:01:00:01:2c:aa:bb:cc:52:54:00:00:00:ff' }],
        // What dnsmasq 2.90 sends for each lease when it starts or gets SIGHUP (recorded in test/dhcp-script.test.ts).
        [['old', '52:54:00:12:34:56', '10.0.0.5'], { DNSMASQ_DATA_MISSING: '1', DNSMASQ_INTERFACE: 'br-lan', DNSMASQ_TIME_REMAINING: '3599' }],
        [['arp-add', '52:54:00:12:34:56', '10.0.0.5'], {}],
        [['relay-snoop', 'br-lan', 'fe80::1', '2001:db8::/56'], {}],
        [['init'], {}],
      ] as [string[], Record<string, string>][]) {
        const r = run(shell, args, env);
        expect(r.stdout + r.stderr).toBe('after: kept 0\n');
        expect(r.ubus).toBeUndefined();
      }
    });

    it('is silent and harmless when the daemon is not running', () => {
      const r = run(shell, ['tftp', '1', '10.0.0.5', '/srv/tftp/x'], { FAKE_UBUS_EXIT: '4' });
      expect(r.ubus).toBeDefined();
      expect(r.stdout + r.stderr).toBe('after: kept 0\n');
    });
  });
});

const MAC = '52:54:00:12:34:56';
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


suite(PREFIX ? `netboot daemon on a private ubusd from ${PREFIX}` : `netboot daemon: ${SKIPPED}`, () => {
  let dir: string;
  let sock: string;
  let root: string;
  let bin: string;
  let ubusd: ChildProcess;
  let daemon: ChildProcess;
  let log = '';
  const clients: UbusClient[] = [];

  const startUbusd = async () => {
    ubusd = spawn(join(PREFIX!, 'sbin/ubusd'), ['-s', sock], { stdio: 'ignore' });
    await until('ubusd', () => (existsSync(sock) ? true : undefined), 10_000);
  };

  const ubus = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(join(PREFIX!, 'bin/ubus'), ['-s', sock, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
      });
    });
  const call = async (method: string, args?: object) => {
    const r = await ubus('call', 'netboot', method, ...(args ? [JSON.stringify(args)] : []));
    if (r.code !== 0) throw new Error(`ubus call netboot ${method}: ${r.stderr}`);
    return JSON.parse(r.stdout || '{}');
  };
  const logged = (line: string) => until(`log line ${JSON.stringify(line)}`, () => (log.includes(`${line}\n`) ? true : undefined), 10_000);

  /** Sends an event through netboot's dnsmasq script, sourced as OpenWrt does, and the real ubus CLI. */
  const dnsmasqEvent = (args: string[], env: Record<string, string> = {}) => {
    const r = sourced(['busybox', 'sh'], script, `${bin}:${PREFIX}/bin:/usr/bin:/bin`, args, env);
    expect(r.stdout + r.stderr).toBe('after: kept 0\n');
  };
  const VENDOR = { DNSMASQ_VENDOR_CLASS: 'PXEClient:Arch:00007:UNDI:003016' };
  const tftp = (path: string) => dnsmasqEvent(['tftp', '100', '10.0.0.5', `/srv/tftp/${path}`]);
  let script: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-daemon-'));
    sock = join(dir, 'ubus.sock');
    root = join(dir, 'router');
    bin = join(dir, 'bin');
    cpSync(join(__dirname, '../example/router/etc'), join(root, 'etc'), { recursive: true });
    mkdirSync(bin);
    // `ubus` for netboot's script: the real CLI on the private socket.
    writeFileSync(join(bin, 'ubus'), `#!/bin/sh\nexec ${PREFIX}/bin/ubus -s ${sock} "$@"\n`);
    chmodSync(join(bin, 'ubus'), 0o755);
    script = netbootDhcpScript(dir, PREFIX!);
    await startUbusd();
    // With the node options the init script gives it.
    const nodeOptions = /procd_set_param env NODE_OPTIONS=(\S+)/.exec(readFileSync(join(__dirname, '../files/etc/init.d/netboot'), 'utf8'))![1]!;
    daemon = spawn(process.execPath, [BUNDLE, 'daemon', '--ubus-socket', sock, '--root', root], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: nodeOptions } });
    for (const s of [daemon.stdout!, daemon.stderr!]) s.setEncoding('utf8').on('data', (d: string) => (log += d));
    await logged('netboot: ubus object netboot registered');
  }, 30_000);

  afterAll(() => {
    for (const c of clients) c.close();
    daemon?.kill('SIGKILL');
    ubusd?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies the config at start and logs each step', async () => {
    await logged('netboot: ubus object netboot registered');
    expect(log).toMatch(/^netboot: daemon started \(pid \d+\)\nnetboot: apply ok: /);
    expect(existsSync(join(root, 'srv/tftp/netboot/menu.ipxe'))).toBe(true);
  });

  it('idles at a modest RSS', async () => {
    await sleep(3000);
    const kb = rssKb(daemon.pid!);
    console.log(`netboot daemon RSS 3 s after start on node ${process.versions.node}: ${(kb / 1024).toFixed(1)} MB`);
    // A regression bound; `npm run bench` measures the settled figure against the 50 MB target.
    expect(kb).toBeLessThan(64 * 1024);
  });

  it('answers every method through the ubus CLI', async () => {
    const list = await ubus('-v', 'list', 'netboot');
    for (const m of ['status', 'validate', 'plan', 'apply', 'preview', 'clients', 'check', 'event']) expect(list.stdout).toContain(`"${m}":`);

    const status = await call('status');
    expect(status).toMatchObject({ valid: true, enabled: true, tftp_root: '/srv/tftp', files_current: true, dhcp_current: true, last_apply: { ok: true } });
    expect(await call('validate')).toMatchObject({ valid: true, errors: [] });
    expect(await call('plan')).toMatchObject({ valid: true, files: [] });
    expect(await call('apply')).toMatchObject({ ok: true, files_changed: 0, dhcp_changed: 0 });
    await logged('netboot: apply ok: everything is already up to date; nothing was changed');
    const desk = await call('preview', { mac: MAC.toUpperCase() });
    expect(desk).toMatchObject({ mac: MAC, host: expect.any(String), path: 'netboot/hosts/52-54-00-12-34-56.ipxe' });
    expect(desk.script).toMatch(/^#!ipxe/);
    expect(await call('preview', { mac: '52:54:00:aa:bb:cc' })).toMatchObject({ host: null, path: 'netboot/menu.ipxe' });
    expect(await call('check')).toMatchObject({ ok: expect.any(Boolean), checks: expect.any(Array) });
    expect(await call('clients')).toEqual({ clients: [] });
  });

  it('answers bad arguments with INVALID_ARGUMENT and keeps serving', async () => {
    for (const [method, args] of [
      ['event', { source: 'dhcp', action: 'add', mac: 'zz', ip: '10.0.0.5' }],
      ['event', { source: 'tftp' }],
      ['event', { source: 'tftp', action: 'add', ip: '10.0.0.5', path: 'x', size: { a: [1] } }],
      ['preview', { mac: 'desk' }],
    ] as const) {
      const r = await ubus('call', 'netboot', method, JSON.stringify(args));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Invalid argument');
    }
    await logged('netboot: event rejected: mac "zz" is not a MAC address like 52:54:00:12:34:56');
    expect(await call('validate')).toMatchObject({ valid: true });
  });

  it("follows a boot journey sent through netboot's dnsmasq script", async () => {
    dnsmasqEvent(['add', MAC, '10.0.0.5', 'desk'], { ...VENDOR, DNSMASQ_TAGS: 'netboot_efi64 lan' });
    tftp('snponly.efi');
    dnsmasqEvent(['old', MAC, '10.0.0.5', 'desk'], { ...VENDOR, DNSMASQ_USER_CLASS0: 'iPXE', DNSMASQ_TAGS: 'netboot_efi64 netboot_ipxe lan' });
    tftp('netboot/menu.ipxe');
    tftp('netboot/boot.ipxe.cfg');
    tftp('netboot/hosts/52-54-00-12-34-56.ipxe');
    tftp('netboot/beacon/boot/ubuntu1.ipxe');
    const { clients: list } = await call('clients');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      mac: MAC,
      ip: '10.0.0.5',
      hostname: 'desk',
      arch: 'efi64',
      firmware: 'ipxe',
      files: ['snponly.efi', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/hosts/52-54-00-12-34-56.ipxe', 'netboot/beacon/boot/ubuntu1.ipxe'],
      choice: { kind: 'boot', target: 'ubuntu1' },
    });
    expect(list[0].steps.map((s: { step: string }) => s.step)).toEqual(['dhcp-pxe', 'bootloader', 'dhcp-ipxe', 'menu', 'config', 'host', 'boot']);
    for (const s of list[0].steps) expect(Date.parse(s.time)).toBeGreaterThan(Date.now() - 60_000);
    await logged(`netboot: ${MAC} 10.0.0.5 fetched netboot/menu.ipxe`);
    await logged(`netboot: ${MAC} 10.0.0.5 chose boot ubuntu1`);
    expect(await call('clients', { mac: MAC })).toEqual({ clients: list });
  });

  it('re-applies a changed config on `apply` (what the procd reload trigger calls)', async () => {
    const config = join(root, 'etc/config/netboot');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\nconfig host 'newpc'\n\toption mac '52:54:00:99:99:99'\n\toption target 'ubuntu1'\n\toption action 'boot'\n`);
    expect(await call('status')).toMatchObject({ files_current: false });
    expect(await call('apply')).toMatchObject({ ok: true });
    expect(existsSync(join(root, 'srv/tftp/netboot/hosts/52-54-00-99-99-99.ipxe'))).toBe(true);
    expect(await call('status')).toMatchObject({ files_current: true, last_apply: { ok: true } });
  });

  it('keeps memory bounded over 100,000 events', async () => {
    const c = await UbusClient.connect({ path: sock, timeoutMs: 10_000 });
    clients.push(c);
    const mac = (i: number) => `52:54:01:${[i >> 16, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    const ip = (i: number) => `10.1.${(i >> 8) & 255}.${i & 255}`;
    const files = ['undionly.kpxe', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/beacon/boot/ubuntu1.ipxe'];
    const send = async (from: number, to: number) => {
      const inFlight = 64;
      let next = from;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let n = next++; n < to; n = next++) {
            const i = (n * 7919) % 20_000;
            const ev =
              n % 4 === 0
                ? { source: 'dhcp', action: 'add', mac: mac(i), ip: ip(i), hostname: `pc${i}`, vendorclass: 'PXEClient:Arch:00000:UNDI:002001' }
                : { source: 'tftp', action: 'add', ip: ip(i), path: `/srv/tftp/${files[n % files.length]}`, size: '1000' };
            await c.call('netboot', 'event', ev);
          }
        }),
      );
    };
    await send(0, 20_000);
    const warm = rssKb(daemon.pid!);
    await send(20_000, 100_000);
    const after = rssKb(daemon.pid!);
    const { clients: list } = await c.call('netboot', 'clients');
    console.log(`daemon RSS after 20,000 events ${(warm / 1024).toFixed(1)} MB, after 100,000 ${(after / 1024).toFixed(1)} MB`);
    expect((list as unknown[]).length).toBe(DEFAULT_LIMITS.maxClients);
    expect(after - warm).toBeLessThan(8 * 1024);
  }, 120_000);

  it('registers again when ubusd restarts, keeping its journeys', async () => {
    ubusd.kill();
    await logged('netboot: lost the ubus connection (ubus connection failed: Connection failed (10)); reconnecting');
    rmSync(sock, { force: true });
    await startUbusd();
    await until('netboot on the new ubusd', async () => ((await ubus('list', 'netboot')).code === 0 ? true : undefined), 10_000);
    const { clients: list } = await call('clients');
    expect(list.length).toBeGreaterThan(0);
  }, 30_000);

  it('stops on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).toMatch(/netboot: daemon stopped\n$/);
  });
});
