import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routerAddress } from '../src/app/operations';
import { RouterRoot } from '../src/fs/root';
import { BASE, withOption } from './helpers/config';
import { BUNDLE, makeRoot, netboot } from './helpers/bundle';

const root = process.getuid?.() === 0;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['dnsmasq', 'unshare', 'python3'].filter((c) => !has(c));
const why = !root ? 'needs root (a private network namespace)' : missing.length ? `needs ${missing.join(', ')}` : '';
if (why && process.env.CI) throw new Error(`check tests cannot run in CI: ${why}`);

describe.skipIf(!!why)(`netboot check against real dnsmasq TFTP, an HTTP server and a TCP portal${why ? ` (skipped: ${why})` : ''}`, () => {
  it('passes what is served, and names what is not', () => {
    const config = withOption(
      'main',
      'installer_url',
      'http://127.0.0.1:8089/install/',
      withOption('main', 'iscsi_server', '127.0.0.1', `${BASE}\nconfig installer 'rescue'\n\toption kind 'linux'\n\toption kernel 'rescue/vmlinuz'\n\tlist initrd 'rescue/initrd.gz'\n`),
    );
    const r = makeRoot({ netboot: config });
    for (let d = r; d !== tmpdir(); d = join(d, '..')) chmodSync(d, 0o755); // dnsmasq serves TFTP as nobody
    expect(netboot(['--root', r, 'apply']).status).toBe(0);
    const loaders = mkdtempSync(join(tmpdir(), 'netboot-loaders-'));
    for (const f of ['undionly.kpxe', 'snponly.efi']) writeFileSync(join(loaders, f), Buffer.alloc(70000, f));
    expect(netboot(['--root', r, 'bootloaders', 'install', '--from', loaders]).status).toBe(0);
    // Debian's installer tree: vmlinuz present, initrd.gz missing.
    mkdirSync(join(r, 'www/install/rescue'), { recursive: true });
    writeFileSync(join(r, 'www/install/rescue/vmlinuz'), 'kernel');

    const script = `
      set -e
      ip link set lo up
      dnsmasq --keep-in-foreground --port=0 --enable-tftp --tftp-root=${r}/srv/tftp --listen-address=127.0.0.1 --bind-interfaces --pid-file=${r}/dnsmasq.pid --log-facility=${r}/dnsmasq.log >/dev/null 2>&1 &
      P1=$!
      python3 -m http.server 8089 --bind 127.0.0.1 --directory ${r}/www >/dev/null 2>&1 &
      P2=$!
      python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",3260)); s.listen(); time.sleep(30)' >/dev/null 2>&1 &
      P3=$!
      for i in $(seq 50); do grep -q 'TFTP root is' ${r}/dnsmasq.log 2>/dev/null && python3 -c 'import socket; socket.create_connection(("127.0.0.1",8089),1)' 2>/dev/null && break; sleep 0.1; done
      ${process.execPath} ${BUNDLE} --root ${r} check --json --tftp-server 127.0.0.1 || true
      kill $P1 $P2 $P3 2>/dev/null || true
    `;
    const run = spawnSync('unshare', ['--net', 'sh', '-c', script], { encoding: 'utf8', timeout: 60000 });
    expect(run.stderr).not.toMatch(/Deprecation/);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(by['tftp undionly.kpxe']).toMatchObject({ ok: true, detail: expect.stringContaining('70000 bytes from 127.0.0.1') });
    expect(by['tftp snponly.efi'].ok).toBe(true);
    expect(by['tftp netboot/menu.ipxe'].ok).toBe(true);
    expect(by['tftp netboot/boot.ipxe.cfg'].ok).toBe(true);
    expect(by['tftp arm64/snponly.efi']).toMatchObject({ ok: true, detail: expect.stringContaining('only arm64 clients need it') });
    expect(by['iscsi 127.0.0.1:3260']).toMatchObject({ ok: true });
    expect(by['http http://127.0.0.1:8089/install/rescue/vmlinuz']).toMatchObject({ ok: true, detail: 'HTTP 200, 6 bytes' });
    expect(by['http http://127.0.0.1:8089/install/rescue/initrd.gz']).toMatchObject({ ok: false, detail: expect.stringMatching(/HTTP 404/) });
    expect(report.ok).toBe(false);
  }, 60000);
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

describe('the TFTP server check asks by default', () => {
  it("is the lan interface's address from /etc/config/network, prefix dropped; else loopback", () => {
    const network = readFileSync(join(__dirname, 'fixtures/uci/network-24.10'), 'utf8');
    expect(routerAddress(new RouterRoot(makeRoot({ netboot: BASE, network })))).toBe('192.168.1.1');
    const cidr = network.replace("option ipaddr '192.168.1.1'", "list ipaddr '10.1.2.3/24'");
    expect(routerAddress(new RouterRoot(makeRoot({ netboot: BASE, network: cidr })))).toBe('10.1.2.3');
    expect(routerAddress(new RouterRoot(makeRoot({ netboot: BASE })))).toBe('127.0.0.1');
  });
});
