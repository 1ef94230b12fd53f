// Next-boot tasks: the config options (src/config/load.ts), what the render
// makes of a task (run in the iPXE simulator, test/helpers/ipxe-sim.ts), what
// its beacon means for the config (src/tasks/meaning.ts), and apply clearing
// it from the spool on a router folder.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyBeacons } from '../src/app/beacons';
import { RouterRoot } from '../src/fs/root';
import { RpcdStore } from '../src/store/rpcd';
import { UbusClient } from '../src/ubus';
import { renderFiles, taskBeacon } from '../src/ipxe/render';
import { SPOOL } from '../src/journeys/spool';
import { taskMeaning } from '../src/tasks/meaning';
import { parseUci } from '../src/uci';
import { makeRoot, netboot } from './helpers/bundle';
import { BASE, load, model, withOption } from './helpers/config';
import { simulate } from './helpers/ipxe-sim';
import { OWRT_PREFIX, OWRT_SKIP, startUserland } from './helpers/owrt';

const MAC = '52:54:00:00:00:01'; // BASE's pc1: action boot, target disk1
const SINCE = 1764633600;
const task = (action: string, installer: string | null = null, text = BASE) =>
  withOption('pc1', 'next_since', String(SINCE), withOption('pc1', 'next_installer', installer, withOption('pc1', 'next_action', action, text)));
const errors = (text: string) => load(text).errors.map((e) => `${e.where}: ${e.message}`);

describe('task options', () => {
  it('loads a task and the last one', () => {
    const h = model(withOption('pc1', 'last_time', '1764600000', withOption('pc1', 'last_action', 'menu', task('install', 'deb')))).hosts[0]!;
    expect(h.task).toEqual({ action: 'install', installer: 'deb', since: SINCE });
    expect(h.lastTask).toEqual({ action: 'menu', time: 1764600000 });
    expect(load(task('install', 'deb')).warnings).toEqual([]);
  });

  it.each([
    ['an unknown action', withOption('pc1', 'next_action', 'wipe'), 'netboot.pc1.next_action: "wipe" is not allowed; use one of menu, boot, install'],
    ['an unknown installer', task('install', 'nope'), 'netboot.pc1.next_installer: "nope" is not an installer; use one of: deb'],
    ['install with no installer', task('install'), 'netboot.pc1.next_installer: missing; next_action "install" needs next_installer, the installer to run'],
    ['an installer with another action', task('boot', 'deb'), 'netboot.pc1.next_installer: "deb" goes with next_action "install", not "boot"; delete next_installer or set next_action install'],
    ['an installer with no action', withOption('pc1', 'next_installer', 'deb'), 'netboot.pc1.next_installer: "deb" goes with next_action "install", which is not set; set it, or delete next_installer'],
    ['a since that is no time', withOption('pc1', 'next_since', 'soon', task('menu')), 'netboot.pc1.next_since: "soon" is not allowed; use unix seconds: a whole number from 0 to 4294967295'],
    ['boot with no target', withOption('pc1', 'target', null, withOption('pc1', 'action', 'menu', task('boot'))), 'netboot.pc1.target: missing; next_action "boot" needs a target to boot'],
  ])('refuses %s, naming the option', (_, text, message) => {
    expect(errors(text)).toEqual([message]);
  });

  it('refuses an installer the target does not offer', () => {
    const text = `${task('install', 'deb')}\nconfig installer 'other'\n\toption kind 'chain'\n\toption url 'http://x/y.ipxe'\n`;
    expect(errors(withOption('disk1', 'installer', 'other', text))).toEqual(['netboot.pc1.next_installer: "deb" is not offered by target disk1; its installers are: other']);
  });
});

describe('a task in the scripts', () => {
  it('install: the next boot hooks the disk and starts the installer with no key, and fetches the task beacon first', () => {
    const files = renderFiles(model(task('install', 'deb')));
    expect(files.get(taskBeacon(MAC, SINCE))).toMatch(/^#!ipxe\n/);
    const r = simulate(files, { mac: MAC });
    expect(r.end).toBe('boot');
    expect(r.menus).toEqual([]);
    expect(r.fetched.slice(-2)).toEqual(['netboot/beacon/install/disk1/deb.ipxe', `netboot/beacon/task/52-54-00-00-00-01/${SINCE}.ipxe`]);
    expect(r.effects[0]).toMatch(/^sanhook --drive 0x80 iscsi:/);
    expect(r.effects[1]).toContain('/debian/amd64/linux');
  });

  it('menu: the next boot shows the menu and reports the task as it does', () => {
    const r = simulate(renderFiles(model(task('menu'))), { mac: MAC, choices: ['nb-exit'] });
    expect(r.menus.map((m) => m.title)).toEqual(['netboot: choose the iSCSI target (52:54:00:00:00:01, amd64 pcbios)']);
    expect(r.fetched).toContain(`netboot/beacon/task/52-54-00-00-00-01/${SINCE}.ipxe`);
  });

  it('boot on an install host: sanboots its disk; without a task the host does its own action and fetches no task beacon', () => {
    const install = withOption('pc1', 'installer', 'deb', withOption('pc1', 'action', 'install'));
    const r = simulate(renderFiles(model(task('boot', null, install))), { mac: MAC });
    expect(r.end).toBe('boot');
    expect(r.effects).toEqual([expect.stringMatching(/^sanboot --drive 0x80 iscsi:/)]);
    expect(r.fetched.at(-1)).toBe(`netboot/beacon/task/52-54-00-00-00-01/${SINCE}.ipxe`);
    const own = simulate(renderFiles(model(install)), { mac: MAC });
    expect(own.effects[0]).toMatch(/^sanhook/);
    expect(own.fetched.some((f) => f.includes('/task/'))).toBe(false);
    expect([...renderFiles(model(install)).keys()].some((f) => f.includes('/task/'))).toBe(false);
  });
});

describe('a failed boot', () => {
  it('fetches the failure beacon, so the journey and hosts show it', () => {
    const r = simulate(renderFiles(model()), { mac: MAC, failing: ['sanboot'], prompts: ['key'], choices: ['nb-exit'] });
    expect(r.fetched).toEqual(expect.arrayContaining(['netboot/beacon/boot/disk1.ipxe', 'netboot/beacon/failed.ipxe']));
  });
});

describe("what a task's beacon means", () => {
  const pkg = (text: string) => parseUci(text, 'netboot');
  const beacon = (mac: string, path: string, time = SINCE * 1000 + 5000) => ({ mac, path, time });

  it('clears the task and records it when the beacon named after the host and the task came from the host', () => {
    const r = taskMeaning({ beacons: [beacon(MAC, `netboot/beacon/task/52-54-00-00-00-01/${SINCE}.ipxe`)], netboot: pkg(task('install', 'deb')), now: Date.now() });
    expect(r.edit.options).toEqual({
      pc1: { next_action: undefined, next_installer: undefined, next_since: undefined, last_action: 'install', last_installer: 'deb', last_time: String(SINCE + 5) },
    });
    expect(r.notes).toEqual([`host pc1 started its task (install deb) at ${new Date((SINCE + 5) * 1000).toISOString()}; the task is cleared`]);
  });

  it("leaves a task whose beacon did not come: another MAC's fetch, an earlier task's beacon, a host that never booted", () => {
    const p = `netboot/beacon/task/52-54-00-00-00-01/${SINCE}.ipxe`;
    for (const beacons of [[beacon('52:54:00:00:00:02', p)], [beacon(MAC, `netboot/beacon/task/52-54-00-00-00-01/${SINCE - 100}.ipxe`)], [beacon(MAC, 'netboot/beacon/boot/disk1.ipxe')], []]) {
      expect(taskMeaning({ beacons, netboot: pkg(task('menu')), now: Date.now() }).edit.options).toEqual({});
    }
  });

  it('stamps a task set by hand (no next_since) with the time, so only beacons from now on count', () => {
    const text = withOption('pc1', 'next_action', 'menu');
    expect(taskMeaning({ beacons: [], netboot: pkg(text), now: 1764633600_123 }).edit.options).toEqual({ pc1: { next_since: '1764633600' } });
  });
});

describe('apply clears a started task from the spool', () => {
  it('reads the beacon the host fetched, writes the config, and renders the host back to its own action', () => {
    const root = makeRoot({ netboot: task('install', 'deb') });
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
    const host = join(root, 'srv/tftp/netboot/hosts/52-54-00-00-00-01.ipxe');
    expect(readFileSync(host, 'utf8')).toContain('set nb-action install\n');
    const t = SINCE + 30;
    spoolTaskStart(root, t);
    const r = netboot(['--root', root, 'apply']);
    expect(r.stdout).toBe(`netboot: host pc1 started its task (install deb) at ${new Date(t * 1000 + 200).toISOString()}; the task is cleared. applied: 2 file change(s), 0 dhcp change(s)\n`);
    const config = readFileSync(join(root, 'etc/config/netboot'), 'utf8');
    expect(config).toContain(`\toption action 'boot'\n\toption last_action 'install'\n\toption last_installer 'deb'\n\toption last_time '${t}'\n`);
    expect(config).not.toContain('next_');
    expect(readFileSync(host, 'utf8')).toContain('set nb-action boot\n');
    // The beacon stays in the spool; the next apply has nothing left to do.
    expect(netboot(['--root', root, 'apply']).stdout).toBe('netboot: everything is already up to date; nothing was changed\n');
  });
});

/** The spool lines dnsmasq's script writes for pc1's lease and its fetch of the task's beacon, at unix second `t`. */
function spoolTaskStart(root: string, t: number): void {
  mkdirSync(join(root, SPOOL, '..'), { recursive: true });
  writeFileSync(
    join(root, `${SPOOL}.0`),
    [
      { time: `${t}.1`, source: 'dhcp', action: 'add', mac: MAC, ip: '10.0.0.5', hostname: '', vendorclass: 'PXEClient:Arch:00000:UNDI:002001', tags: '', userclass: ['iPXE'] },
      { time: `${t}.2`, source: 'tftp', action: 'add', size: '60', ip: '10.0.0.5', path: `/srv/tftp/netboot/beacon/task/52-54-00-00-00-01/${SINCE}.ipxe` },
    ]
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
  );
}

describe.skipIf(!OWRT_PREFIX)(`the beacons' edit through the real rpcd${OWRT_PREFIX ? '' : ` (${OWRT_SKIP})`}`, () => {
  it("clears the task in netboot's own session and commits nothing a person has staged in theirs", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-tasks-rpcd-'));
    const config = join(dir, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'netboot'), task('menu'));
    const land = await startUserland(config);
    const ubus = await UbusClient.connect({ path: land.socket });
    try {
      // A LuCI user's change, staged in their session and not yet applied.
      const { ubus_rpc_session: theirs } = (await ubus.call('session', 'create', { timeout: 60 })) as { ubus_rpc_session: string };
      await ubus.call('session', 'grant', { ubus_rpc_session: theirs, scope: 'uci', objects: [['netboot', 'read'], ['netboot', 'write']] });
      await ubus.call('uci', 'set', { ubus_rpc_session: theirs, config: 'netboot', section: 'main', values: { menu_timeout: '9' } });
      const router = join(dir, 'router');
      spoolTaskStart(router, SINCE + 30);
      const notes = await applyBeacons(new RouterRoot(router), new RpcdStore(ubus), '/srv/tftp');
      expect(notes).toEqual([expect.stringMatching(/^host pc1 started its task \(menu\) at /)]);
      const text = readFileSync(join(config, 'netboot'), 'utf8');
      expect(text).toContain(`\toption last_action 'menu'\n\toption last_time '${SINCE + 30}'\n`);
      expect(text).not.toMatch(/next_|last_installer|menu_timeout '9'/);
      const staged = (await ubus.call('uci', 'get', { ubus_rpc_session: theirs, config: 'netboot', section: 'main', option: 'menu_timeout' })) as { value: string };
      expect(staged.value).toBe('9');
    } finally {
      ubus.close();
      land.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
