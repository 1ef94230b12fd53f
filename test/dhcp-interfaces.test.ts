// The dhcp sections `netboot apply` writes, answered by a real dnsmasq (Debian's
// 2.90, as OpenWrt 24.10 ships) with the lines OpenWrt's dnsmasq.init makes of
// them (test/e2e/lab/uci-dhcp.ts, dhcp_add included): a router serving two
// networks, lan and guest (the lab's stock dhcp config), over two veth pairs into two client namespaces.
// Clients send what firmware sends (test/helpers/pxe-client.mjs: EDK2's PXE and
// HTTP Boot clients, iPXE). Issue 13.4: only netboot.main.interfaces get boot
// options; issue 14.1: an HTTP Boot client gets the loader's URL and option 60.
//
// Needs root (network namespaces) and dnsmasq.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dnsmasq } from './e2e/lab/dnsmasq';
import { run } from './e2e/lab/proc';
import { OPENWRT_DHCP } from './e2e/lab/netboot';
import { translateDhcp } from './e2e/lab/uci-dhcp';
import { makeRoot, netboot } from './helpers/bundle';
import { withOption } from './helpers/config';

const missing = [process.getuid?.() !== 0 && 'root (network namespaces)', spawnSync('dnsmasq', ['--version']).status !== 0 && 'dnsmasq'].filter(Boolean);

const CLIENT = join(__dirname, 'helpers/pxe-client.mjs');
const LAN = '10.97.0.1';
const GUEST = '10.97.1.1';
const BOOT_URL = `http://${LAN}/tftp/`;

interface Lease {
  ip: string;
  server: string;
  file: string;
  vendor?: string;
}

describe.skipIf(missing.length)(`boot options per interface, and for HTTP Boot clients, from a real dnsmasq${missing.length ? ` (skipped: needs ${missing.join(', ')})` : ''}`, () => {
  const id = process.pid;
  const srv = `nbi-srv-${id}`;
  const clients = { lan: `nbi-lan-${id}`, guest: `nbi-gst-${id}` };
  let dir: string;
  let router: string;
  let dnsmasq: Dnsmasq | undefined;
  let n = 0;

  /** One DHCP exchange from a fresh MAC on that network. */
  const lease = async (net: keyof typeof clients, pc: { arch: number; ipxe?: boolean; http?: boolean }): Promise<Lease> => {
    const mac = `52:54:00:97:00:${(++n).toString(16).padStart(2, '0')}`;
    const r = await run('ip', ['netns', 'exec', clients[net], process.execPath, CLIENT, 'dhcp', JSON.stringify({ mac, ...pc })], { cwd: join(__dirname, '..') });
    return JSON.parse(r.stdout) as Lease;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-dhcp-if-'));
    router = makeRoot({ netboot: withOption('main', 'boot_url', BOOT_URL), dhcp: OPENWRT_DHCP });
    const r = netboot(['--root', router, 'apply']);
    expect(r.status, r.stderr).toBe(0);
    for (const d of ['', 'srv', 'srv/tftp']) chmodSync(join(router, d), 0o755); // dnsmasq serves TFTP as nobody

    await run('ip', ['netns', 'add', srv]);
    for (const [i, [net, ns]] of Object.entries(clients).entries()) {
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['-n', srv, 'link', 'add', `v${net}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run('ip', ['-n', srv, 'addr', 'add', `${[LAN, GUEST][i]}/24`, 'dev', `v${net}`]);
      await run('ip', ['-n', srv, 'link', 'set', `v${net}`, 'up']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await run('ip', ['-n', ns, 'route', 'add', '255.255.255.255', 'dev', 'eth0']);
    }
    // netifd's view of the two interfaces, which dhcp_add asks for each dhcp section; wan is not up here.
    const networks = { lan: { ifname: 'vlan', subnet: `${LAN}/24` }, guest: { ifname: 'vguest', subnet: `${GUEST}/24` } };
    // The dhcp script (journeys) is not what this test is about: dnsmasq runs without it.
    const lines = translateDhcp(readFileSync(join(router, 'etc/config/dhcp'), 'utf8'), (p) => join(router, p), false, networks).filter((l) => !/^(dhcp-script=|script-arp)/.test(l));
    expect(lines).toEqual(expect.arrayContaining([`dhcp-range=set:lan,10.97.0.100,10.97.0.249,255.255.255.0,12h`, `dhcp-range=set:guest,10.97.1.100,10.97.1.149,255.255.255.0,1h`]));
    dnsmasq = await Dnsmasq.start(
      (cmd, args) => ['ip', ['netns', 'exec', srv, cmd, ...args]],
      dir,
      'dnsmasq',
      ['port=0', 'interface=vlan', 'interface=vguest', 'bind-interfaces', `dhcp-leasefile=${join(dir, 'leases')}`, 'no-ping', 'log-dhcp', ...lines],
    );
  }, 60_000);

  afterAll(async () => {
    await dnsmasq?.stop();
    for (const ns of [...Object.values(clients), srv]) await run('ip', ['netns', 'del', ns], { allowFail: true });
    for (const d of [dir, router]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('a lan client gets the boot loader, then the menu once it runs iPXE', async () => {
    expect(await lease('lan', { arch: 7 })).toMatchObject({ server: LAN, file: 'snponly.efi' });
    expect(await lease('lan', { arch: 0 })).toMatchObject({ file: 'undionly.kpxe' });
    expect(await lease('lan', { arch: 7, ipxe: true })).toMatchObject({ file: 'netboot/menu.ipxe' });
  });

  it('a client on the guest network, which is not in netboot.main.interfaces, gets an address and no boot file', async () => {
    for (const pc of [{ arch: 7 }, { arch: 0 }, { arch: 7, ipxe: true }, { arch: 16, http: true }]) {
      const l = await lease('guest', pc);
      expect(l.ip).toMatch(/^10\.97\.1\./);
      expect(l.file, JSON.stringify(pc)).toBe('');
      expect(l.vendor).toBeUndefined();
    }
  });

  it('an HTTP Boot client (EDK2, arch 16) gets the loader as a URL under boot_url and option 60 HTTPClient', async () => {
    expect(await lease('lan', { arch: 16, http: true })).toMatchObject({ file: `${BOOT_URL}snponly.efi`, vendor: 'HTTPClient' });
    expect(await lease('lan', { arch: 19, http: true })).toMatchObject({ file: `${BOOT_URL}arm64/snponly.efi`, vendor: 'HTTPClient' });
    // A PXE client gets no HTTPClient (its firmware would take the offer for an HTTP one).
    expect((await lease('lan', { arch: 7 })).vendor).toBeUndefined();
  });

  it('iPXE started by HTTP Boot (it reports arch 7, or 16) gets the menu, not the loader again', async () => {
    expect(await lease('lan', { arch: 7, ipxe: true, http: true })).toMatchObject({ file: 'netboot/menu.ipxe' });
    const l = await lease('lan', { arch: 16, ipxe: true, http: true });
    expect(l.file).toBe('netboot/menu.ipxe');
    expect(l.vendor).toBeUndefined();
  });
});
