// The boot-journey state machine (src/journeys/journeys.ts) and the event
// checks in front of it (src/journeys/events.ts): pure, driven with payloads
// shaped like the JSON lines of netboot's dnsmasq script.

import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { InvalidEvent, ipVersion, MAX_PATH, MAX_TEXT, parseEvent } from '../src/journeys/events';
import { DEFAULT_LIMITS, journeyJson, Journeys, relativeToRoot, type JourneyLimits } from '../src/journeys/journeys';
import { macInLeases } from '../src/journeys/leases';
import { encodeBlobmsg, MAX_MESSAGE_BYTES, type BlobmsgTable } from '../src/ubus';

const MAC = '52:54:00:12:34:56';
const IP = '10.0.0.5';
const ROOT = '/srv/tftp';
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

const dhcp = (extra: BlobmsgTable = {}): BlobmsgTable => ({ source: 'dhcp', action: 'add', mac: MAC, ip: IP, ...extra });
const pxe = (arch = '00000', extra: BlobmsgTable = {}) => dhcp({ vendorclass: `PXEClient:Arch:${arch}:UNDI:002001`, ...extra });
const ipxe = (extra: BlobmsgTable = {}) => dhcp({ action: 'update', vendorclass: 'PXEClient:Arch:00000:UNDI:002001', userclass: ['iPXE'], ...extra });
const tftp = (path: string, extra: BlobmsgTable = {}): BlobmsgTable => ({ source: 'tftp', action: 'add', ip: IP, path: `${ROOT}/${path}`, size: '1024', ...extra });

/** Feeds payloads one second apart, as the spool would hold them. */
function feed(payloads: BlobmsgTable[], limits?: JourneyLimits): Journeys {
  const j = new Journeys(limits);
  payloads.forEach((p, i) => j.record(parseEvent(p), T0 + i * 1000, ROOT));
  return j;
}

const only = (j: Journeys) => {
  const list = j.list();
  expect(list).toHaveLength(1);
  return journeyJson(list[0]!);
};

describe('boot journeys', () => {
  it('follows a BIOS PC from PXE to sanboot, with a timestamp per step', () => {
    const j = feed([
      pxe('00000', { hostname: 'desk' }),
      tftp('undionly.kpxe'),
      ipxe(),
      tftp('netboot/menu.ipxe'),
      tftp('netboot/boot.ipxe.cfg'),
      tftp('netboot/hosts/52-54-00-12-34-56.ipxe'),
      tftp('netboot/beacon/boot/ubuntu1.ipxe'),
    ]);
    const c = only(j);
    expect(c).toMatchObject({
      mac: MAC,
      ip: IP,
      hostname: 'desk',
      arch: 'bios',
      firmware: 'ipxe',
      files: ['undionly.kpxe', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/hosts/52-54-00-12-34-56.ipxe', 'netboot/beacon/boot/ubuntu1.ipxe'],
      choice: { kind: 'boot', target: 'ubuntu1' },
      last_seen: '2025-01-01T12:00:06.000Z',
    });
    expect(c.choice).not.toHaveProperty('installer');
    expect(c.steps.map((s) => [s.time.slice(11, 19), s.step, s.detail])).toEqual([
      ['12:00:00', 'dhcp-pxe', 'dhcp pxe bios (PXEClient:Arch:00000:UNDI:002001)'],
      ['12:00:01', 'bootloader', 'fetched undionly.kpxe'],
      ['12:00:02', 'dhcp-ipxe', 'dhcp ipxe bios (PXEClient:Arch:00000:UNDI:002001)'],
      ['12:00:03', 'menu', 'fetched netboot/menu.ipxe'],
      ['12:00:04', 'config', 'fetched netboot/boot.ipxe.cfg'],
      ['12:00:05', 'host', 'fetched netboot/hosts/52-54-00-12-34-56.ipxe'],
      ['12:00:06', 'boot', 'chose boot ubuntu1'],
    ]);
  });

  it('names the installer and the target from the install beacon', () => {
    const j = feed([pxe('00007'), tftp('snponly.efi'), ipxe({ vendorclass: 'PXEClient:Arch:00007:UNDI:003016' }), tftp('netboot/menu.ipxe'), tftp('netboot/beacon/install/win1/win11.ipxe')]);
    expect(only(j)).toMatchObject({ arch: 'efi64', choice: { kind: 'install', target: 'win1', installer: 'win11' } });
    expect(only(j).steps.at(-1)!.detail).toBe('chose install win11 on win1');
  });

  it.each([
    ['00000', 'bios'],
    ['00006', 'efi32'],
    ['00007', 'efi64'],
    ['00009', 'efi64'],
    ['00011', 'arm64'],
    ['00002', null],
  ])('reads the architecture from option 60 (Arch:%s → %s)', (code, arch) => {
    expect(only(feed([pxe(code)])).arch).toBe(arch);
  });

  it.each([
    ['00016', 'efi64'],
    ['00019', 'arm64'],
  ])('reads UEFI HTTP Boot firmware from option 60 (HTTPClient:Arch:%s → %s)', (code, arch) => {
    expect(only(feed([dhcp({ vendorclass: `HTTPClient:Arch:${code}:UNDI:003000` })]))).toMatchObject({ arch, firmware: 'pxe' });
  });

  it('falls back on dnsmasq tags for architecture and iPXE', () => {
    const c = only(feed([dhcp({ tags: 'lan netboot_arm64 netboot_ipxe' })]));
    expect(c).toMatchObject({ arch: 'arm64', firmware: 'ipxe' });
    expect(only(feed([dhcp({ tags: ['netboot_efi64'] })]))).toMatchObject({ arch: 'efi64', firmware: 'pxe' });
  });

  it.each([
    ['undionly.kpxe', 'bios'],
    ['ipxe.pxe', 'bios'],
    ['snponly.efi', 'efi64'],
    ['ipxe.efi', 'efi64'],
    ['arm64/snponly.efi', 'arm64'],
  ])('without DHCP classes, infers the architecture from the bootloader %s', (file, arch) => {
    // A lease event without option 60/77 (dnsmasq passes them only sometimes): remembered, not yet a journey.
    const j = feed([dhcp({ hostname: 'pc' })]);
    expect(j.list()).toEqual([]);
    j.record(parseEvent(tftp(file)), T0, ROOT);
    expect(only(j)).toMatchObject({ arch, firmware: 'pxe', hostname: 'pc', steps: [{ step: 'bootloader' }] });
  });

  it('takes iPXE from a menu fetch when the lease had no user class', () => {
    const j = feed([pxe(), tftp('undionly.kpxe'), tftp('netboot/menu.ipxe')]);
    expect(only(j).firmware).toBe('ipxe');
  });

  it('ignores leases of clients that do not boot from the network, and TFTP from unknown addresses', () => {
    const j = new Journeys();
    expect(j.record(parseEvent(dhcp({ vendorclass: 'MSFT 5.0' })), T0, ROOT)).toEqual({ recorded: false, reason: 'not a network boot' });
    expect(j.record(parseEvent(tftp('netboot/menu.ipxe', { ip: '10.0.0.99' })), T0, ROOT)).toEqual({ recorded: false, reason: 'no DHCP lease seen for 10.0.0.99' });
    expect(j.list()).toEqual([]);
  });

  it('takes the mac from the event when the sender knows it', () => {
    const j = feed([tftp('netboot/menu.ipxe', { ip: '10.0.0.99', mac: 'AA-BB-CC-DD-EE-FF' })]);
    expect(only(j)).toMatchObject({ mac: 'aa:bb:cc:dd:ee:ff', ip: '10.0.0.99' });
  });

  it('records what the booted OS does with the same MAC, and the release', () => {
    const j = feed([pxe(), tftp('netboot/beacon/boot/t.ipxe'), dhcp({ action: 'update', hostname: 'ubuntu' }), dhcp({ action: 'remove' })]);
    const c = only(j);
    expect(c.steps.map((s) => s.step)).toEqual(['dhcp-pxe', 'boot', 'dhcp-other', 'dhcp-release']);
    expect(c).toMatchObject({ hostname: 'ubuntu', ip: null, choice: { kind: 'boot', target: 't' } });
    expect(j.macOf(IP)).toBeUndefined();
  });

  it('starts a new journey when the same PC boots again', () => {
    const first = [pxe(), tftp('undionly.kpxe'), ipxe(), tftp('netboot/beacon/boot/a.ipxe')];
    const again = feed([...first, pxe()]);
    expect(only(again)).toMatchObject({ files: [], choice: null, firmware: 'pxe', steps: [{ step: 'dhcp-pxe' }] });
    // A repeated PXE lease before anything happened is the same boot.
    expect(only(feed([pxe(), pxe()])).steps).toHaveLength(2);
    // dnsmasq may not report the second PXE lease: the bootloader fetch marks the new boot.
    expect(only(feed([...first, tftp('undionly.kpxe')])).steps.map((s) => s.step)).toEqual(['bootloader']);
  });

  it('maps an address to the PC that holds it now', () => {
    const other = '52:54:00:00:00:02';
    const j = feed([pxe(), pxe('00000', { mac: other }), tftp('netboot/menu.ipxe')]);
    expect(j.macOf(IP)).toBe(other);
    expect(j.list().map((c) => [c.mac, c.files])).toEqual([
      [other, ['netboot/menu.ipxe']],
      [MAC, []],
    ]);
    // Moving to another address frees the old one.
    j.record(parseEvent(ipxe({ mac: other, ip: '10.0.0.6' })), T0, ROOT);
    expect(j.macOf(IP)).toBeUndefined();
    expect(j.macOf('10.0.0.6')).toBe(other);
  });

  it('shows paths relative to the TFTP root', () => {
    expect(relativeToRoot('/srv/tftp/netboot/menu.ipxe', '/srv/tftp')).toBe('netboot/menu.ipxe');
    expect(relativeToRoot('/srv/tftp//netboot/../undionly.kpxe', '/srv/tftp/')).toBe('undionly.kpxe');
    expect(relativeToRoot('/elsewhere/file', '/srv/tftp')).toBe('elsewhere/file');
  });
});

describe('bounded memory', () => {
  const macOf = (i: number) => `52:54:00:${[i >> 16, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

  it('keeps the last N clients, M steps and M files each', () => {
    const j = new Journeys({ maxClients: 3, maxSteps: 4 });
    for (let i = 0; i < 10; i++) j.record(parseEvent(pxe('00000', { mac: macOf(i), ip: ipOf(i) })), T0 + i, ROOT);
    expect(j.list().map((c) => c.mac)).toEqual([macOf(9), macOf(8), macOf(7)]);
    expect(j.size).toEqual({ clients: 3, ips: 3, otherLeases: 0 });
    expect(j.macOf(ipOf(0))).toBeUndefined();
    for (let i = 0; i < 10; i++) j.record(parseEvent(tftp(`netboot/f${i}.ipxe`, { ip: ipOf(9) })), T0 + 100 + i, ROOT);
    const c = journeyJson(j.list()[0]!);
    expect(c.steps.map((s) => s.detail)).toEqual(['fetched netboot/f6.ipxe', 'fetched netboot/f7.ipxe', 'fetched netboot/f8.ipxe', 'fetched netboot/f9.ipxe']);
    expect(c.files).toEqual(['netboot/f6.ipxe', 'netboot/f7.ipxe', 'netboot/f8.ipxe', 'netboot/f9.ipxe']);
  });

  it('stays bounded over 100,000 events from 20,000 clients', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const j = new Journeys();
    const files = ['undionly.kpxe', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/beacon/boot/t1.ipxe', 'x/y.bin'];
    const run = (from: number, to: number) => {
      for (let n = from; n < to; n++) {
        const i = (n * 7919) % 20_000;
        const ev: BlobmsgTable =
          n % 5 === 0 ? pxe('00007', { mac: macOf(i), ip: ipOf(i), hostname: `pc${i}` }) : n % 5 === 1 ? dhcp({ mac: macOf(i + 50_000), ip: ipOf(i + 50_000) }) : tftp(files[n % files.length]!, { ip: ipOf(i) });
        j.record(parseEvent(ev), T0 + n, ROOT);
      }
    };
    run(0, 10_000);
    gc();
    const heap = process.memoryUsage().heapUsed;
    run(10_000, 100_000);
    gc();
    const grown = process.memoryUsage().heapUsed - heap;
    expect(j.size.clients).toBeLessThanOrEqual(DEFAULT_LIMITS.maxClients);
    expect(j.size.ips).toBeLessThanOrEqual(j.size.clients);
    expect(j.size.otherLeases).toBeLessThanOrEqual(DEFAULT_LIMITS.maxClients);
    for (const c of j.list()) expect(c.steps.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxSteps);
    expect(grown).toBeLessThan(2 * 1024 * 1024);
  });

  it('fits `clients` in one ubus message with every journey at its limits', () => {
    const j = new Journeys();
    const long = (c: string, n: number) => c.repeat(n);
    for (let i = 0; i < DEFAULT_LIMITS.maxClients; i++) {
      const ip = `fd00::${i.toString(16)}:ffff:ffff:ffff`;
      j.record(parseEvent(pxe('00007', { mac: macOf(i), ip, hostname: long('h', MAX_TEXT), vendorclass: `PXEClient:Arch:00007:${long('v', MAX_TEXT - 21)}` })), T0, ROOT);
      for (let s = 0; s < DEFAULT_LIMITS.maxSteps; s++) {
        const path = `/${s.toString().padStart(2, '0')}${long('p', MAX_PATH - 3)}`;
        j.record(parseEvent({ source: 'tftp', action: 'add', ip, path }), T0, ROOT);
      }
    }
    const bytes = encodeBlobmsg({ clients: j.list().map(journeyJson) }).length;
    expect(bytes).toBeLessThan(MAX_MESSAGE_BYTES);
  });
});

describe('event payloads', () => {
  it("accepts what netboot's dnsmasq script sends", () => {
    expect(parseEvent({ ...pxe(), hostname: 'a "b" \\c', userclass: ['iPXE'], tags: 'lan netboot_bios' })).toEqual({
      source: 'dhcp',
      action: 'add',
      mac: MAC,
      ip: IP,
      hostname: 'a "b" \\c',
      vendorclass: 'PXEClient:Arch:00000:UNDI:002001',
      userclass: ['iPXE'],
      tags: ['lan', 'netboot_bios'],
    });
    expect(parseEvent(tftp('undionly.kpxe', { size: '69632' }))).toEqual({ source: 'tftp', action: 'add', ip: IP, path: '/srv/tftp/undionly.kpxe', size: 69632, mac: null });
    expect(parseEvent({ ...tftp('a'), ip: 'fe80::1', size: 5, hostname: '' })).toMatchObject({ ip: 'fe80::1', size: 5 });
  });

  it.each<[string, BlobmsgTable, string]>([
    ['no source', { action: 'add' }, 'source must be "dhcp" or "tftp"'],
    ['an unknown source', { source: 'arp', action: 'add' }, 'source must be "dhcp" or "tftp"'],
    ['a dhcp action the script does not send', dhcp({ action: 'old' }), 'action "old" is not one of add, update, remove'],
    ['a tftp action other than add', tftp('a', { action: 'remove' }), 'action "remove" is not add'],
    ['no mac', dhcp({ mac: null }), 'mac is missing'],
    ['a token-ring mac', dhcp({ mac: '06-01:23:45:67:89:ab' }), 'is not a MAC address'],
    ['no ip', dhcp({ ip: '' }), 'ip is missing'],
    ['a bad ip', dhcp({ ip: '10.0.0.256' }), 'is not an IP address'],
    ['a number for a string', dhcp({ hostname: 5 }), 'hostname must be a string'],
    ['a table for a string', dhcp({ vendorclass: { a: 1 } }), 'vendorclass must be a string'],
    ['a newline (forged log lines)', dhcp({ hostname: 'a\nnetboot: apply ok' }), 'hostname contains control characters'],
    ['a long hostname', dhcp({ hostname: 'h'.repeat(MAX_TEXT + 1) }), `hostname is longer than ${MAX_TEXT} characters`],
    ['a long path', tftp('p'.repeat(MAX_PATH)), `path is longer than ${MAX_PATH} characters`],
    ['a userclass of numbers', dhcp({ userclass: [1] }), 'userclass[0] must be a string'],
    ['a userclass table', dhcp({ userclass: { a: 'b' } }), 'userclass must be a string or an array of strings'],
    ['too many tags', dhcp({ tags: Array(17).fill('t') }), 'tags has more than 16 entries'],
    ['a negative size', tftp('a', { size: -1 }), 'size must be a whole number of bytes'],
    ['a size in words', tftp('a', { size: 'big' }), 'size must be a whole number of bytes'],
    ['a fractional size', tftp('a', { size: 1.5 }), 'size must be a whole number of bytes'],
    ['no path', tftp('a', { path: null }), 'path is missing'],
  ])('refuses %s', (_, payload, message) => {
    expect(() => parseEvent(payload)).toThrow(InvalidEvent);
    expect(() => parseEvent(payload)).toThrow(message);
  });
});

describe('addresses', () => {
  it.each([
    ['10.0.0.5', 4],
    ['255.255.255.255', 4],
    ['fe80::1', 6],
    ['::', 6],
    ['2001:db8:0:0:0:0:0:1', 6],
    ['::ffff:10.0.0.5', 6],
    ['fd4e:1a2b:3c4d::1f3', 6],
    ['10.0.0.256', 0],
    ['10.0.0', 0],
    ['010.0.0.5', 0],
    ['1:2:3:4:5:6:7:8:9', 0],
    ['1::2::3', 0],
    ['::ffff:10.0.0.256', 0],
    ['g::1', 0],
    ['fe80::1%br-lan', 0],
    ['', 0],
  ])('%s is IPv%s (0: neither)', (text, v) => {
    expect(ipVersion(text)).toBe(v);
  });
});

describe('lease file', () => {
  it('finds the mac leasing an address', () => {
    const text = '1735732800 52:54:00:12:34:56 10.0.0.5 desk 01:52:54:00:12:34:56\n1735732800 1234 fd00::5 * 00:01:02\n';
    expect(macInLeases(text, '10.0.0.5')).toBe(MAC);
    expect(macInLeases(text, '10.0.0.6')).toBeUndefined();
    expect(macInLeases(text, 'fd00::5')).toBeUndefined();
  });
});
