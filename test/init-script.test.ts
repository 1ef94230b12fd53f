// files/etc/init.d/netboot under OpenWrt's own rc.common and procd.sh, with
// the real procd, rpcd and ubusd from OWRT_PREFIX in one mount namespace:
// `start` applies and registers a service with the reload trigger and no
// instance; rpcd's `uci commit netboot` (what LuCI's Save & Apply does) makes
// procd run `reload`, which applies again, and so does the `netboot.beacon`
// event dnsmasq's script raises; nothing of netboot keeps running.
//
// OpenWrt's shell side is read from OPENWRT_TREE, a checkout (or `git
// archive`) of openwrt/openwrt, never from this repo: package/base-files/
// files/etc/rc.common, lib/functions.sh, lib/functions/service.sh and
// package/system/procd/files/procd.sh, placed under IPKG_INSTROOT as they
// source each other (this test was written against v24.10.4). They run under
// busybox sh as /bin/sh, as on OpenWrt (jshn.sh needs it). The init script's
// one change: /usr/bin/netboot → the bundle on a router folder. Where its
// lines go in syslog is checked apart, with a `logger` that records them
// (under busybox sh, its own logger applet would win).

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE } from './helpers/bundle';
import { OWRT_PREFIX, startUserland, until, type Userland } from './helpers/owrt';

const TREE = process.env.OPENWRT_TREE;
const FROM_TREE: [string, string][] = [
  ['etc/rc.common', 'package/base-files/files/etc/rc.common'],
  ['lib/functions.sh', 'package/base-files/files/lib/functions.sh'],
  ['lib/functions/service.sh', 'package/base-files/files/lib/functions/service.sh'],
  ['lib/functions/procd.sh', 'package/system/procd/files/procd.sh'],
];
const missing = [
  !OWRT_PREFIX && 'OWRT_PREFIX (ubusd, rpcd, procd)',
  !TREE && 'OPENWRT_TREE (openwrt/openwrt: rc.common, functions.sh, service.sh, procd.sh)',
  TREE && FROM_TREE.some(([, p]) => !existsSync(join(TREE, p))) && `the four files in ${TREE}`,
  process.getuid?.() !== 0 && 'root (a mount namespace)',
  spawnSync('busybox', ['true']).status !== 0 && 'busybox',
].filter(Boolean);

describe.skipIf(missing.length)(`the init script under OpenWrt's rc.common and procd${missing.length ? ` (skipped: needs ${missing.join(', ')})` : ''}`, () => {
  let dir: string;
  let router: string;
  let land: Userland;
  let log: string;
  let env: Record<string, string>;
  const ubus = (...args: string[]) => execFileSync(join(OWRT_PREFIX!, 'bin/ubus'), ['-s', land.socket, ...args], { encoding: 'utf8' });
  const syslog = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  const lastApply = () => JSON.parse(readFileSync(join(router, 'var/run/netboot/last-apply.json'), 'utf8'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-init-'));
    router = join(dir, 'router');
    cpSync(join(__dirname, '../example/router'), router, { recursive: true });
    // IPKG_INSTROOT: OpenWrt's shell library where rc.common and procd.sh look for it.
    const inst = join(dir, 'instroot');
    for (const [to, from] of FROM_TREE) {
      mkdirSync(join(inst, to, '..'), { recursive: true });
      cpSync(join(TREE!, from), join(inst, to));
    }
    mkdirSync(join(inst, 'usr/share/libubox'), { recursive: true });
    cpSync(join(OWRT_PREFIX!, 'share/libubox/jshn.sh'), join(inst, 'usr/share/libubox/jshn.sh'));
    mkdirSync(join(inst, 'var/lock'), { recursive: true });
    // The commands the scripts run: ubus on this test's ubusd, logger, and jshn (OWRT_PREFIX).
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    log = join(dir, 'syslog');
    writeFileSync(join(bin, 'ubus'), `#!/bin/sh\nexec ${OWRT_PREFIX}/bin/ubus -s ${join(dir, 'ubus.sock.link')} "$@"\n`);
    // busybox logger's options: -t TAG -p PRIO; the message from stdin, a line each.
    writeFileSync(join(bin, 'logger'), `#!/bin/sh\nwhile getopts t:p: o; do case $o in t) tag=$OPTARG;; p) prio=$OPTARG;; esac; done\nwhile IFS= read -r line; do echo "$prio $tag: $line" >> ${log}; done\n`);
    for (const f of ['ubus', 'logger']) chmodSync(join(bin, f), 0o755);
    const initd = join(dir, 'init.d');
    mkdirSync(initd);
    const text = readFileSync(join(__dirname, '../files/etc/init.d/netboot'), 'utf8');
    expect(text.startsWith('#!/bin/sh /etc/rc.common\n')).toBe(true);
    expect(text.match(/\/usr\/bin\/netboot apply/g)).toHaveLength(1);
    writeFileSync(join(initd, 'netboot'), text.replace('/usr/bin/netboot apply', `${process.execPath} ${BUNDLE} --root ${router} apply`), { mode: 0o755 });
    env = { PATH: `${bin}:${OWRT_PREFIX}/bin:/usr/sbin:/usr/bin:/sbin:/bin`, IPKG_INSTROOT: inst };
    land = await startUserland(join(router, 'etc/config'), {
      initd,
      procd: true,
      procdEnv: env,
      etc: { 'rc.common': join(inst, 'etc/rc.common') },
      // OpenWrt's /bin/sh is busybox ash; only this namespace sees the change.
      setup: ['mount --bind /bin/busybox "$(readlink -f /bin/sh)"'],
    });
    execFileSync('ln', ['-s', land.socket, join(dir, 'ubus.sock.link')]);
  }, 60_000);

  afterAll(() => {
    land?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('start applies, and leaves procd a service with the reload trigger and no instance', async () => {
    // As a shell on the router runs it (procd's own boot does the same).
    const r = spawnSync('nsenter', ['-t', String(land.pid), '-m', '/etc/init.d/netboot', 'start'], { env, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(existsSync(join(router, 'srv/tftp/netboot/menu.ipxe'))).toBe(true);
    expect(lastApply()).toMatchObject({ ok: true, message: expect.stringMatching(/^applied: /) });
    const service = JSON.parse(ubus('call', 'service', 'list', JSON.stringify({ name: 'netboot', verbose: true }))).netboot;
    expect(service.instances ?? {}).toEqual({});
    expect(JSON.stringify(service.triggers)).toContain('"config.change",["if",["eq","package","netboot"],["run_script","/etc/init.d/netboot","reload"]]');
    expect(JSON.stringify(service.triggers)).toContain('["netboot.beacon",[["run_script","/etc/init.d/netboot","reload"]],1000]');
  });

  it("procd's netboot.beacon event, as dnsmasq's script raises it, makes procd reload netboot, and the reload applies", async () => {
    const before = lastApply().time;
    // The script's exact call (files/usr/share/netboot/dhcp-script.sh), by the real ubus command.
    const script = readFileSync(join(__dirname, '../files/usr/share/netboot/dhcp-script.sh'), 'utf8');
    const call = /ubus call service event '(\{[^']*\})' &/.exec(script);
    expect(call).not.toBeNull();
    expect(ubus('call', 'service', 'event', call![1]!)).toBe('');
    await until('the reload to apply', () => (lastApply().time !== before ? true : undefined), 20_000);
    expect(lastApply()).toMatchObject({ ok: true, message: 'everything is already up to date; nothing was changed' });
    // Any other event type runs nothing.
    const now = lastApply().time;
    ubus('call', 'service', 'event', JSON.stringify({ type: 'netboot.other', data: {} }));
    await new Promise((r) => setTimeout(r, 2000));
    expect(lastApply().time).toBe(now);
  }, 60_000);

  it('a uci commit of netboot through rpcd makes procd reload it, and the reload applies', async () => {
    const session = JSON.parse(ubus('call', 'session', 'create', '{"timeout":60}')).ubus_rpc_session;
    ubus('call', 'session', 'grant', JSON.stringify({ ubus_rpc_session: session, scope: 'uci', objects: [['netboot', 'read'], ['netboot', 'write']] }));
    ubus('call', 'uci', 'add', JSON.stringify({ ubus_rpc_session: session, config: 'netboot', type: 'host', name: 'newpc', values: { mac: '52:54:00:99:99:99', target: 'ubuntu1', action: 'boot' } }));
    ubus('call', 'uci', 'commit', JSON.stringify({ ubus_rpc_session: session, config: 'netboot' }));
    const before = lastApply().time;
    await until('the reload to apply', () => (lastApply().time !== before ? true : undefined), 20_000);
    expect(lastApply()).toMatchObject({ ok: true, message: 'applied: 1 file change(s), 0 dhcp change(s)' });
    expect(existsSync(join(router, 'srv/tftp/netboot/hosts/52-54-00-99-99-99.ipxe'))).toBe(true);
    const service = JSON.parse(ubus('call', 'service', 'list', JSON.stringify({ name: 'netboot' }))).netboot;
    expect(service.instances ?? {}).toEqual({});
  }, 60_000);

  it('netboot task on the router writes through rpcd and leaves the apply to the reload trigger, as LuCI does', async () => {
    const before = lastApply().time;
    // As a shell on the router runs it: root /, rpcd and procd on the bus, /etc/config the router's.
    const r = spawnSync('nsenter', ['-t', String(land.pid), '-m', process.execPath, BUNDLE, '--ubus-socket', land.socket, 'task', 'desk', 'menu'], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('netboot: host desk: menu on its next network boot; the netboot service applies it now\n');
    expect(readFileSync(join(router, 'etc/config/netboot'), 'utf8')).toMatch(/\toption next_action 'menu'\n\toption next_since '\d+'\n/);
    await until('the reload to apply', () => (lastApply().time !== before ? true : undefined), 20_000);
    expect(lastApply()).toMatchObject({ ok: true, message: 'applied: 2 file change(s), 0 dhcp change(s)' });
    expect(readFileSync(join(router, 'srv/tftp/netboot/hosts/52-54-00-12-34-56.ipxe'), 'utf8')).toContain('set nb-action menu\n');
  }, 60_000);

  it("logs apply's report at daemon.info and its errors at daemon.err", () => {
    // The init script sourced by a POSIX shell, its logger the recording one.
    const run = () => spawnSync('sh', ['-c', '. "$0"; netboot_apply', join(dir, 'init.d/netboot')], { env, encoding: 'utf8' });
    writeFileSync(log, '');
    expect(run().status).toBe(0);
    expect(syslog()).toBe('daemon.info netboot: netboot: everything is already up to date; nothing was changed\n');
    const config = join(router, 'etc/config/netboot');
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, `${good}\nconfig host 'bad'\n\toption mac 'x'\n`);
    writeFileSync(log, '');
    run();
    writeFileSync(config, good);
    expect(syslog().split('\n')).toEqual([
      'daemon.err netboot: error: netboot.bad.mac: "x" is not allowed; use a MAC address like 52:54:00:12:34:56',
      expect.stringMatching(/^daemon\.err netboot: netboot: \d+ errors? in the config; nothing was changed$/),
      '',
    ]);
  });
});
