// One bundle, two engines (issue 11, docs/engines.md): dist/netboot.js runs
// every command under node 20, node 18 and QuickJS (the wasm harness of
// test/helpers/qjs-host.mjs standing in for OpenWrt 25.12's `qjs --std`), and
// each gives the same stdout, stderr and exit status, and leaves the same
// files, byte for byte and mode for mode. node's results are the reference
// the other suites check; here the engines must agree with it.
import { build } from 'esbuild';
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE, LUCI_SHAPED, withOption } from './helpers/config';
import { BUNDLE, DHCP_2410, NODES } from './helpers/bundle';
import { runQjsAsync, spawnAsync } from './helpers/qjs';

const EXAMPLE = resolve(__dirname, '../example/router/etc');
const DHCP = (name: string) => readFileSync(resolve(__dirname, 'fixtures/dhcp', name), 'utf8');

interface Outcome {
  status: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

type Engine = (args: string[], env: NodeJS.ProcessEnv, stdin?: string) => Promise<Outcome>;

const ENGINES: [string, Engine][] = [
  ...NODES.map(([name, node]): [string, Engine] => [name, (args, env, stdin) => spawnAsync(node, [BUNDLE, ...args], { env: { ...env, NODE_OPTIONS: '' }, stdin })]),
  ['qjs', (args, env, stdin) => runQjsAsync(BUNDLE, args, { env, stdin })],
];

/** A command, or a change made to the router between commands (the same for every engine). */
type Step = string[] | { args: string[]; env?: Record<string, string>; stdin?: string } | ((root: string) => void);

// Times differ from run to run (status prints the last apply's).
const timeless = (s: string) => s.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');

/** Every file, folder and link under `dir`, with its mode. */
function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = `${prefix}${name}`;
    const st = lstatSync(path);
    if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(path)}`;
    else if (st.isDirectory()) {
      out[`${rel}/`] = (st.mode & 0o7777).toString(8);
      Object.assign(out, tree(path, `${rel}/`));
    } else out[rel] = `${(st.mode & 0o7777).toString(8)} ${timeless(readFileSync(path, 'utf8'))}`;
  }
  return out;
}

/**
 * Runs the steps under each engine at once, each on a router folder of its
 * own set up alike; returns each engine's outcomes and tree, that folder's
 * name replaced by <root>.
 */
async function underEveryEngine(setup: Record<string, string>, steps: Step[]) {
  const runs = ENGINES.map(async ([name, run]) => {
    const root = mkdtempSync(join(tmpdir(), 'netboot-engines-'));
    const rooted = (s: string) => timeless(s).replaceAll(root, '<root>');
    for (const [path, text] of Object.entries(setup)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const outcomes = [];
    for (const step of steps) {
      if (typeof step === 'function') {
        step(root);
        continue;
      }
      const { args, env, stdin } = Array.isArray(step) ? { args: step } : step;
      const r = await run(['--root', root, ...args], { ...process.env, ...env }, stdin);
      outcomes.push({ args: args.join(' '), status: r.status, signal: r.signal ?? null, stdout: rooted(r.stdout), stderr: rooted(r.stderr) });
    }
    const files = Object.fromEntries(Object.entries(tree(root)).map(([k, v]) => [k, rooted(v)]));
    rmSync(root, { recursive: true, force: true });
    return [name, { outcomes, files }] as const;
  });
  return Object.fromEntries(await Promise.all(runs));
}

/** Each engine as node 20 did it; returns node 20's outcomes for the test's own checks. */
async function expectSame(setup: Record<string, string>, steps: Step[]) {
  const results = await underEveryEngine(setup, steps);
  const [reference, ...others] = Object.keys(results);
  for (const name of others) {
    results[name].outcomes.forEach((o, i) => expect(o, `${name}: netboot ${o.args}`).toEqual(results[reference].outcomes[i]));
    expect(results[name].files, `${name}: the files left`).toEqual(results[reference].files);
  }
  return results[reference];
}

const exampleSetup = (): Record<string, string> =>
  Object.fromEntries(['config/netboot', 'config/dhcp'].map((f) => [`etc/${f}`, readFileSync(join(EXAMPLE, f), 'utf8')]));

const INVALID = withOption('disk1', 'lun', 'one', withOption('pc2', 'mac', 'x', `${BASE}\nconfig host 'pc2'\n`));


describe('every command gives the same output, exit status and files under node 20, node 18 and qjs', () => {
  it('the example router: validate, plan, render, apply, status, preview, disable', async () => {
    const ref = await expectSame(exampleSetup(), [
      ['--version'],
      ['--help'],
      ['validate'],
      ['plan'],
      ['plan', '--json'],
      ['render'],
      ['render'],
      ['apply'],
      ['apply', '--json'],
      ['status'],
      ['status', '--json'],
      ['preview', '52:54:00:12:34:56'],
      ['preview', '01:00:5e:00:00:01'],
      ['disable'],
    ]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(ref.outcomes[6].stdout).toContain('is up to date');
    expect(ref.files['srv/tftp/netboot/']).toBe('755');
    expect(Object.keys(ref.files).filter((p) => p.includes('.netboot-tmp-'))).toEqual([]);
  }, 300_000);

  it('usage errors exit 2 with the same words', async () => {
    const ref = await expectSame({}, [[], ['frobnicate'], ['validate', '--bogus'], ['bootloaders', 'install']]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([2, 2, 2, 2]);
  }, 300_000);

  it('wake: a host or MAC refused, or no network config, said the same before anything is sent', async () => {
    const ref = await expectSame({ 'etc/config/netboot': BASE, 'etc/config/dhcp': DHCP_2410 }, [
      ['wake', 'nosuch'],
      ['wake', '01:00:5e:00:00:01'],
      ['wake', 'pc1', '--json'],
      ['wake'],
      { args: ['rpcd', 'call', 'wake'], stdin: '{"host":""}' },
    ]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([1, 1, 1, 2, 0]);
    expect(JSON.parse(ref.outcomes[2].stdout)).toEqual({ ok: false, message: 'cannot wake pc1 (52:54:00:00:00:01): /etc/config/network is missing, so the address of interface "lan" is unknown' });
  }, 300_000);

  it('an invalid config: every error named, exit 1, nothing written', async () => {
    const ref = await expectSame({ 'etc/config/netboot': INVALID, 'etc/config/dhcp': DHCP_2410 }, [
      ['validate'],
      ['validate', '--json'],
      ['render'],
      ['apply'],
    ]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([1, 1, 1, 1]);
    expect(ref.outcomes[0].stderr).toContain('error: netboot.disk1.lun: "one" is not allowed');
    expect(Object.keys(ref.files).some((p) => p.startsWith('srv/'))).toBe(false);
  }, 300_000);

  it('a UCI syntax error, then no config at all', async () => {
    const ref = await expectSame({ 'etc/config/netboot': "config netboot 'main'\n\toption enabled '1\n" }, [
      ['validate'],
      (root) => rmSync(join(root, 'etc/config/netboot')),
      ['status'],
    ]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([1, 1]);
    expect(ref.outcomes[1].stderr).toContain('etc/config/netboot does not exist');
  }, 300_000);

  it.each(['openwrt-23.05', 'user-boot'])('apply and disable on the %s dhcp config', async (name) => {
    const ref = await expectSame({ 'etc/config/netboot': BASE, 'etc/config/dhcp': DHCP(name) }, [['apply'], ['disable']]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([0, 0]);
    expect(ref.files['etc/config/dhcp']).toBe(`644 ${DHCP(name)}`);
  }, 300_000);

  it('LuCI-shaped anonymous sections, and a change that updates and removes files', async () => {
    const ref = await expectSame({ 'etc/config/netboot': LUCI_SHAPED, 'etc/config/dhcp': DHCP_2410 }, [
      ['apply'],
      ['preview', '52:54:00:12:34:58'],
      (root) => writeFileSync(join(root, 'etc/config/netboot'), withOption('disk1', 'title', 'Renamed', BASE)),
      ['apply'],
      ['status'],
    ]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([0, 0, 0, 0]);
    expect(ref.files['srv/tftp/netboot/hosts/52-54-00-12-34-58.ipxe']).toBeUndefined();
  }, 300_000);

  it('tasks: refused, set, started (its beacon in the spool), listed, set and cleared through the CLI and the rpcd plugin', async () => {
    const since = 1764590000;
    const config = (root: string) => join(root, 'etc/config/netboot');
    const ref = await expectSame(exampleSetup(), [
      ['task', 'desk', 'install', 'win10pe'],
      ['task', 'nobody', 'menu'],
      ['task', 'desk', 'menu', 'extra'],
      // Set by hand, as `uci set` would (the CLI stamps the time it runs at; the files must match here).
      (root) => {
        let text = readFileSync(config(root), 'utf8');
        for (const [o, v] of [['next_action', 'install'], ['next_installer', 'ubuntu1804'], ['next_since', String(since)]]) text = withOption('desk', o!, v!, text);
        writeFileSync(config(root), text);
      },
      ['apply'],
      ['hosts'],
      // The PC started it: the spool as dnsmasq's script leaves it, the beacon named after the task.
      (root) => {
        const spool = join(root, 'var/run/dnsmasq');
        mkdirSync(spool, { recursive: true });
        const line = (time: string, e: object) => `${JSON.stringify({ time, ...e })}\n`;
        writeFileSync(
          join(spool, 'netboot-events.0'),
          line('1764600000.5', { source: 'dhcp', action: 'add', mac: '52:54:00:12:34:56', ip: '192.168.1.50', hostname: 'desk', vendorclass: '', tags: 'netboot_ipxe', userclass: ['iPXE'] }) +
            line('1764600001', { source: 'tftp', action: 'add', ip: '192.168.1.50', path: '/srv/tftp/netboot/beacon/install/ubuntu1/ubuntu1804.ipxe', size: '60' }) +
            line('1764600001.5', { source: 'tftp', action: 'add', ip: '192.168.1.50', path: `/srv/tftp/netboot/beacon/task/52-54-00-12-34-56/${since}.ipxe`, size: '60' }),
        );
      },
      ['apply'],
      ['hosts'],
      ['hosts', '--json'],
      { args: ['rpcd', 'call', 'task'], stdin: '{"host":"gamer","action":"boot","installer":""}' },
      { args: ['rpcd', 'call', 'task'], stdin: '{"host":"gamer","action":"clear"}' },
      { args: ['rpcd', 'call', 'task'], stdin: '{"host":"52:54:00:AB:CD:EF","action":"menu"}' },
      { args: ['rpcd', 'call', 'task'], stdin: '{"host":"gamer","action":7}' },
      { args: ['rpcd', 'call', 'task'], stdin: '{"host":"gamer","action":"clear","installer":""}' },
      { args: ['rpcd', 'call', 'hosts'], stdin: '{}' },
      ['task', 'desk', 'install', 'ubuntu1804'],
      ['task', 'desk', 'clear'],
    ]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ref.outcomes[0].stderr).toBe('netboot: host desk: install win10pe is refused: netboot.desk.next_installer: "win10pe" is not offered by target ubuntu1; its installers are: ubuntu1804\n');
    expect(ref.outcomes[1].stderr).toBe('netboot: no host "nobody"; use a host section\'s name or MAC: desk, gamer\n');
    expect(ref.outcomes[4].stdout).toBe('host desk: 52:54:00:12:34:56 -> boot ubuntu1; task install ubuntu1804 (set <time>); not seen\nhost gamer: 52:54:00:ab:cd:ef -> menu win10; not seen\n');
    expect(ref.outcomes[5].stdout).toBe('netboot: host desk started its task (install ubuntu1804) at <time>; the task is cleared. applied: 2 file change(s), 0 dhcp change(s)\n');
    expect(ref.outcomes[6].stdout).toMatch(/^host desk: 52:54:00:12:34:56 -> boot ubuntu1; last task install ubuntu1804 at <time>; seen <time> at 192\.168\.1\.50, install: chose install ubuntu1804 on ubuntu1\n/);
    expect(JSON.parse(ref.outcomes[7].stdout).hosts[0]).toEqual({
      name: 'desk',
      mac: '52:54:00:12:34:56',
      target: 'ubuntu1',
      action: 'boot',
      task: null,
      last_task: { action: 'install', installer: 'ubuntu1804', time: 1764600001 },
      last_seen: 1764600001,
      ip: '192.168.1.50',
      stage: 'install',
      stage_detail: 'chose install ubuntu1804 on ubuntu1',
      stage_time: 1764600001,
    });
    expect(JSON.parse(ref.outcomes[8].stdout)).toEqual({ ok: true, message: 'host gamer: boot on its next network boot; applied: 2 file change(s), 0 dhcp change(s)' });
    expect(JSON.parse(ref.outcomes[9].stdout)).toEqual({ ok: true, message: 'host gamer: task cleared; applied: 2 file change(s), 0 dhcp change(s)' });
    expect(JSON.parse(ref.outcomes[10].stdout)).toEqual({ ok: true, message: 'host gamer: menu on its next network boot; applied: 2 file change(s), 0 dhcp change(s)' });
    expect(JSON.parse(ref.outcomes[11].stdout)).toBe('action must be a string');
    expect(JSON.parse(ref.outcomes[13].stdout).hosts.map((h: { task: unknown }) => h.task)).toEqual([null, null]);
    expect(ref.files['etc/config/netboot']).not.toContain('next_');
  }, 300_000);

  it('the rpcd plugin, called as rpcd calls it: list, then methods with JSON on stdin', async () => {
    const ref = await expectSame(exampleSetup(), [
      ['rpcd', 'list'],
      { args: ['rpcd', 'call', 'validate'], stdin: '{}' },
      { args: ['rpcd', 'call', 'apply'], stdin: '{"ubus_rpc_session":"0123"}' },
      { args: ['rpcd', 'call', 'status'], stdin: '{}' },
      { args: ['rpcd', 'call', 'preview'], stdin: '{"mac":"52:54:00:12:34:56"}' },
      { args: ['rpcd', 'call', 'preview'], stdin: '{"mac":"nope"}' },
      { args: ['rpcd', 'call', 'clients'], stdin: '{}' },
      // A spool as netboot's dnsmasq script leaves it: older file, current file cut short at its cap, the slot.
      (root) => {
        const spool = join(root, 'var/run/dnsmasq');
        mkdirSync(spool, { recursive: true });
        const line = (time: string, e: object) => `${JSON.stringify({ time, ...e })}\n`;
        const tftp = (time: string, path: string) => line(time, { source: 'tftp', action: 'add', ip: '192.168.1.50', path: `/srv/tftp/${path}`, size: '1' });
        writeFileSync(join(spool, 'netboot-events.1'), line('1764600000.000001', { source: 'dhcp', action: 'add', mac: '52:54:00:12:34:56', ip: '192.168.1.50', hostname: 'desk', vendorclass: 'PXEClient:Arch:00007:UNDI:003016', tags: '', userclass: [] }) + tftp('1764600001.25', 'snponly.efi'));
        writeFileSync(join(spool, 'netboot-events.0'), tftp('1764600002.5', 'netboot/menu.ipxe') + tftp('1764600003', 'netboot/beacon/boot/ubuntu1.ipxe') + '{"time":"17646');
        writeFileSync(join(spool, 'netboot-events.slot'), '0\n');
      },
      { args: ['rpcd', 'call', 'clients'], stdin: '{"mac":"52:54:00:12:34:56"}' },
    ]);
    expect(ref.outcomes.map((o) => o.status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Object.keys(JSON.parse(ref.outcomes[0].stdout))).toContain('status');
    expect(JSON.parse(ref.outcomes[2].stdout)).toMatchObject({ ok: true });
    expect(JSON.parse(ref.outcomes[5].stdout)).toMatch(/is not a MAC address/);
    expect(JSON.parse(ref.outcomes[7].stdout)).toMatchObject({
      clients: [{ mac: '52:54:00:12:34:56', arch: 'efi64', firmware: 'ipxe', files: ['snponly.efi', 'netboot/menu.ipxe', 'netboot/beacon/boot/ubuntu1.ipxe'], choice: { kind: 'boot', target: 'ubuntu1' } }],
    });
  }, 300_000);

  it('an apply killed midway is put back by the next one', async () => {
    const ref = await expectSame({ 'etc/config/netboot': BASE, 'etc/config/dhcp': DHCP_2410 }, [
      ['render'],
      (root) => writeFileSync(join(root, 'etc/config/netboot'), `${withOption('disk1', 'title', 'New', BASE)}\nconfig host 'pc9'\n\toption mac '52:54:00:00:00:09'\n`),
      { args: ['apply'], env: { NETBOOT_FAILPOINT: 'files#2' } },
      ['apply'],
    ]);
    expect(ref.outcomes[0].status).toBe(0);
    expect(ref.outcomes[1]).toMatchObject({ status: null, signal: 'SIGKILL' });
    expect(ref.outcomes[2].stdout + ref.outcomes[2].stderr).toContain('was interrupted');
  }, 300_000);
});

describe('writes under qjs: temp files, then one sync, then the renames, then one sync', () => {
  // quickjs-libc has no fsync: netboot runs `sync` (busybox's applet on the
  // router). A `sync` ahead on PATH logs what the TFTP folder holds each time
  // it is run, then runs the real one.
  const bin = mkdtempSync(join(tmpdir(), 'netboot-sync-'));
  writeFileSync(join(bin, 'sync'), '#!/bin/sh\n{ echo sync; cd "$WATCH" && find . -type f | sort; } >> "$SYNC_LOG"\nexec /bin/sync\n');
  chmodSync(join(bin, 'sync'), 0o755);

  const syncs = async (engine: Engine, root: string, args: string[]) => {
    const log = join(root, 'sync.log');
    writeFileSync(log, '');
    const r = await engine(['--root', root, ...args], { ...process.env, PATH: `${bin}:${process.env.PATH}`, WATCH: join(root, 'srv/tftp/netboot'), SYNC_LOG: log });
    expect(r.stderr).toBe('');
    return readFileSync(log, 'utf8').split('sync\n').slice(1).map((s) => s.split('\n').filter(Boolean));
  };

  it('render: every new file exists only as a temp at the first sync, and only under its name at the second', async () => {
    const root = mkdtempSync(join(tmpdir(), 'netboot-engines-'));
    mkdirSync(join(root, 'etc/config'), { recursive: true });
    writeFileSync(join(root, 'etc/config/netboot'), BASE);
    const [first, second, ...more] = await syncs(ENGINES[ENGINES.length - 1][1], root, ['render']);
    expect(more).toEqual([]);
    const names = ['./boot.ipxe.cfg', './hosts/52-54-00-00-00-01.ipxe', './menu.ipxe'];
    for (const n of names) {
      expect(first.filter((f) => f.startsWith(`${n.replace(/[^/]*$/, '')}.${n.split('/').pop()}.netboot-tmp-`))).toHaveLength(1);
      expect(first).not.toContain(n);
      expect(second).toContain(n);
    }
    expect(second.filter((f) => f.includes('.netboot-tmp-'))).toEqual([]);

    // A change to one host and one host gone: its removal is flushed by a third sync.
    writeFileSync(join(root, 'etc/config/netboot'), withOption('pc1', 'action', 'menu', `${BASE}\nconfig host 'pc2'\n\toption mac '52:54:00:00:00:02'\n`));
    expect(await syncs(ENGINES[ENGINES.length - 1][1], root, ['render'])).toHaveLength(2);
    writeFileSync(join(root, 'etc/config/netboot'), BASE);
    const [, afterRenames, afterRemoval] = await syncs(ENGINES[ENGINES.length - 1][1], root, ['render']);
    expect(afterRenames).toContain('./hosts/52-54-00-00-00-02.ipxe');
    expect(afterRemoval).not.toContain('./hosts/52-54-00-00-00-02.ipxe');
  }, 300_000);

  it('apply flushes in a few syncs, not one per file; node runs none (it fsyncs each file itself)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'netboot-engines-'));
    cpSync(EXAMPLE, join(root, 'etc'), { recursive: true });
    const qjs = await syncs(ENGINES[ENGINES.length - 1][1], root, ['apply']);
    // The journal (file, folder), the files (temps, folders), the dhcp file (file, folder).
    expect(qjs).toHaveLength(6);
    rmSync(root, { recursive: true });
    cpSync(EXAMPLE, join(root, 'etc'), { recursive: true });
    expect(await syncs(ENGINES[0][1], root, ['apply'])).toEqual([]);
  }, 300_000);
});

describe('the Platform interface answers alike under both engines', () => {
  it('files, errors, links, exec, clocks, argv, env and the exit status (test/helpers/platform-probe.ts)', async () => {
    const probe = join(mkdtempSync(join(tmpdir(), 'netboot-probe-')), 'probe.js');
    await build({ entryPoints: [resolve(__dirname, 'helpers/platform-probe.ts')], outfile: probe, bundle: true, platform: 'node', format: 'iife', target: 'node18', logLevel: 'warning' });
    const run = async (engine: 'node' | 'qjs') => {
      const dir = mkdtempSync(join(tmpdir(), 'netboot-probe-'));
      const env = { ...process.env, PROBE_VAR: 'v' };
      const args = [dir, 'a b', 'é'];
      const r = engine === 'qjs' ? await runQjsAsync(probe, args, { cwd: dir, env }) : await spawnAsync(process.execPath, [probe, ...args], { cwd: dir, env });
      return { status: r.status, stderr: r.stderr, result: JSON.parse(r.stdout.replaceAll(dir, 'DIR')) };
    };
    const [node, qjs] = await Promise.all([run('node'), run('qjs')]);
    expect(qjs).toEqual(node);
    expect(node).toMatchObject({ status: 5, stderr: 'to stderr\n' });
    expect(node.result).toMatchObject({
      argv: ['a b', 'é'],
      env: ['v', null],
      cwd: true,
      pid: true,
      deadPid: false,
      // a lone surrogate is written as U+FFFD, as node's Buffer.from does
      utf8: [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xef, 0xbf, 0xbd, 0x78, 0x0a],
      text: true,
      binary: [0, 255, 10, 128],
      big: { value: 200000 },
      truncated: 'short',
      stat: [['file', '600', 5], ['dir', '755', -1], ['link', '777', -1], null],
      readdir: ['a:dir', 'b.bin:file', 'big:file', 'link:link', 't.txt:file'],
      readlink: 't.txt',
      errors: {
        readMissing: { error: ['ENOENT', 'read DIR/missing: No such file or directory'] },
        readFolder: { error: ['EISDIR', 'read DIR/a: Is a directory'] },
        renameMissing: { error: ['ENOENT', 'rename DIR/missing to DIR/x: No such file or directory'] },
        removeMissing: { value: null },
        linkExists: { error: ['EEXIST', 'link DIR/link: File exists'] },
        writeIntoFile: { error: ['ENOTDIR', 'write DIR/t.txt/x: Not a directory'] },
        mkdirOverFile: { error: ['EEXIST', 'mkdir DIR/t.txt: File exists'] },
      },
      after: ['a', 'link', 't.txt'],
      flush: { value: null },
      exec: [
        { status: 3, stdout: 'in put\n', stderr: 'é\n' },
        { status: 0, stdout: 'empty stdin\n', stderr: '' },
        { status: 137, stdout: '', stderr: '' },
        { status: 127, stdout: '', stderr: '' },
        300000,
      ],
      execTemps: 0,
      slept: true,
    });
  }, 300_000);
});
