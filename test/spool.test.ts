// The boot-journey spool: netboot's dnsmasq script (files/usr/share/netboot/
// dhcp-script.sh) writing it, and src/journeys/spool.ts reading it.
//
// The script runs as a router runs it, sourced with dnsmasq's arguments and
// variables (as OpenWrt's dhcp-script.sh sources USER_DHCPSCRIPT), under
// busybox sh as on OpenWrt and bash in POSIX mode, with OpenWrt's jshn from
// OWRT_PREFIX; and once in a jail laid out as OpenWrt's dnsmasq.init asks
// procd's ujail for (openwrt/openwrt v24.10.4 package/network/services/
// dnsmasq/files/dnsmasq.init, dnsmasq_start: procd_add_jail_mount of the
// scripts, jshn.sh, /usr/bin/jshn and /bin/ubus, procd_add_jail_mount_rw
// /var/run/dnsmasq/; ujail adds each binary's libraries and a script's
// interpreter, openwrt/procd 2c1834a jail/fs.c add_path_and_deps): there the
// script finds nothing but /bin/sh, jshn and its libraries, and must still
// write the spool unmodified.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent } from '../src/journeys/events';
import { foldJourneys, parseSpool, SPOOL, SPOOL_FILE_BYTES, spoolFiles } from '../src/journeys/spool';
import { journeyJson } from '../src/journeys/journeys';
import { netbootDhcpScript } from './helpers/openwrt-dhcp-script';
import { until } from './helpers/owrt';
import type { BlobmsgTable } from '../src/ubus';

const PREFIX = process.env.OWRT_PREFIX;
const SCRIPT = join(__dirname, '../files/usr/share/netboot/dhcp-script.sh');
const SHELLS = [
  ['busybox sh', ['busybox', 'sh']],
  ['bash --posix', ['bash', '--posix']],
].filter(([, cmd]) => spawnSync(cmd![0]!, [...cmd!.slice(1), '-c', 'true']).status === 0) as [string, string[]][];

const MAC = '52:54:00:12:34:56';
// dnsmasq's variables for an iPXE client's lease (man dnsmasq, --dhcp-script).
const IPXE_ENV = {
  DNSMASQ_VENDOR_CLASS: 'PXEClient:Arch:00007:UNDI:003016',
  DNSMASQ_USER_CLASS0: 'iPXE',
  DNSMASQ_USER_CLASS1: 'two "words"',
  DNSMASQ_TAGS: 'netboot_efi64 netboot_ipxe lan',
  DNSMASQ_INTERFACE: 'br-lan',
};

/** The spool's complete lines, older file first, as JSON. */
function spooled(root: string): BlobmsgTable[] {
  const read = (p: string) => (existsSync(join(root, p)) ? readFileSync(join(root, p), 'utf8') : undefined);
  return spoolFiles(read(`${SPOOL}.slot`))
    .map(read)
    .flatMap((t) => (t ? t.split('\n').slice(0, -1) : []))
    .map((l) => JSON.parse(l) as BlobmsgTable);
}

describe.skipIf(!PREFIX)(`netboot's dnsmasq script writing the spool${PREFIX ? '' : ' (skipped: set OWRT_PREFIX for jshn)'}`, () => {
  let dir: string;
  let root: string;
  let script: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-spool-'));
    root = join(dir, 'router');
    script = netbootDhcpScript(dir, PREFIX!, root);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Sources the script as OpenWrt's dhcp-script.sh does, with dnsmasq's
   * arguments and only the given variables, then prints what the sourcing
   * script still has: a variable of its own and the status it goes on with.
   */
  function run(shell: string[], args: string[], env: Record<string, string> = {}) {
    rmSync(join(root, 'var'), { recursive: true, force: true });
    mkdirSync(join(root, dirname(SPOOL)), { recursive: true });
    const r = spawnSync(shell[0]!, [...shell.slice(1), '-c', 'mine=kept; . "$0" "$@"; echo "after: $mine $?"', script, ...args], {
      env: { PATH: `${PREFIX}/bin:/usr/bin:/bin`, ...env },
      // No stdin, as dnsmasq runs its script (bash would also take a socket for rshd and read ~/.bashrc).
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    return { out: r.stdout + r.stderr, lines: spooled(root) };
  }

  const HOSTNAMES = ['desk', 'a "quoted" name', 'back\\slash\\', "it's $(touch pwned) `x` ${HOME}", ' spaced  out ', '{"json":true}', 'ünï', '-n -e \\c'];

  describe.each(SHELLS)('%s', (_, shell) => {
    it.each(HOSTNAMES)('spools a lease with hostname %j as one JSON line, and leaves the sourcing script as it was', (hostname) => {
      const before = Date.now() / 1000;
      const r = run(shell, ['add', MAC, '10.0.0.5', hostname], IPXE_ENV);
      expect(r.out).toBe('after: kept 0\n');
      expect(r.lines).toHaveLength(1);
      const { time, ...payload } = r.lines[0]!;
      expect(Number(time)).toBeGreaterThanOrEqual(Math.floor(before));
      expect(Number(time)).toBeLessThanOrEqual(Date.now() / 1000);
      expect(payload).toEqual({
        source: 'dhcp',
        action: 'add',
        mac: MAC,
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
    ])("names dnsmasq's %s as hotplug does (%s); what dnsmasq left out is spooled empty and read as absent", (action, hotplug) => {
      const r = run(shell, [action, MAC, '10.0.0.5']);
      const { time, ...payload } = r.lines[0]!;
      expect(time).toMatch(/^\d+\.\d{6}$/);
      expect(payload).toEqual({ source: 'dhcp', action: hotplug, mac: MAC, ip: '10.0.0.5', hostname: '', vendorclass: '', tags: '', userclass: [] });
      expect(parseEvent(payload)).toMatchObject({ hostname: null, vendorclass: null, userclass: [], tags: [] });
    });

    it('spools a TFTP transfer', () => {
      const path = '/srv/tftp/netboot/beacon/boot/my "disk".ipxe';
      const r = run(shell, ['tftp', '12', '10.0.0.5', path]);
      expect(r.out).toBe('after: kept 0\n');
      expect(r.lines.map(({ time, ...p }) => p)).toEqual([{ source: 'tftp', action: 'add', ip: '10.0.0.5', path, size: '12' }]);
    });

    it('spools nothing for DHCPv6 leases, leases dnsmasq re-announces, ARP events, actions it does not know, a line far longer than any event, or when jshn fails', () => {
      for (const [args, env] of [
        // A DHCPv6 lease: the DUID in place of the MAC, and DNSMASQ_IAID set.
        [['add', '00:04:9c:7e:44:f1:1b:64:4d:1e:a3:8e:4f:24:58:a0:0d:b1', 'fd4e:1a2b:3c4d::1f3', 'desk'], { DNSMASQ_IAID: '12345678' }],
        // What dnsmasq 2.90 sends for each lease when it starts or gets SIGHUP (recorded in test/dhcp-script.test.ts).
        [['old', MAC, '10.0.0.5'], { DNSMASQ_DATA_MISSING: '1', DNSMASQ_INTERFACE: 'br-lan', DNSMASQ_TIME_REMAINING: '3599' }],
        [['arp-add', MAC, '10.0.0.5'], {}],
        [['relay-snoop', 'br-lan', 'fe80::1', '2001:db8::/56'], {}],
        [['init'], {}],
        [['add', MAC, '10.0.0.5', 'h'.repeat(5000)], {}],
        // No jshn to be found: json_dump prints nothing, and an empty line is no event.
        [['tftp', '1', '10.0.0.5', '/srv/tftp/x'], { PATH: '/usr/bin:/bin' }],
      ] as [string[], Record<string, string>][]) {
        const r = run(shell, args, env);
        expect(r.out).toBe('after: kept 0\n');
        expect(r.lines).toEqual([]);
      }
    });

    it('is silent and harmless when the spool folder is not there (dnsmasq.init makes it)', () => {
      rmSync(join(root, 'var'), { recursive: true, force: true });
      const r = spawnSync(shell[0]!, [...shell.slice(1), '-c', 'mine=kept; . "$0" "$@"; echo "after: $mine $?"', script, 'tftp', '1', '10.0.0.5', '/srv/tftp/x'], {
        env: { PATH: `${PREFIX}/bin:/usr/bin:/bin` },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toBe('after: kept 0\n');
    });
  });

  // The spool's own lines of the script, run alone in a loop: 100,000 events
  // through the script whole would take minutes of jshn starts.
  const APPEND = (() => {
    const text = readFileSync(SCRIPT, 'utf8');
    const from = text.indexOf(`\tnetboot_spool=${SPOOL}\n`);
    const to = text.indexOf(') </dev/null >/dev/null 2>&1');
    expect(from).toBeGreaterThan(0);
    expect(to).toBeGreaterThan(from);
    return text.slice(from, to).replace(`netboot_spool=${SPOOL}`, 'netboot_spool="$SPOOL"');
  })();

  /**
   * Runs `count` appends of numbered lines of `size` bytes in one shell, in
   * the background; stderr is dropped as the script drops it (the first
   * `read` finds no slot file).
   */
  function appender(shell: string[], spool: string, id: string, count: number, size: number) {
    const pad = 'x'.repeat(size - 40 - id.length);
    const loop = `i=0\nwhile [ $i -lt ${count} ]; do\nnetboot_line="{\\"id\\":\\"${id}\\",\\"n\\":$i,\\"pad\\":\\"${pad}\\"}"\n${APPEND}i=$((i + 1))\ndone\n`;
    return spawn(shell[0]!, [...shell.slice(1), '-c', loop], { env: { SPOOL: spool }, stdio: ['ignore', 'pipe', 'ignore'] });
  }

  const done = (p: ReturnType<typeof spawn>) =>
    new Promise<string>((resolve) => {
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      p.stderr?.on('data', (d) => (out += d));
      p.on('exit', (code) => resolve(`${out}exit ${code}`));
    });

  /** Every file of the spool folder with its size; complete lines parsed, the text after the last newline apart. */
  function inspect(folder: string) {
    return readdirSync(folder).map((name) => {
      const text = readFileSync(join(folder, name), 'utf8');
      const cut = text.lastIndexOf('\n') + 1;
      return { name, size: statSync(join(folder, name)).size, lines: text.slice(0, cut).split('\n').slice(0, -1), rest: text.slice(cut) };
    });
  }

  it.each(SHELLS)('stays within two files of 64 KiB over a burst of 100,000 events (%s)', async (_, shell) => {
    const folder = join(dir, 'burst');
    mkdirSync(folder, { recursive: true });
    const spool = join(folder, 'netboot-events');
    expect(await done(appender(shell, spool, 'a', 100_000, 200))).toBe('exit 0');
    const files = inspect(folder);
    expect(files.map((f) => f.name).sort()).toEqual(['netboot-events.0', 'netboot-events.1', 'netboot-events.slot']);
    for (const f of files) expect(f.size).toBeLessThanOrEqual(SPOOL_FILE_BYTES);
    // The newest events are kept, in order, ending with the last one.
    const events = spoolFiles(readFileSync(`${spool}.slot`, 'utf8')).flatMap((p) => files.find((f) => f.name === basename(p))!.lines.map((l) => JSON.parse(l).n as number));
    expect(events.at(-1)).toBe(99_999);
    expect(events.length).toBeGreaterThan(SPOOL_FILE_BYTES / 200);
    for (let i = 1; i < events.length; i++) expect(events[i]).toBe(events[i - 1]! + 1);
    rmSync(folder, { recursive: true });
  }, 120_000);

  it('keeps every line whole under concurrent appends from many processes', async () => {
    const folder = join(dir, 'concurrent');
    mkdirSync(folder, { recursive: true });
    const spool = join(folder, 'netboot-events');
    // 8 writers × 2,000 lines of 300 bytes: 4.8 MB through two 64 KiB files, so rotations race too.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => done(appender(['busybox', 'sh'], spool, `w${i}`, 2000, 300))));
    expect(results).toEqual(Array(8).fill('exit 0'));
    for (const f of inspect(folder).filter((x) => x.name !== 'netboot-events.slot')) {
      expect(f.size).toBeLessThanOrEqual(SPOOL_FILE_BYTES);
      // No two writers' bytes mixed: every complete line is one writer's whole line.
      for (const line of f.lines) expect(JSON.parse(line)).toMatchObject({ id: expect.stringMatching(/^w\d$/), n: expect.any(Number) });
      // Only a line cut by the size limit is left without its newline.
      if (f.rest) expect(f.size).toBe(SPOOL_FILE_BYTES);
    }
  }, 120_000);

  it('spools every event of concurrent dnsmasq instances running the whole script', async () => {
    rmSync(join(root, 'var'), { recursive: true, force: true });
    mkdirSync(join(root, dirname(SPOOL)), { recursive: true });
    // 6 instances × 20 events of about 200 bytes: no rotation, so all must be there.
    const loop = `i=0\nwhile [ $i -lt 20 ]; do . "$0" tftp $i "10.0.0.$ID" "/srv/tftp/netboot/menu.ipxe"; i=$((i + 1)); done`;
    const runs = Array.from({ length: 6 }, (_, id) => spawn('busybox', ['sh', '-c', loop, script], { env: { PATH: `${PREFIX}/bin:/usr/bin:/bin`, ID: String(id) }, stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(await Promise.all(runs.map(done))).toEqual(Array(6).fill('exit 0'));
    const got = spooled(root).map((l) => `${l.ip} ${l.size}`);
    expect(got.sort()).toEqual(Array.from({ length: 6 }, (_, id) => Array.from({ length: 20 }, (_, n) => `10.0.0.${id} ${n}`)).flat().sort());
  }, 60_000);
});

const JAIL_MISSING = [!PREFIX && 'OWRT_PREFIX (jshn)', process.getuid?.() !== 0 && 'root (a mount namespace and chroot)', spawnSync('busybox', ['true']).status !== 0 && 'busybox'].filter(Boolean);

describe.skipIf(JAIL_MISSING.length)(`netboot's dnsmasq script in a jail like dnsmasq's${JAIL_MISSING.length ? ` (skipped: needs ${JAIL_MISSING.join(', ')})` : ''}`, () => {
  it('writes the spool with only /bin/sh, jshn, ubus and /var/run/dnsmasq/ there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-jail-'));
    try {
      const run = join(dir, 'var-run-dnsmasq');
      mkdirSync(run);
      const jail = join(dir, 'jail');
      mkdirSync(jail);
      const ubusStandIn = join(dir, 'ubus');
      writeFileSync(ubusStandIn, '#!/bin/sh\necho "$*" >> /var/run/dnsmasq/ubus-calls\n', { mode: 0o755 });
      // [path in the jail, file outside]: read-only unless noted.
      const libs = spawnSync('ldd', [join(PREFIX!, 'bin/jshn')], { encoding: 'utf8' })
        .stdout.split('\n')
        .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
        .filter((p): p is string => !!p);
      const mounts: [string, string][] = [
        ['/bin/sh', '/bin/busybox'], // the scripts' interpreter, as ujail adds it; Debian's busybox is static
        ['/usr/bin/jshn', join(PREFIX!, 'bin/jshn')],
        ['/usr/share/libubox/jshn.sh', join(PREFIX!, 'share/libubox/jshn.sh')],
        ['/usr/share/netboot/dhcp-script.sh', SCRIPT],
        // Records its arguments where the jail may write (the real command on a real
        // ubusd and procd: test/dhcp-script.test.ts).
        ['/bin/ubus', ubusStandIn],
        ...libs.map((l): [string, string] => [l, l]),
      ];
      const steps = ['set -e', `mount -t tmpfs tmpfs ${jail}`];
      for (const [inside, outside] of mounts) steps.push(`mkdir -p ${jail}${dirname(inside)}`, `touch ${jail}${inside}`, `mount --bind -o ro ${outside} ${jail}${inside}`);
      steps.push(`mkdir -p ${jail}/var/run/dnsmasq ${jail}/dev`, `mount --bind ${run} ${jail}/var/run/dnsmasq`, `touch ${jail}/dev/null`, `mount --bind /dev/null ${jail}/dev/null`);
      // As OpenWrt's dhcp-script.sh sources it, with procd's PATH and dnsmasq's variables only.
      const events = [
        `add ${MAC} 10.0.0.5 desk`,
        'tftp 69632 10.0.0.5 /srv/tftp/snponly.efi',
        'tftp 60 10.0.0.5 /srv/tftp/netboot/beacon/task/52-54-00-12-34-56/1733000000.ipxe',
      ];
      for (const e of events) {
        steps.push(
          `env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DNSMASQ_VENDOR_CLASS=PXEClient:Arch:00007:UNDI:003016 chroot ${jail} /bin/sh -c '. /usr/share/netboot/dhcp-script.sh "$@"; echo "status $?"' sh ${e}`,
        );
      }
      const r = spawnSync('unshare', ['-m', 'sh', '-c', steps.join('\n')], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('status 0\nstatus 0\nstatus 0\n');
      // Only the task's beacon raises procd's event, in the background.
      const calls = join(run, 'ubus-calls');
      await until('the ubus call', () => (existsSync(calls) ? readFileSync(calls, 'utf8') : undefined));
      expect(readFileSync(calls, 'utf8')).toBe('call service event {"type":"netboot.beacon","data":{}}\n');
      const lines = readFileSync(join(run, 'netboot-events.0'), 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((l) => JSON.parse(l)).map(({ time, ...p }) => p)).toEqual([
        { source: 'dhcp', action: 'add', mac: MAC, ip: '10.0.0.5', hostname: 'desk', vendorclass: 'PXEClient:Arch:00007:UNDI:003016', tags: '', userclass: [] },
        { source: 'tftp', action: 'add', size: '69632', ip: '10.0.0.5', path: '/srv/tftp/snponly.efi' },
        { source: 'tftp', action: 'add', size: '60', ip: '10.0.0.5', path: '/srv/tftp/netboot/beacon/task/52-54-00-12-34-56/1733000000.ipxe' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading the spool', () => {
  const line = (time: string, extra: object) => `${JSON.stringify({ time, ...extra })}\n`;
  const dhcp = (time: string, action = 'add') => line(time, { source: 'dhcp', action, mac: MAC, ip: '10.0.0.5', hostname: 'desk', vendorclass: 'PXEClient:Arch:00000:UNDI:002001', tags: '', userclass: [] });
  const tftp = (time: string, path: string) => line(time, { source: 'tftp', action: 'add', ip: '10.0.0.5', path: `/srv/tftp/${path}`, size: '1' });

  it('skips a torn last line, lines that are not events and DHCPv6 leases; orders by time across both files', () => {
    const older = dhcp('1735732800.000001') + 'not json\n' + line('1735732800.5', { source: 'dhcp', action: 'add', mac: 'zz', ip: '10.0.0.9' }) + tftp('1735732801', 'undionly.kpxe') + '{"time":"17357328';
    const current = line('x', { source: 'tftp', action: 'add', ip: '10.0.0.5', path: '/a' }) + line('1735732802', { source: 'dhcp', action: 'add', mac: '00:01:02', ip: 'fd00::5' }) + tftp('1735732802.25', 'netboot/menu.ipxe') + tftp('1735732801.5', 'netboot/boot.ipxe.cfg') + '{"time":"1735732803","source":"tftp","action":"add","ip":"10.0.0.5","path":"/srv/tftp/x"}';
    const events = parseSpool([older, undefined, current]);
    expect(events.map((e) => [e.time, e.event.source === 'tftp' ? e.event.path : e.event.action])).toEqual([
      [1735732800000, 'add'],
      [1735732801000, '/srv/tftp/undionly.kpxe'],
      [1735732801500, '/srv/tftp/netboot/boot.ipxe.cfg'],
      [1735732802250, '/srv/tftp/netboot/menu.ipxe'],
    ]);
  });

  it('folds the events into journeys, naming an address no kept event names from the lease file', () => {
    const events = parseSpool([tftp('1735732801', 'undionly.kpxe') + tftp('1735732802', 'netboot/menu.ipxe')]);
    const leases = `1735736400 ${MAC} 10.0.0.5 desk 01:${MAC}\n`;
    const [journey] = foldJourneys({ events, tftpRoot: '/srv/tftp', leases }).list().map(journeyJson);
    expect(journey).toMatchObject({ mac: MAC, ip: '10.0.0.5', firmware: 'ipxe', files: ['undionly.kpxe', 'netboot/menu.ipxe'], last_seen: '2025-01-01T12:00:02.000Z' });
    expect(foldJourneys({ events, tftpRoot: '/srv/tftp', leases: undefined }).list()).toEqual([]);
  });

  it('reads the file not named in the slot first', () => {
    expect(spoolFiles(undefined)).toEqual([`${SPOOL}.1`, `${SPOOL}.0`]);
    expect(spoolFiles('1\n')).toEqual([`${SPOOL}.0`, `${SPOOL}.1`]);
    expect(spoolFiles('garbage')).toEqual([`${SPOOL}.1`, `${SPOOL}.0`]);
  });
});
