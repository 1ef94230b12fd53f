// The `netboot` ubus object's methods (src/daemon/server.ts) called directly,
// with a scripted app: argument checks, error codes, log lines, and one apply
// at a time.

import { describe, expect, it } from 'vitest';
import { Journeys } from '../src/daemon/journeys';
import { NetbootService, type DaemonApp } from '../src/daemon/server';
import type { BlobmsgInputTable, BlobmsgTable, InvokeContext } from '../src/ubus';

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
  const service = new NetbootService({ app: full, journeys, leaseMac: (ip) => leases[ip], log: (l) => lines.push(l), now: () => T0 });
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
    expect(lines).toEqual(['netboot: event rejected: mac "nope" is not a MAC address like 52:54:00:12:34:56', 'netboot: event rejected: path must be a string']);
    expect(journeys.size.clients).toBe(0);
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
    expect(lines).toEqual(['netboot: apply ok: run 1', 'netboot: apply failed: dnsmasq did not come back', 'netboot: apply failed: run 3']);
  });
});
