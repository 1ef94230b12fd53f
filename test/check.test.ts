import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routerAddress } from '../src/app/operations';
import { RouterRoot } from '../src/fs/root';
import { platform } from '../src/platform';
import { BASE, withOption } from './helpers/config';
import { BUNDLE, makeRoot, netboot } from './helpers/bundle';
import { OWRT_PREFIX } from './helpers/owrt';
import { QJS_CLI, runQjsAsync, spawnAsync } from './helpers/qjs';

const root = process.getuid?.() === 0;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['dnsmasq', 'unshare', 'python3', 'tgtd', 'tgtadm'].filter((c) => !has(c));
const why = !root ? 'needs root (a private network namespace)' : missing.length ? `needs ${missing.join(', ')}` : '';
if (why && process.env.CI) throw new Error(`check tests cannot run in CI: ${why}`);

type Report = { ok: boolean; checks: { name: string; ok: boolean; detail: string; probed?: false }[] };

/**
 * A router folder after apply and bootloaders install, and `check --json`
 * run by `engine` (a command line before the bundle's arguments) inside a
 * private network namespace with real dnsmasq TFTP, an HTTP server and a real
 * tgt (its own control socket) offering BASE's two targets, each a disk at LUN 1.
 */
function checkAgainstServers(engine: string, env: NodeJS.ProcessEnv = process.env, bootUrl = 'http://127.0.0.1:8089/tftp/'): { report: Report; stderr: string } {
  const config = withOption('main', 'boot_url', bootUrl, withOption(
    'main',
    'installer_url',
    'http://127.0.0.1:8089/install/',
    withOption('main', 'iscsi_server', '127.0.0.1', `${BASE}\nconfig installer 'rescue'\n\toption kind 'linux'\n\toption kernel 'rescue/vmlinuz'\n\tlist initrd 'rescue/initrd.gz'\n`),
  ));
  const r = makeRoot({ netboot: config });
  for (let d = r; d !== tmpdir(); d = join(d, '..')) chmodSync(d, 0o755); // dnsmasq serves TFTP as nobody
  expect(netboot(['--root', r, 'apply']).status).toBe(0);
  const loaders = mkdtempSync(join(tmpdir(), 'netboot-loaders-'));
  for (const f of ['undionly.kpxe', 'snponly.efi']) writeFileSync(join(loaders, f), Buffer.alloc(70000, f));
  expect(netboot(['--root', r, 'bootloaders', 'install', '--from', loaders]).status).toBe(0);
  // Debian's installer tree: vmlinuz present, initrd.gz missing.
  mkdirSync(join(r, 'www/install/rescue'), { recursive: true });
  writeFileSync(join(r, 'www/install/rescue/vmlinuz'), 'kernel');
  // The TFTP root served over HTTP, as the README's uhttpd link does (UEFI HTTP Boot).
  symlinkSync('../srv/tftp', join(r, 'www/tftp'));

  const script = `
    set -e
    ip link set lo up
    dnsmasq --keep-in-foreground --port=0 --enable-tftp --tftp-root=${r}/srv/tftp --listen-address=127.0.0.1 --bind-interfaces --pid-file=${r}/dnsmasq.pid --log-facility=${r}/dnsmasq.log >/dev/null 2>&1 &
    P1=$!
    python3 -m http.server 8089 --bind 127.0.0.1 --directory ${r}/www >/dev/null 2>&1 &
    P2=$!
    export TGT_IPC_SOCKET=${r}/tgtd.sock
    tgtd -f -C 901 --iscsi portal=127.0.0.1:3260 >${r}/tgtd.log 2>&1 &
    P3=$!
    for i in $(seq 50); do tgtadm -C 901 --op show --mode system >/dev/null 2>&1 && break; sleep 0.1; done
    truncate -s 1M ${r}/disk.img
    tid=0
    for iqn in iqn.2000-01.com.synology:disk1 iqn.2024-01.lan.nas:disk2; do
      tid=$((tid + 1))
      tgtadm -C 901 --lld iscsi --mode target --op new --tid $tid --targetname $iqn
      tgtadm -C 901 --lld iscsi --mode logicalunit --op new --tid $tid --lun 1 --backing-store ${r}/disk.img
      tgtadm -C 901 --lld iscsi --mode target --op bind --tid $tid --initiator-address ALL
    done
    for i in $(seq 50); do grep -q 'TFTP root is' ${r}/dnsmasq.log 2>/dev/null && python3 -c 'import socket; socket.create_connection(("127.0.0.1",8089),1)' 2>/dev/null && break; sleep 0.1; done
    ${engine} ${BUNDLE} --root ${r} check --json --tftp-server 127.0.0.1 || true
    for t in 1 2; do tgtadm -C 901 --lld iscsi --mode target --op delete --force --tid $t >/dev/null 2>&1; done
    tgtadm -C 901 --op delete --mode system >/dev/null 2>&1
    kill $P1 $P2 2>/dev/null || true
    wait $P3 2>/dev/null || true
  `;
  const run = spawnSync('unshare', ['--net', 'sh', '-c', script], { encoding: 'utf8', timeout: 90000, env });
  return { report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

const byName = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.name, c]));

describe.skipIf(!!why)(`netboot check against real dnsmasq TFTP, an HTTP server and a TCP portal${why ? ` (skipped: ${why})` : ''}`, () => {
  it('passes what is served, and names what is not', () => {
    const { report, stderr } = checkAgainstServers(process.execPath);
    expect(stderr).not.toMatch(/Deprecation/);
    const by = byName(report);
    expect(by['tftp undionly.kpxe']).toMatchObject({ ok: true, detail: expect.stringContaining('70000 bytes from 127.0.0.1') });
    expect(by['tftp snponly.efi'].ok).toBe(true);
    expect(by['tftp netboot/menu.ipxe'].ok).toBe(true);
    expect(by['tftp netboot/boot.ipxe.cfg'].ok).toBe(true);
    expect(by['tftp arm64/snponly.efi']).toMatchObject({ ok: true, detail: expect.stringContaining('only arm64 clients need it') });
    expect(by['iscsi 127.0.0.1:3260']).toMatchObject({ ok: true, detail: expect.stringMatching(/^discovery lists 2 targets/) });
    // BASE's disk1 has no lun option: LUN 0, which on tgt is its controller, not a disk.
    expect(by['iscsi target disk1']).toMatchObject({ ok: false, detail: expect.stringContaining('LUN 0 is there but is not a disk iPXE can boot') });
    expect(by['iscsi target disk2']).toMatchObject({ ok: true, detail: expect.stringContaining('iqn.2024-01.lan.nas:disk2 offered; logged in as') });
    expect(by['http http://127.0.0.1:8089/install/rescue/vmlinuz']).toMatchObject({ ok: true, detail: 'HTTP 200, 6 bytes' });
    expect(by['http http://127.0.0.1:8089/install/rescue/initrd.gz']).toMatchObject({ ok: false, detail: expect.stringMatching(/HTTP 404/) });
    // UEFI HTTP Boot clients' loader, fetched at the URL DHCP gives them; no arm64 loader in the TFTP root, so no check for it.
    expect(by['http boot http://127.0.0.1:8089/tftp/snponly.efi']).toMatchObject({ ok: true, detail: expect.stringContaining('70000 bytes, the same as in the TFTP root') });
    expect(Object.keys(by).filter((n) => n.startsWith('http boot'))).toHaveLength(1);
    expect(report.ok).toBe(false);
    expect(report.checks.every((c) => c.probed === undefined)).toBe(true);
  }, 60000);

  it('fails the HTTP Boot loader when boot_url does not serve the TFTP root, and says what to serve where', () => {
    const { report } = checkAgainstServers(process.execPath, process.env, 'http://127.0.0.1:8089/install/');
    expect(byName(report)['http boot http://127.0.0.1:8089/install/snponly.efi']).toMatchObject({
      ok: false,
      detail: 'HTTP 404; UEFI HTTP Boot clients are sent here: serve the TFTP root /srv/tftp at http://127.0.0.1:8089/install/',
    });
  }, 60000);
});

// The router's tools on PATH for the bundle under the wasm QuickJS: busybox's
// applets as OpenWrt installs them (symlinks to the busybox binary; here
// Debian's busybox-static), uclient-fetch built from openwrt/uclient when
// $OWRT_PREFIX has it, else the stand-in (test/helpers/stand-ins/uclient-fetch).
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
function toolsDir(applets: string[], extra: Record<string, string> = {}): string {
  const bin = mkdtempSync(join(tmpdir(), 'netboot-tools-'));
  if (applets.length) symlinkSync(busybox!, join(bin, 'busybox'));
  for (const a of applets) symlinkSync('busybox', join(bin, a));
  const real = OWRT_PREFIX && join(OWRT_PREFIX, 'bin/uclient-fetch');
  symlinkSync(real && existsSync(real) ? real : join(__dirname, 'helpers/stand-ins/uclient-fetch'), join(bin, 'uclient-fetch'));
  for (const [name, body] of Object.entries(extra)) writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return bin;
}
const qjsEngine = `${process.execPath} ${QJS_CLI}`;
const withPath = (bin: string) => ({ ...process.env, NODE_OPTIONS: '', PATH: `${bin}:${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin` });
const qjsWhy = why || (!busybox ? 'needs busybox (Debian: busybox-static)' : '');

describe.skipIf(!!qjsWhy)(`netboot check under quickjs, through the router's tools${qjsWhy ? ` (skipped: ${qjsWhy})` : ''}`, () => {
  it("gives node's verdicts through busybox's tftp and nc and uclient-fetch", () => {
    const { report } = checkAgainstServers(qjsEngine, withPath(toolsDir(['tftp', 'nc'])));
    const by = byName(report);
    for (const f of ['undionly.kpxe', 'snponly.efi']) expect(by[`tftp ${f}`]).toMatchObject({ ok: true, detail: expect.stringContaining('70000 bytes from 127.0.0.1') });
    expect(by['tftp netboot/menu.ipxe'].ok).toBe(true);
    expect(by['tftp netboot/boot.ipxe.cfg'].ok).toBe(true);
    expect(by['tftp arm64/snponly.efi']).toMatchObject({ ok: true, detail: expect.stringContaining('only arm64 clients need it') });
    expect(by['iscsi 127.0.0.1:3260']).toMatchObject({ ok: true, detail: expect.stringContaining('portal accepts connections') });
    // No sockets under qjs: the targets are named, never passed.
    for (const t of ['disk1', 'disk2']) {
      expect(by[`iscsi target ${t}`]).toEqual({ name: `iscsi target ${t}`, ok: false, probed: false, detail: 'not probed under quickjs: the login and LUN check speak iSCSI over a socket, which needs node' });
    }
    expect(by['http http://127.0.0.1:8089/install/rescue/vmlinuz']).toMatchObject({ ok: true, detail: 'HTTP 2xx (uclient-fetch --spider)' });
    expect(by['http http://127.0.0.1:8089/install/rescue/initrd.gz']).toMatchObject({ ok: false, detail: 'HTTP 404' });
    expect(by['http boot http://127.0.0.1:8089/tftp/snponly.efi']).toMatchObject({ ok: true, detail: expect.stringContaining('70000 bytes, the same as in the TFTP root') });
    expect(report.checks.filter((c) => c.probed === false).map((c) => c.name)).toEqual(['iscsi target disk1', 'iscsi target disk2']);
    expect(report.ok).toBe(false);
  }, 90000);

  it("says which probes it could not run, as OpenWrt's default busybox has no tftp, and never passes them", () => {
    // No tftp at all (OpenWrt's default), and an nc that is not busybox's (another package's, other options).
    const bin = toolsDir([], { nc: 'echo "not busybox" >&2; exit 0' });
    const { report } = checkAgainstServers(qjsEngine, withPath(bin));
    const by = byName(report);
    expect(by['tftp undionly.kpxe']).toEqual({
      name: 'tftp undionly.kpxe',
      ok: false,
      probed: false,
      detail: "not probed under quickjs: this router has no tftp command (busybox's tftp applet)",
    });
    expect(by['iscsi 127.0.0.1:3260']).toEqual({ name: 'iscsi 127.0.0.1:3260', ok: false, probed: false, detail: `not probed under quickjs: ${bin}/nc is not busybox's nc applet` });
    // A file missing from the TFTP root is still told without a probe; HTTP still works.
    expect(by['tftp arm64/snponly.efi'].ok).toBe(true);
    expect(by['http http://127.0.0.1:8089/install/rescue/vmlinuz'].ok).toBe(true);
    expect(report.ok).toBe(false);
  }, 90000);
});

describe('bootloaders install', () => {
  it('installs world-readable files and refuses a wrong checksum without writing anything', () => {
    const r = makeRoot({ netboot: BASE });
    const from = mkdtempSync(join(tmpdir(), 'netboot-loaders-'));
    writeFileSync(join(from, 'undionly.kpxe'), 'bios');
    writeFileSync(join(from, 'snponly.efi'), 'efi');
    const wrong = netboot(['--root', r, 'bootloaders', 'install', '--from', from, '--sha256', `snponly.efi=${'0'.repeat(64)}`]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/refusing snponly\.efi: its SHA-256 is [0-9a-f]{64}, expected 0{64}; nothing was installed/);
    expect(spawnSync('ls', [join(r, 'srv/tftp')]).stdout.toString()).not.toContain('undionly');
    const sum = spawnSync('sha256sum', [join(from, 'snponly.efi')]).stdout.toString().split(' ')[0];
    const ok = netboot(['--root', r, 'bootloaders', 'install', '--from', from, '--sha256', `snponly.efi=${sum}`]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('installed /srv/tftp/undionly.kpxe (4 bytes');
    const mode = spawnSync('stat', ['-c', '%a', join(r, 'srv/tftp/snponly.efi')]).stdout.toString().trim();
    expect(mode).toBe('644');
  });

  it('checks a SHA256SUMS file next to the binaries and says what is missing', () => {
    const r = makeRoot({ netboot: BASE });
    const from = mkdtempSync(join(tmpdir(), 'netboot-loaders-'));
    writeFileSync(join(from, 'undionly.kpxe'), 'bios');
    expect(netboot(['--root', r, 'bootloaders', 'install', '--from', from]).stderr).toContain('has no snponly.efi (needed for UEFI clients); nothing was installed');
    writeFileSync(join(from, 'snponly.efi'), 'efi');
    writeFileSync(join(from, 'SHA256SUMS'), `${'1'.repeat(64)}  undionly.kpxe\n`);
    expect(netboot(['--root', r, 'bootloaders', 'install', '--from', from]).stderr).toContain('refusing undionly.kpxe');
  });
});

describe('bootloaders install under quickjs: uclient-fetch, sha256sum, then the same verify-all-before-write', () => {
  const qjs = (args: string[], bin: string) => runQjsAsync(BUNDLE, args, { env: withPath(bin) });
  let server: Server;
  let base: string;
  let from: string;
  beforeAll(async () => {
    from = mkdtempSync(join(tmpdir(), 'netboot-loaders-'));
    writeFileSync(join(from, 'undionly.kpxe'), Buffer.alloc(70000, 'bios'));
    writeFileSync(join(from, 'snponly.efi'), Buffer.alloc(3000, 'efi'));
    server = createServer((req, res) => {
      try {
        const body = readFileSync(join(from, req.url!.replace(/^\/loaders\//, '')));
        res.writeHead(200, { 'content-length': body.length }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/loaders`;
  });
  afterAll(() => server?.close());

  it("fetches every file, checks it with Debian's sha256sum and installs nothing when one is wrong", async () => {
    const bin = toolsDir([]);
    const r = makeRoot({ netboot: BASE });
    const sum = (f: string) => spawnSync('sha256sum', [join(from, f)]).stdout.toString().slice(0, 64);
    const wrong = await qjs(['--root', r, 'bootloaders', 'install', '--from', base, '--sha256', `snponly.efi=${'0'.repeat(64)}`], bin);
    expect(wrong.stderr).toBe(`netboot: refusing snponly.efi: its SHA-256 is ${sum('snponly.efi')}, expected ${'0'.repeat(64)}; nothing was installed\n`);
    expect(wrong.status).toBe(1);
    expect(existsSync(join(r, 'srv/tftp/undionly.kpxe'))).toBe(false);
    const ok = await qjs(['--root', r, 'bootloaders', 'install', '--from', `${base}/`, '--sha256', `snponly.efi=${sum('snponly.efi')}`], bin);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe(`installed /srv/tftp/undionly.kpxe (70000 bytes, sha256 ${sum('undionly.kpxe')})\ninstalled /srv/tftp/snponly.efi (3000 bytes, sha256 ${sum('snponly.efi')})\n`);
    expect(readFileSync(join(r, 'srv/tftp/undionly.kpxe'))).toEqual(readFileSync(join(from, 'undionly.kpxe')));
    // The same run under node says the same (not blocking: the server is in this process).
    const node = await spawnAsync(process.execPath, [BUNDLE, '--root', makeRoot({ netboot: BASE }), 'bootloaders', 'install', '--from', base, '--sha256', `snponly.efi=${sum('snponly.efi')}`], {});
    expect(node.stdout).toBe(ok.stdout);
    // Nothing is left in /tmp.
    expect(readdirSync('/tmp').filter((f) => f.startsWith('.netboot-fetch-'))).toEqual([]);
  }, 60000);

  it('from a folder, hashes with sha256sum; without uclient-fetch a URL fails saying so', async () => {
    const bin = toolsDir([]);
    const r = makeRoot({ netboot: BASE });
    const ok = await qjs(['--root', r, 'bootloaders', 'install', '--from', from], bin);
    expect(ok.stdout).toBe(netboot(['--root', makeRoot({ netboot: BASE }), 'bootloaders', 'install', '--from', from]).stdout);
    expect(ok.status).toBe(0);
    rmSync(join(bin, 'uclient-fetch'));
    const none = await qjs(['--root', r, 'bootloaders', 'install', '--from', base], bin);
    expect(none.stderr).toBe(`netboot: ${base}/undionly.kpxe: the uclient-fetch command is missing (OpenWrt package uclient-fetch)\n`);
    expect(none.status).toBe(1);
  }, 60000);
});

describe("a router tool without a timeout of its own (busybox's nc) is killed when exec's time is up", () => {
  it('status 137, as SIGKILL gives it, and what the tool said so far', () => {
    // Under node; the wasm harness runs children to their end, so the qjs side (waitpid WNOHANG, kill) is not exercised here.
    expect(platform.exec(['sh', '-c', 'echo started; exec sleep 5'], { timeoutMs: 300 })).toEqual({ status: 137, stdout: 'started\n', stderr: '' });
    expect(platform.exec(['sh', '-c', 'exit 3'], { timeoutMs: 5000 }).status).toBe(3);
  });
});

describe('the TFTP server check asks by default', () => {
  it("is the lan interface's address from /etc/config/network, prefix dropped; else loopback", () => {
    const network = readFileSync(join(__dirname, 'fixtures/uci/network-24.10'), 'utf8');
    expect(routerAddress(new RouterRoot(makeRoot({ netboot: BASE, network })))).toBe('192.168.1.1');
    const cidr = network.replace("option ipaddr '192.168.1.1'", "list ipaddr '10.1.2.3/24'");
    expect(routerAddress(new RouterRoot(makeRoot({ netboot: BASE, network: cidr })))).toBe('10.1.2.3');
    expect(routerAddress(new RouterRoot(makeRoot({ netboot: BASE })))).toBe('127.0.0.1');
  });
});
