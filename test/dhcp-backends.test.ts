// The dhcp backends against OpenWrt's real rpcd and uci: netboot's own rpcd
// session commits only netboot's changes; the uci command commits what else is
// pending too (the documented caveat).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredDhcp } from '../src/dhcp/desired';
import { editFromPlan, undoFromPlan } from '../src/dhcp/edit';
import { planDhcp } from '../src/dhcp/plan';
import { UbusDhcpBackend } from '../src/dhcp/ubus-backend';
import { UciCliDhcpBackend } from '../src/dhcp/uci-cli-backend';
import { UbusClient } from '../src/ubus';
import { parseUci, type UciPackage } from '../src/uci';
import { applyConfig } from '../src/app/apply';
import { RouterRoot } from '../src/fs/root';
import { readTree } from '../src/fs/tree';
import { makeRoot } from './helpers/bundle';
import { BASE, model } from './helpers/config';
import { OWRT_PREFIX, OWRT_SKIP, startUserland, until, type Userland } from './helpers/owrt';
import { runQjsAsync } from './helpers/qjs';

const DHCP = readFileSync(resolve(__dirname, 'fixtures/dhcp/openwrt-24.10'), 'utf8');
const sections = (p: UciPackage | undefined) => (p?.sections ?? []).map((s) => [s.type, s.anonymous ? '' : s.name, Object.fromEntries(s.options)]);

describe.skipIf(!OWRT_PREFIX)(`dhcp through rpcd with netboot's own session${OWRT_SKIP ? ` (${OWRT_SKIP})` : ''}`, () => {
  let land: Userland;
  let ubus: UbusClient;
  beforeAll(async () => {
    const config = mkdtempSync(join(tmpdir(), 'netboot-config-'));
    writeFileSync(join(config, 'dhcp'), DHCP);
    land = await startUserland(config);
    ubus = await UbusClient.connect({ path: land.socket });
  }, 20000);
  afterAll(() => {
    ubus?.close();
    land?.stop();
  });

  it("applies netboot's sections and leaves a LuCI user's pending change pending", async () => {
    // Someone edits in LuCI: a change staged in their own rpcd session, not yet applied.
    const { ubus_rpc_session: luci } = (await ubus.call('session', 'create', { timeout: 300 })) as { ubus_rpc_session: string };
    await ubus.call('session', 'grant', { ubus_rpc_session: luci, scope: 'uci', objects: [['dhcp', 'read'], ['dhcp', 'write']] });
    await ubus.call('uci', 'set', { ubus_rpc_session: luci, config: 'dhcp', section: 'lan', values: { leasetime: '1h' } });

    const backend = new UbusDhcpBackend(await UbusClient.connect({ path: land.socket }));
    const before = await backend.read();
    expect(sections(before)).toEqual(sections(parseUci(DHCP, 'dhcp')));
    const plan = planDhcp(desiredDhcp(model()), before);
    await backend.write(editFromPlan(plan));
    const file = parseUci(readFileSync(join(land.configDir, 'dhcp'), 'utf8'), 'dhcp');
    expect(file.sections.filter((s) => s.name.startsWith('netboot_')).map((s) => s.name).sort()).toEqual(plan.sections.map((c) => c.name).sort());
    expect(file.sections.filter((s) => s.type === 'boot').pop()!.name).toBe('netboot_boot_ipxe');
    expect(file.sections.find((s) => s.type === 'dnsmasq')!.options.get('tftp_root')).toBe('/srv/tftp');
    expect(file.sections.find((s) => s.name === 'lan')!.options.get('leasetime')).toBe('12h');
    // Their change is still theirs, pending.
    const pending = (await ubus.call('uci', 'changes', { ubus_rpc_session: luci, config: 'dhcp' })) as { changes: string[][] };
    expect(pending.changes).toEqual([['set', 'lan', 'leasetime', '1h']]);

    // Nothing to do the second time; undoing gives the original sections back.
    expect(planDhcp(desiredDhcp(model()), await backend.read()).sections).toEqual([]);
    await backend.write(undoFromPlan(plan));
    expect(sections(await backend.read())).toEqual(sections(parseUci(DHCP, 'dhcp')));
    backend.close();
  });
});

describe.skipIf(!OWRT_PREFIX)(`dhcp through rpcd under quickjs: the ubus command, the same session calls${OWRT_SKIP ? ` (${OWRT_SKIP})` : ''}`, () => {
  let land: Userland;
  let ubus: UbusClient;
  let probe: string;
  beforeAll(async () => {
    const config = mkdtempSync(join(tmpdir(), 'netboot-config-'));
    writeFileSync(join(config, 'dhcp'), DHCP);
    land = await startUserland(config);
    ubus = await UbusClient.connect({ path: land.socket });
    probe = join(mkdtempSync(join(tmpdir(), 'netboot-probe-')), 'dhcp-probe.js');
    await build({ entryPoints: [resolve(__dirname, 'helpers/dhcp-probe.ts')], outfile: probe, bundle: true, platform: 'node', format: 'iife', target: 'node18', logLevel: 'warning' });
  }, 30000);
  afterAll(() => {
    ubus?.close();
    land?.stop();
  });
  const UBUS = () => join(OWRT_PREFIX!, 'bin/ubus');
  // The ubus command on PATH, as /bin/ubus is on a router.
  const qjsProbe = (socket: string) => runQjsAsync(probe, [socket], { env: { ...process.env, PATH: `${join(OWRT_PREFIX!, 'bin')}:${process.env.PATH}` } });

  it("picks the ubus command, applies and undoes netboot's sections through `ubus -S call`, leaving a LuCI user's pending change pending", async () => {
    const { ubus_rpc_session: luci } = (await ubus.call('session', 'create', { timeout: 300 })) as { ubus_rpc_session: string };
    await ubus.call('session', 'grant', { ubus_rpc_session: luci, scope: 'uci', objects: [['dhcp', 'read'], ['dhcp', 'write']] });
    await ubus.call('uci', 'set', { ubus_rpc_session: luci, config: 'dhcp', section: 'lan', values: { leasetime: '1h' } });

    const r = await qjsProbe(land.socket);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.error).toBeUndefined();
    expect(out.backend).toBe('rpcd uci session');
    expect(out.before).toEqual(sections(parseUci(DHCP, 'dhcp')));
    const plan = planDhcp(desiredDhcp(model()), parseUci(DHCP, 'dhcp'));
    const after = out.after as [string, string, Record<string, unknown>][];
    expect(after.filter(([, name]) => name.startsWith('netboot_')).map(([, name]) => name).sort()).toEqual(plan.sections.map((c) => c.name).sort());
    expect(after.find(([type]) => type === 'dnsmasq')![2].tftp_root).toBe('/srv/tftp');
    expect(after.find(([, name]) => name === 'lan')![2].leasetime).toBe('12h');
    expect(out.again).toBe(0);
    expect(out.undone).toEqual(sections(parseUci(DHCP, 'dhcp')));
    // The file on disk is back too, and the LuCI user's change is still theirs, pending.
    expect(sections(parseUci(readFileSync(join(land.configDir, 'dhcp'), 'utf8'), 'dhcp'))).toEqual(sections(parseUci(DHCP, 'dhcp')));
    const pending = (await ubus.call('uci', 'changes', { ubus_rpc_session: luci, config: 'dhcp' })) as { changes: string[][] };
    expect(pending.changes).toEqual([['set', 'lan', 'leasetime', '1h']]);
    // netboot's own sessions are gone (destroyed after each write): beside rpcd's built-in
    // unauthenticated session (all zeros, rpcd session.c), `session list` has LuCI's alone.
    const list = execFileSync(UBUS(), ['-s', land.socket, '-S', 'call', 'session', 'list'], { encoding: 'utf8' }).trim().split('\n');
    expect(list.map((l) => (JSON.parse(l) as { ubus_rpc_session: string }).ubus_rpc_session).filter((sid) => !/^0+$/.test(sid))).toEqual([luci]);
  }, 60000);

  it("says which call failed and why, in ubus's words, when ubusd is not there", async () => {
    const r = await qjsProbe(join(tmpdir(), 'no-such-ubus.sock'));
    expect(JSON.parse(r.stdout)).toEqual({ backend: 'rpcd uci session', error: 'ubus call uci get failed: Connection failed (10)' });
  }, 30000);
});

describe.skipIf(!OWRT_PREFIX)(`dhcp through the uci command${OWRT_SKIP ? ` (${OWRT_SKIP})` : ''}`, () => {
  it('applies and undoes; and, as documented, also commits what others left pending', async () => {
    const config = mkdtempSync(join(tmpdir(), 'netboot-config-'));
    const saves = mkdtempSync(join(tmpdir(), 'netboot-uci-saves-'));
    writeFileSync(join(config, 'dhcp'), DHCP);
    const uci = [join(OWRT_PREFIX!, 'bin/uci'), '-c', config, '-t', saves];
    execFileSync(uci[0], [...uci.slice(1), 'set', 'dhcp.lan.leasetime=1h']);
    const backend = new UciCliDhcpBackend(uci);
    const plan = planDhcp(desiredDhcp(model()), await backend.read());
    await backend.write(editFromPlan(plan));
    const file = parseUci(readFileSync(join(config, 'dhcp'), 'utf8'), 'dhcp');
    expect(file.sections.filter((s) => s.type === 'boot').pop()!.name).toBe('netboot_boot_ipxe');
    expect(file.sections.find((s) => s.name === 'lan')!.options.get('leasetime')).toBe('1h');
    await backend.write(undoFromPlan(plan));
    const back = parseUci(readFileSync(join(config, 'dhcp'), 'utf8'), 'dhcp');
    expect(back.sections.filter((s) => s.name.startsWith('netboot_'))).toEqual([]);
    expect(back.sections.find((s) => s.type === 'dnsmasq')!.options.has('tftp_root')).toBe(false);
  });
});

describe.skipIf(!OWRT_PREFIX)(`apply through rpcd when dnsmasq cannot be reloaded${OWRT_SKIP ? ` (${OWRT_SKIP})` : ''}`, () => {
  it('puts dhcp back through the same session and the files back on disk, and says why', async () => {
    const config = mkdtempSync(join(tmpdir(), 'netboot-config-'));
    writeFileSync(join(config, 'dhcp'), DHCP);
    const land = await startUserland(config);
    try {
      const root = new RouterRoot(makeRoot({ netboot: BASE }));
      // No procd, and no /etc/init.d/dnsmasq for rpcd's `rc` or netboot to run: the reload fails.
      const ctx = { root, dhcp: async () => new UbusDhcpBackend(await UbusClient.connect({ path: land.socket })) };
      const r = await applyConfig(ctx);
      expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/^apply failed while reloading dnsmasq: .*; the previous files and dhcp settings were restored$/) });
      expect(readFileSync(join(config, 'dhcp'), 'utf8')).not.toContain('netboot_');
      expect(readTree(join(root.dir, 'srv/tftp'))).toEqual(new Map());
    } finally {
      land.stop();
    }
  });
});

const HAS_PROCD = !!OWRT_PREFIX && existsSync(join(OWRT_PREFIX, 'sbin/procd'));
describe.skipIf(!HAS_PROCD)(`apply through rpcd with procd's reload trigger${HAS_PROCD ? '' : ' (skipped: needs OWRT_PREFIX with sbin/procd built from openwrt/procd too)'}`, () => {
  it('reloads dnsmasq once: the trigger that rpcd’s commit fires, and no second reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-procd-'));
    const config = join(dir, 'config');
    const initd = join(dir, 'init.d');
    const log = join(dir, 'dnsmasq.log');
    execFileSync('mkdir', [config, initd]);
    writeFileSync(join(config, 'dhcp'), DHCP);
    // Stands in for OpenWrt's /etc/init.d/dnsmasq: says which action it ran.
    // rpcd's `rc` runs only root-owned scripts that others cannot write.
    writeFileSync(join(initd, 'dnsmasq'), `#!/bin/sh\necho "$1" >> ${log}\n`, { mode: 0o755 });
    const land = await startUserland(config, { initd, procd: true });
    const ubus = (...args: string[]) => execFileSync(join(OWRT_PREFIX!, 'bin/ubus'), ['-s', land.socket, ...args], { encoding: 'utf8' });
    try {
      // What dnsmasq's start_service leaves in procd on OpenWrt 24.10: an
      // instance, and the triggers of `procd_add_reload_trigger "dhcp"
      // "system"` as procd.sh builds them (openwrt/openwrt
      // package/system/procd/files/procd.sh @03eca6c5: _procd_add_config_trigger,
      // PROCD_RELOAD_DELAY=1000), sent with the ubus CLI as procd.sh sends it.
      const reload = (pkg: string) => ['config.change', ['if', ['eq', 'package', pkg], ['run_script', '/etc/init.d/dnsmasq', 'reload']], 1000];
      ubus('call', 'service', 'set', JSON.stringify({
        name: 'dnsmasq',
        script: '/etc/init.d/dnsmasq',
        instances: { cfg01411c: { command: ['/bin/sleep', '600'] } },
        triggers: [reload('dhcp'), reload('system')],
      }));
      const root = new RouterRoot(makeRoot({ netboot: BASE }));
      const r = await applyConfig({ root, dhcp: async () => new UbusDhcpBackend(await UbusClient.connect({ path: land.socket })) });
      expect(r).toMatchObject({ ok: true, reloaded: true });
      expect(readFileSync(join(config, 'dhcp'), 'utf8')).toContain('netboot_');
      // procd itself runs `dnsmasq running` when it starts the instance.
      const reloads = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((a) => a === 'reload').length : 0);
      // The reload ran before apply judged dnsmasq...
      expect(reloads()).toBe(1);
      // ...and no other follows once procd's delay has passed again.
      await new Promise((r) => setTimeout(r, 1500));
      expect(reloads()).toBe(1);
    } finally {
      // procd stops the instance; it would outlive procd otherwise.
      ubus('call', 'service', 'delete', JSON.stringify({ name: 'dnsmasq' }));
      await until('the instance to stop', () => (JSON.parse(ubus('call', 'service', 'list')).dnsmasq ? undefined : true));
      land.stop();
    }
  });
});
