// Wake-on-LAN (issue 13.2): the magic packet, where it goes, and that it
// arrives. The sending is tested for real where root is available: a router
// network namespace and a "PC" namespace joined by a veth pair, the PC side
// with no IP address (as a powered-off PC), where a packet socket
// (test/helpers/frame-sniffer.py) sees what the PC's network card would. Under
// node 20 and node 18 the bundle sends a UDP broadcast from the router's lan
// address; under QuickJS (no sockets) it runs the router's etherwake (Debian's
// etherwake 1.09, the same source OpenWrt's package builds:
// openwrt/packages net/etherwake/Makefile, PKG_SOURCE etherwake_1.09.orig.tar.gz).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUci } from '../src/uci';
import { interfaceSubnet } from '../src/wol/network';
import { magicPacket } from '../src/wol/packet';
import { BUNDLE, makeRoot, netboot, NODES, pluginCall } from './helpers/bundle';
import { BASE, withOption } from './helpers/config';
import { QJS_CLI, runQjs } from './helpers/qjs';

const NETWORK_2410 = readFileSync(resolve(__dirname, 'fixtures/uci/network-24.10'), 'utf8');
const network = (text: string) => parseUci(text, 'network');
const lan = (options: string) => network(`config interface 'lan'\n${options}`);
/** BASE's pc1, and a host known by its hostname only. */
const PC1 = '52:54:00:00:00:01';
const CONFIG = `${BASE}\nconfig host\n\toption mac '52:54:00:00:00:02'\n\toption hostname 'desk2'\n`;

/** CONFIG serving a second interface, which /etc/config/network gives an address this machine does not have. */
const TWO_INTERFACES = CONFIG.replace("config netboot 'main'\n", "config netboot 'main'\n\tlist interfaces 'lan'\n\tlist interfaces 'guest'\n");
const GUEST = "\nconfig interface 'guest'\n\toption device 'br-guest'\n\toption proto 'static'\n\toption ipaddr '192.168.9.1'\n\toption netmask '255.255.255.0'\n";

/** The 102 bytes as AMD's Magic Packet format defines them, written out independently of src/wol. */
const expectedPayload = (mac: string) => 'ff'.repeat(6) + mac.replaceAll(':', '').repeat(16);

describe('the magic packet', () => {
  it('is six 0xff bytes and the MAC sixteen times: 102 bytes', () => {
    const p = magicPacket('52:54:00:ab:cd:ef');
    expect(p.length).toBe(102);
    expect(Buffer.from(p).toString('hex')).toBe(expectedPayload('52:54:00:ab:cd:ef'));
  });

  it('refuses what is not six bytes', () => {
    expect(() => magicPacket('52:54:00:ab:cd')).toThrow('not a MAC address');
    expect(() => magicPacket('52:54:00:ab:cd:zz')).toThrow('not a MAC address');
  });
});

describe("the interface's device and broadcast address from /etc/config/network", () => {
  it("OpenWrt 24.10's default lan: br-lan, 192.168.1.255", () => {
    expect(interfaceSubnet(network(NETWORK_2410), 'lan')).toEqual({ iface: 'lan', device: 'br-lan', address: '192.168.1.1', prefix: 24, broadcast: '192.168.1.255' });
  });

  it('a CIDR ipaddr (a list, as LuCI may write it) and other prefixes', () => {
    expect(interfaceSubnet(lan("\toption device 'br-lan'\n\toption proto 'static'\n\tlist ipaddr '10.1.2.3/20'\n\tlist ipaddr '10.9.9.9/24'\n"), 'lan')).toMatchObject({ address: '10.1.2.3', broadcast: '10.1.15.255' });
    expect(interfaceSubnet(lan("\toption device 'eth0'\n\toption proto 'static'\n\toption ipaddr '172.16.5.1'\n\toption netmask '255.255.0.0'\n"), 'lan')).toMatchObject({ device: 'eth0', broadcast: '172.16.255.255' });
  });

  it('a 19.07-style bridge has the device br-IFACE', () => {
    expect(interfaceSubnet(lan("\toption type 'bridge'\n\toption ifname 'eth0.1'\n\toption proto 'static'\n\toption ipaddr '192.168.8.1'\n\toption netmask '255.255.255.0'\n"), 'lan')).toMatchObject({ device: 'br-lan' });
  });

  it.each([
    [undefined, '/etc/config/network is missing'],
    [network("config interface 'wan'\n\toption device 'wan'\n"), 'there is no interface "lan" in /etc/config/network'],
    [lan("\toption device 'br-lan'\n\toption proto 'dhcp'\n"), 'network.lan has no static IPv4 address (proto "dhcp")'],
    [lan("\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n"), 'network.lan.device is not set'],
    [lan("\toption device 'br-lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.300'\n\toption netmask '255.255.255.0'\n"), 'network.lan.ipaddr "192.168.1.300" is not an IPv4 address'],
    [lan("\toption device 'br-lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\toption netmask '255.0.255.0'\n"), 'network.lan.netmask "255.0.255.0" is not a netmask like 255.255.255.0'],
    [lan("\toption device 'br-lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1/33'\n"), 'network.lan.ipaddr "192.168.1.1/33" has a bad prefix length'],
  ])('%#: says what is missing or wrong: %s', (pkg, said) => {
    expect(interfaceSubnet(pkg, 'lan')).toContain(said);
  });
});

describe('netboot wake: refusals, on the CLI and through the rpcd plugin', () => {
  let root: string;
  beforeAll(() => {
    root = makeRoot({ netboot: CONFIG, network: NETWORK_2410 });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['nosuch', 'netboot: no host "nosuch" in /etc/config/netboot (hosts: pc1, @host[1]); give a host\'s section name or hostname, or a MAC address like 52:54:00:12:34:56\n'],
    ['01:00:5e:00:00:01', 'netboot: "01:00:5e:00:00:01" is not allowed; use a unicast MAC address (the first byte must be even); this one is multicast\n'],
    ['52:54:00:00:01', 'netboot: "52:54:00:00:01" is not allowed; use a MAC address like 52:54:00:12:34:56\n'],
  ])('%s', (who, said) => {
    const r = netboot(['--root', root, 'wake', who]);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', said]);
    expect(pluginCall(root, 'wake', { host: who })).toEqual({ ok: false, message: said.slice('netboot: '.length, -1) });
  });

  it('a host is found by its section name, its hostname or its MAC, and the packet goes to the lan', () => {
    // Not this machine's address: the send is refused by the kernel, after the host and the interface were found.
    for (const who of ['pc1', PC1, '52-54-00-00-00-01']) {
      expect(netboot(['--root', root, 'wake', who]).stderr).toBe(`netboot: cannot wake pc1 (${PC1}): network.lan.ipaddr 192.168.1.1 is not an address of this machine\n`);
    }
    expect(netboot(['--root', root, 'wake', 'desk2']).stderr).toContain('cannot wake @host[1] (52:54:00:00:00:02)');
    expect(netboot(['--root', root, 'wake', '52:54:00:99:99:99']).stderr).toContain('cannot wake 52:54:00:99:99:99: network.lan.ipaddr');
  });

  it('on each interface netboot serves: when none can send, each says why', () => {
    const two = makeRoot({ netboot: TWO_INTERFACES, network: NETWORK_2410 });
    try {
      expect(netboot(['--root', two, 'wake', 'pc1']).stderr).toBe(
        `netboot: cannot wake pc1 (${PC1}): network.lan.ipaddr 192.168.1.1 is not an address of this machine; there is no interface "guest" in /etc/config/network\n`,
      );
    } finally {
      rmSync(two, { recursive: true, force: true });
    }
  });

  it('usage: a host or MAC is needed, and only one', () => {
    expect(netboot(['--root', root, 'wake']).stderr).toBe('netboot: wake needs a host or a MAC address\nTry "netboot --help".\n');
    expect(netboot(['--root', root, 'wake', 'a', 'b']).status).toBe(2);
    expect(pluginCall(root, 'wake', {})).toBe("host must be a host's name or a MAC address");
  });

  it('an invalid config or a missing network config: said, nothing sent', () => {
    const bad = makeRoot({ netboot: withOption('disk1', 'lun', 'x'), network: NETWORK_2410 });
    const bare = makeRoot({ netboot: CONFIG });
    try {
      expect(netboot(['--root', bad, 'wake', 'pc1']).stderr).toBe('netboot: the config has errors; run "netboot validate"\n');
      expect(netboot(['--root', bare, 'wake', 'pc1']).stderr).toBe(
        `netboot: cannot wake pc1 (${PC1}): /etc/config/network is missing, so the address of interface "lan" is unknown\n`,
      );
    } finally {
      for (const d of [bad, bare]) rmSync(d, { recursive: true, force: true });
    }
  });

  it('under qjs with no etherwake on the router: names the package to install', () => {
    const empty = mkdtempSync(join(tmpdir(), 'netboot-nopath-'));
    try {
      const r = runQjs(BUNDLE, ['--root', root, 'wake', 'pc1'], { env: { ...process.env, PATH: empty } });
      expect([r.status, r.stderr]).toEqual([
        1,
        `netboot: cannot wake pc1 (${PC1}): this router has no etherwake command: under qjs netboot sends the magic packet with it; install the package etherwake (apk add etherwake, or opkg install etherwake)\n`,
      ]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

const SNIFFER = resolve(__dirname, 'helpers/frame-sniffer.py');
const ETHERWAKE = spawnSync('sh', ['-c', 'command -v etherwake'], { encoding: 'utf8' }).stdout.trim();
const missing = [
  process.getuid?.() !== 0 && 'root (network namespaces, packet sockets)',
  spawnSync('ip', ['-V']).status !== 0 && 'iproute2',
  spawnSync('python3', ['-c', 'import socket']).status !== 0 && 'python3 (the frame sniffer)',
  !ETHERWAKE && 'etherwake (apt-get install etherwake)',
].filter(Boolean);

describe.skipIf(missing.length)(`the packet reaches the PC's network card${missing.length ? ` (skipped: needs ${missing.join(', ')})` : ''}`, () => {
  const id = process.pid;
  const routerNs = `nbw-r-${id}`;
  const pcNs = `nbw-pc-${id}`;
  const ROUTER_MAC = '02:00:00:77:00:01';
  let root: string;
  const ip = (...args: string[]) => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  };

  beforeAll(() => {
    for (const ns of [routerNs, pcNs]) ip('netns', 'add', ns);
    ip('-n', routerNs, 'link', 'add', 'br-lan', 'address', ROUTER_MAC, 'type', 'veth', 'peer', 'name', 'nic', 'netns', pcNs);
    ip('-n', routerNs, 'addr', 'add', '10.77.0.1/24', 'dev', 'br-lan');
    for (const [ns, dev] of [[routerNs, 'br-lan'], [pcNs, 'nic']]) ip('-n', ns, 'link', 'set', dev, 'up');
    const net = NETWORK_2410.replace("option ipaddr '192.168.1.1'", "option ipaddr '10.77.0.1'");
    root = makeRoot({ netboot: CONFIG, network: net });
  });

  afterAll(() => {
    for (const ns of [routerNs, pcNs]) spawnSync('ip', ['netns', 'del', ns]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Starts the sniffer on the PC's card, runs `send` in the router namespace, and returns the line the card saw. */
  async function seen(send: string[], env: NodeJS.ProcessEnv = process.env, input = '') {
    const sniffer = spawn('ip', ['netns', 'exec', pcNs, 'python3', SNIFFER, 'nic', '10'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: sniffer.stdout! })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('ready');
    const sent = spawnSync('ip', ['netns', 'exec', routerNs, ...send], { encoding: 'utf8', env: { ...env, NODE_OPTIONS: '' }, input });
    const frame = await lines.next();
    sniffer.kill();
    return { sent, frame: (frame.value as string | undefined)?.split(' ') };
  }

  it.each(NODES)('%s: a UDP broadcast from the lan address to its broadcast address, port 9, with the 102 bytes', async (_name, node) => {
    const { sent, frame } = await seen([node, BUNDLE, '--root', root, 'wake', 'pc1']);
    expect([sent.status, sent.stdout, sent.stderr]).toEqual([0, `netboot: sent the magic packet for pc1 (${PC1}) to 10.77.0.255 port 9 on lan (br-lan)\n`, '']);
    expect(frame).toEqual(['udp', 'ff:ff:ff:ff:ff:ff', '10.77.0.1', '10.77.0.255', '9', expectedPayload(PC1)]);
  });

  it('node: on each interface netboot serves; one that cannot send is said, the packet still goes out on the other', async () => {
    const two = makeRoot({ netboot: TWO_INTERFACES, network: readFileSync(join(root, 'etc/config/network'), 'utf8') + GUEST });
    try {
      const { sent, frame } = await seen([process.execPath, BUNDLE, '--root', two, 'wake', 'pc1']);
      expect([sent.status, sent.stdout]).toEqual([
        0,
        `netboot: sent the magic packet for pc1 (${PC1}) to 10.77.0.255 port 9 on lan (br-lan); not on the other interfaces: network.guest.ipaddr 192.168.9.1 is not an address of this machine\n`,
      ]);
      expect(frame).toEqual(['udp', 'ff:ff:ff:ff:ff:ff', '10.77.0.1', '10.77.0.255', '9', expectedPayload(PC1)]);
    } finally {
      rmSync(two, { recursive: true, force: true });
    }
  });

  it('node: through the rpcd plugin, a MAC no host has', async () => {
    const mac = '52:54:00:aa:bb:cc';
    const { sent, frame } = await seen([process.execPath, BUNDLE, '--root', root, 'rpcd', 'call', 'wake'], process.env, JSON.stringify({ host: mac }));
    expect(JSON.parse(sent.stdout)).toEqual({ ok: true, message: `sent the magic packet for ${mac} to 10.77.0.255 port 9 on lan (br-lan)` });
    expect(frame).toEqual(['udp', 'ff:ff:ff:ff:ff:ff', '10.77.0.1', '10.77.0.255', '9', expectedPayload(mac)]);
  });

  it("qjs: the router's etherwake sends an Ethernet broadcast, EtherType 0x0842, with the 102 bytes", async () => {
    const env = { ...process.env, PATH: `${dirname(ETHERWAKE)}:/usr/bin:/bin` };
    const { sent, frame } = await seen([process.execPath, '--liftoff-only', QJS_CLI, BUNDLE, '--root', root, 'wake', 'desk2'], env);
    expect([sent.status, sent.stdout, sent.stderr]).toEqual([0, 'netboot: sent the magic packet for @host[1] (52:54:00:00:00:02) with etherwake on lan (br-lan)\n', '']);
    expect(frame).toEqual(['ether', 'ff:ff:ff:ff:ff:ff', ROUTER_MAC, expectedPayload('52:54:00:00:00:02')]);
  }, 60_000);
});
