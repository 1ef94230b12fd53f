// The `netboot` ubus object's methods (src/daemon/server.ts) called directly,
// with a scripted app: argument checks, error codes, log lines, and one apply
// at a time. Then the bundle's daemon process: which of its lines go to
// stdout and which to stderr.

import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journeys } from '../src/daemon/journeys';
import { NetbootService, type DaemonApp } from '../src/daemon/server';
import type { BlobmsgInputTable, BlobmsgTable, InvokeContext } from '../src/ubus';
import { BUNDLE } from './helpers/bundle';
import { until } from './helpers/owrt';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const MAC = '52:54:00:12:34:56';

function setup(app: Partial<DaemonApp> = {}, leases: Record<string, string> = {}) {
  const lines: string[] = [];
  const journeys = new Journeys();
  const full: DaemonApp = {
    status: async () => ({ valid: true, maybe: undefined }),
    validate: async () => ({ valid: true, errors: [], warnings: [] }),
    plan: async () => ({ valid: true, files: [] }),
    apply: async () => ({ ok: true, message: 'nothing to change' }),
    preview: async (mac) => ({ mac, host: null, path: 'netboot/menu.ipxe', script: '#!ipxe\n' }),
    check: async () => ({ ok: true, checks: [] }),
    tftpRoot: () => '/srv/tftp',
    ...app,
  };
  // Errors are marked, to tell them from the lines procd logs at daemon.info.
  const log = { info: (l: string) => lines.push(l), error: (l: string) => lines.push(`error: ${l}`) };
  const service = new NetbootService({ app: full, journeys, leaseMac: (ip) => leases[ip], log, now: () => T0 });
  const methods = service.methods();
  const call = async (method: string, args: BlobmsgTable = {}) => {
    const ctx: InvokeContext = { object: 'netboot', method, peer: 1 };
    return (await methods[method]!.handler(args, ctx)) as BlobmsgInputTable | undefined;
  };
  return { lines, journeys, service, call };
}

describe('netboot ubus methods', () => {
  it('returns the app’s reports as JSON', async () => {
    const { call } = setup();
    expect(await call('status')).toEqual({ valid: true });
    expect(await call('validate')).toEqual({ valid: true, errors: [], warnings: [] });
    expect(await call('check')).toEqual({ ok: true, checks: [] });
  });

  it('logs one line per journey step', async () => {
    const { call, lines } = setup();
    await call('event', { source: 'dhcp', action: 'add', mac: MAC, ip: '10.0.0.5', vendorclass: 'PXEClient:Arch:00000:UNDI:002001' });
    await call('event', { source: 'tftp', action: 'add', ip: '10.0.0.5', path: '/srv/tftp/netboot/menu.ipxe', size: '900' });
    await call('event', { source: 'dhcp', action: 'add', mac: '52:54:00:00:00:09', ip: '10.0.0.9', vendorclass: 'android-dhcp-13' });
    await call('event', { source: 'tftp', action: 'add', ip: '10.0.0.77', path: '/srv/tftp/netboot/menu.ipxe' });
    expect(lines).toEqual([
      `netboot: ${MAC} 10.0.0.5 dhcp pxe bios (PXEClient:Arch:00000:UNDI:002001)`,
      `netboot: ${MAC} 10.0.0.5 fetched netboot/menu.ipxe`,
      'netboot: 10.0.0.77 fetched netboot/menu.ipxe (no DHCP lease seen for 10.0.0.77)',
    ]);
  });

  it('finds an unknown address in the lease file', async () => {
    const { call, lines } = setup({}, { '10.0.0.8': MAC });
    await call('event', { source: 'tftp', action: 'add', ip: '10.0.0.8', path: '/srv/tftp/undionly.kpxe' });
    expect(lines).toEqual([`netboot: ${MAC} 10.0.0.8 fetched undionly.kpxe`]);
    expect(await call('clients')).toMatchObject({ clients: [{ mac: MAC, ip: '10.0.0.8', arch: 'bios', firmware: 'pxe' }] });
  });

  it('answers a malformed event with INVALID_ARGUMENT and keeps going', async () => {
    const { call, lines, journeys } = setup();
    await expect(call('event', { source: 'dhcp', action: 'add', mac: 'nope', ip: '10.0.0.5' })).rejects.toMatchObject({ statusName: 'INVALID_ARGUMENT' });
    await expect(call('event', { source: 'tftp', action: 'add', ip: '10.0.0.5', path: { a: 1 } })).rejects.toMatchObject({ statusName: 'INVALID_ARGUMENT' });
    expect(lines).toEqual(['error: netboot: event rejected: mac "nope" is not a MAC address like 52:54:00:12:34:56', 'error: netboot: event rejected: path must be a string']);
    expect(journeys.size.clients).toBe(0);
  });

  it('takes DHCPv6 lease events quietly: no journey, no error', async () => {
    // dnsmasq's DHCPv6 lease as its script gets it: `add DUID IPv6 [HOSTNAME]`
    // (man dnsmasq, --dhcp-script: "the MAC address of the host (or DUID for
    // IPv6)"); OpenWrt 24.10's dhcp-script.sh hands them on as MACADDR/IPADDR.
    const { call, lines, journeys } = setup();
    const duid = '00:04:9c:7e:44:f1:1b:64:4d:1e:a3:8e:4f:24:58:a0:0d:b1';
    for (const action of ['add', 'update', 'remove']) {
      expect(await call('event', { source: 'dhcp', action, mac: duid, ip: 'fd4e:1a2b:3c4d::1f3', hostname: 'desk' })).toBeUndefined();
    }
    expect(lines).toEqual([]);
    expect(journeys.size).toEqual({ clients: 0, ips: 0, otherLeases: 0 });
  });

  it('checks preview’s and clients’ mac', async () => {
    const { call } = setup();
    expect(await call('preview', { mac: '52-54-00-12-34-56' })).toMatchObject({ mac: MAC, path: 'netboot/menu.ipxe' });
    await expect(call('preview', {})).rejects.toMatchObject({ statusName: 'INVALID_ARGUMENT' });
    await expect(call('clients', { mac: 5 })).rejects.toMatchObject({ statusName: 'INVALID_ARGUMENT' });
    await call('event', { source: 'tftp', action: 'add', ip: '10.0.0.5', mac: MAC, path: '/srv/tftp/netboot/menu.ipxe' });
    await call('event', { source: 'tftp', action: 'add', ip: '10.0.0.6', mac: '52:54:00:00:00:06', path: '/srv/tftp/netboot/menu.ipxe' });
    expect(((await call('clients')) as { clients: unknown[] }).clients).toHaveLength(2);
    expect(await call('clients', { mac: MAC.toUpperCase() })).toMatchObject({ clients: [{ mac: MAC }] });
  });

  it('runs one apply at a time and logs each outcome', async () => {
    let running = 0;
    let most = 0;
    let n = 0;
    const { call, lines } = setup({
      apply: async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        n++;
        if (n === 2) throw new Error('dnsmasq did not come back');
        return { ok: n === 1, message: `run ${n}` };
      },
    });
    const results = await Promise.allSettled([call('apply'), call('apply'), call('apply')]);
    expect(most).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { statusName: 'UNKNOWN_ERROR' } });
    expect(lines).toEqual(['netboot: apply ok: run 1', 'error: netboot: apply failed: dnsmasq did not come back', 'error: netboot: apply failed: run 3']);
  });
});

describe('the daemon process under procd', () => {
  // procd logs an instance's stdout at daemon.info and its stderr at daemon.err
  // (openwrt/procd service/instance.c @2c1834ab: instance_stdout → LOG_INFO,
  // instance_stderr → LOG_ERR), and the init script sets both.
  it('writes errors to stderr and everything else to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-daemon-log-'));
    try {
      cpSync(join(__dirname, '../example/router/etc'), join(dir, 'etc'), { recursive: true });
      // No ubusd on this socket: registering fails, and says so on stderr.
      const proc = spawn(process.execPath, [BUNDLE, '--root', dir, 'daemon', '--ubus-socket', join(dir, 'no-ubusd.sock')], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { stdout: '', stderr: '' };
      proc.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      await until('an apply and a failed registration', () => (/apply ok/.test(out.stdout) && /cannot register/.test(out.stderr) ? true : undefined), 20_000);
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out.stdout).toMatch(/^netboot: daemon started \(pid \d+\)\nnetboot: apply ok: [^\n]+\nnetboot: daemon stopped\n$/);
      expect(out.stderr).toMatch(/^netboot: cannot register on ubus \([^\n]+\); retrying\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
