// The ubus object `netboot` as rpcd's exec plugin
// (files/usr/libexec/rpcd/netboot → `netboot rpcd`), driven the way rpcd
// drives it and then by the real rpcd.
//
// rpcd's side, transcribed in our words from openwrt/rpcd 4476687 plugin.c:
// - rpc_plugin_register_exec / rpc_plugin_parse_exec: `PLUGIN list` with stdin
//   and stderr on /dev/null; json_tokener takes the first complete JSON value
//   of stdout; if it is an object, each member whose value is an object is a
//   method (rpc_plugin_parse_signature), and each member of that is an
//   argument whose blobmsg type is the sample's: string, bool, double, table,
//   array, or for an integer INT32 (the samples 8, 16, 64: INT8/16/64).
// - rpc_plugin_call: `PLUGIN call METHOD` with the arguments as JSON on stdin
//   (blobmsg_format_json), then EOF; rpc_plugin_call_finish_cb: the first
//   complete JSON value of stdout is the reply if it is an object, any other
//   value answers UBUS_STATUS_INVALID_ARGUMENT (2), none NO_DATA (5); the exit
//   status and stderr are not looked at.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, netboot } from './helpers/bundle';
import { OWRT_PREFIX, OWRT_SKIP, startUserland, type Userland } from './helpers/owrt';

const REPO = join(__dirname, '..');
const VIEWS = join(REPO, 'luci-app/htdocs/luci-static/resources/view/netboot');
const ACL = join(REPO, 'luci-app/root/usr/share/rpcd/acl.d/luci-app-netboot.json');
const MAC = '52:54:00:12:34:56';

type BlobType = 'string' | 'bool' | 'double' | 'table' | 'array' | 'int8' | 'int16' | 'int32' | 'int64' | 'unspec';

/** The first complete JSON value of `text`, as json_tokener_parse_ex finds it; undefined when there is none. */
function firstJson(text: string): { value: unknown } | undefined {
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  // Every prefix ending at a closing bracket or a value's end is tried, shortest first.
  for (let end = start + 1; end <= text.length; end++) {
    try {
      const value = JSON.parse(text.slice(start, end));
      // A number or literal could go on ("1" of "12"): json-c waits for a delimiter.
      if (typeof value === 'number' && end < text.length && /[\d.eE+-]/.test(text[end]!)) continue;
      return { value };
    } catch {
      // not complete yet
    }
  }
  return undefined;
}

function sampleType(v: unknown): BlobType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'unspec';
  if (typeof v === 'object') return 'table';
  if (Number.isInteger(v)) return ({ 8: 'int8', 16: 'int16', 64: 'int64' } as Record<number, BlobType>)[v as number] ?? 'int32';
  return 'double';
}

/** The methods and argument policies rpcd registers from `list`'s stdout. */
function rpcdMethods(stdout: string): Record<string, Record<string, BlobType>> | undefined {
  const first = firstJson(stdout);
  if (!first || typeof first.value !== 'object' || first.value === null || Array.isArray(first.value)) return undefined;
  const methods: Record<string, Record<string, BlobType>> = {};
  for (const [name, sig] of Object.entries(first.value)) {
    if (typeof sig !== 'object' || sig === null || Array.isArray(sig)) continue;
    methods[name] = Object.fromEntries(Object.entries(sig).map(([arg, sample]) => [arg, sampleType(sample)]));
  }
  return methods;
}

/** rpcd's answer to a call: [status, reply object]. */
function rpcdReply(stdout: string): [number, object?] {
  const first = firstJson(stdout);
  if (!first) return [5];
  if (typeof first.value === 'object' && first.value !== null && !Array.isArray(first.value)) return [0, first.value];
  return [2];
}

/** The plugin as rpcd runs it: the package's sh file, its exec pointed at the bundle on `root`. */
function plugin(root: string, argv: string[], stdin?: string) {
  const text = readFileSync(join(REPO, 'files/usr/libexec/rpcd/netboot'), 'utf8').replace('exec /usr/bin/netboot rpcd', `exec ${process.execPath} ${BUNDLE} --root ${root} rpcd`);
  const r = spawnSync('sh', ['-c', text, 'netboot', ...argv], { input: stdin ?? '', encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('the rpcd plugin protocol', () => {
  let dir: string;
  let root: string;
  const call = (method: string, args: object = {}, at = root) => rpcdReply(plugin(at, ['call', method], JSON.stringify(args)).stdout);
  const cli = (...args: string[]) => JSON.parse(netboot(['--root', root, ...args, '--json']).stdout);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-plugin-'));
    root = join(dir, 'router');
    cpSync(join(REPO, 'example/router'), root, { recursive: true });
    expect(netboot(['--root', root, 'apply']).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the methods LuCI declares and the ACL grants, with the argument types rpcd will take', () => {
    const list = plugin(root, ['list']);
    const methods = rpcdMethods(list.stdout);
    expect(methods).toEqual({ status: {}, validate: {}, plan: {}, apply: {}, preview: { mac: 'string' }, clients: { mac: 'string' }, check: {}, wake: { host: 'string' }, hosts: {}, task: { host: 'string', action: 'string', installer: 'string' } });
    const acl = JSON.parse(readFileSync(ACL, 'utf8'))['luci-app-netboot'];
    for (const m of [...acl.read.ubus.netboot, ...acl.write.ubus.netboot]) expect(methods).toHaveProperty(m);
    const declared = new Set<string>();
    for (const view of readdirSync(VIEWS)) {
      const text = readFileSync(join(VIEWS, view), 'utf8');
      for (const [, method, params] of text.matchAll(/rpc\.declare\(\{\s*object: 'netboot', method: '(\w+)'(?:, params: \[([^\]]*)\])?/g)) {
        declared.add(method!);
        expect(methods).toHaveProperty(method!);
        for (const p of (params ?? '').split(',').map((x) => x.trim().replace(/'/g, '')).filter(Boolean)) expect(methods![method!]).toHaveProperty(p);
      }
    }
    // What LuCI may call is what it declares (test/luci-app.test.ts: the ACL grants exactly that); the CLI may have more.
    expect([...declared].sort()).toEqual([...acl.read.ubus.netboot, ...acl.write.ubus.netboot].sort());
  });

  it('answers each call with the object the CLI prints with --json', () => {
    expect(call('status')).toEqual([0, cli('status')]);
    expect(call('validate')).toEqual([0, cli('validate')]);
    expect(call('plan')).toEqual([0, cli('plan')]);
    expect(call('preview', { mac: MAC.toUpperCase() })).toEqual([0, cli('preview', MAC)]);
    expect(call('preview', { mac: '52:54:00:aa:bb:cc' })).toEqual([0, expect.objectContaining({ host: null, path: 'netboot/menu.ipxe' })]);
    expect(call('apply')).toEqual([0, { ok: true, files_changed: 0, dhcp_changed: 0, reloaded: false, message: 'everything is already up to date; nothing was changed' }]);
    expect(call('clients')).toEqual([0, { clients: [] }]);
  });

  it('takes the arguments as rpcd sends them through LuCI: with ubus_rpc_session, no stdin, or nothing at all', () => {
    const session = { ubus_rpc_session: 'e2f5c1b0c9d04d7e8d3f4a5b6c7d8e9f' };
    expect(call('preview', { mac: MAC, ...session })).toEqual([0, cli('preview', MAC)]);
    expect(call('status', session)).toEqual([0, cli('status')]);
    expect(rpcdReply(plugin(root, ['call', 'status']).stdout)).toEqual([0, cli('status')]);
  });

  it('answers bad arguments with INVALID_ARGUMENT, as the daemon did, and says why to a person', () => {
    for (const [method, args] of [
      ['preview', { mac: 'desk' }],
      ['preview', {}],
      ['preview', { mac: 5 }],
      ['clients', { mac: 'zz' }],
    ] as const) {
      const out = plugin(root, ['call', method], JSON.stringify(args)).stdout;
      expect(rpcdReply(out)).toEqual([2]);
      expect(JSON.parse(out)).toMatch(/is not a MAC address like 52:54:00:12:34:56$/);
    }
    expect(rpcdReply(plugin(root, ['call', 'status'], '{"a":').stdout)).toEqual([2]);
    expect(rpcdReply(plugin(root, ['call', 'status'], '[1]').stdout)).toEqual([2]);
    expect(JSON.parse(plugin(root, ['call', 'event'], '{}').stdout)).toBe('netboot has no method "event"');
    expect(JSON.parse(plugin(root, ['call', 'constructor'], '{}').stdout)).toBe('netboot has no method "constructor"');
  });

  it('answers a failure with an object LuCI shows, never with silence', () => {
    // An unreadable config: every method that reads it fails.
    const broken = join(dir, 'broken');
    cpSync(root, broken, { recursive: true });
    rmSync(join(broken, 'etc/config/netboot'));
    mkdirSync(join(broken, 'etc/config/netboot'));
    const [status, reply] = call('status', {}, broken);
    expect(status).toBe(0);
    expect(reply).toEqual({ error: expect.stringMatching(/^netboot status failed: read .*\/etc\/config\/netboot: Is a directory$/) });
  });

  it('refuses to run as anything but list or call METHOD', () => {
    expect(netboot(['rpcd']).status).toBe(2);
    expect(netboot(['rpcd', 'call']).stderr).toContain('use: netboot rpcd list | netboot rpcd call METHOD');
    expect(netboot(['rpcd', 'list', 'x']).status).toBe(2);
  });

  it('folds the boot journeys from the spool in the router folder', () => {
    const spool = join(root, 'var/run/dnsmasq');
    mkdirSync(spool, { recursive: true });
    const t = Math.floor(Date.now() / 1000);
    const ev = (dt: number, e: object) => JSON.stringify({ time: `${t + dt}.000000`, ...e });
    writeFileSync(join(spool, 'netboot-events.slot'), '1\n');
    writeFileSync(join(spool, 'netboot-events.0'), `${ev(0, { source: 'dhcp', action: 'add', mac: MAC, ip: '10.0.0.5', hostname: 'desk', vendorclass: 'PXEClient:Arch:00007:UNDI:003016', tags: '', userclass: [] })}\n`);
    writeFileSync(join(spool, 'netboot-events.1'), `${ev(1, { source: 'tftp', action: 'add', ip: '10.0.0.5', path: '/srv/tftp/netboot/beacon/boot/ubuntu1.ipxe', size: '1' })}\n{"time":"`);
    const [status, reply] = call('clients', { mac: MAC });
    expect(status).toBe(0);
    expect(reply).toMatchObject({ clients: [{ mac: MAC, hostname: 'desk', arch: 'efi64', choice: { kind: 'boot', target: 'ubuntu1' } }] });
    expect(call('clients', { mac: '52:54:00:00:00:99' })).toEqual([0, { clients: [] }]);
    rmSync(spool, { recursive: true });
  });
});

describe.skipIf(!OWRT_PREFIX)(`the plugin in OpenWrt's rpcd${OWRT_SKIP ? ` (${OWRT_SKIP})` : ''}`, () => {
  let dir: string;
  let root: string;
  let land: Userland;
  const ubus = (...args: string[]) => spawnSync(join(OWRT_PREFIX!, 'bin/ubus'), ['-s', land.socket, '-t', '60', ...args], { encoding: 'utf8' });
  const call = (method: string, args?: object) => {
    const r = ubus('call', 'netboot', method, ...(args ? [JSON.stringify(args)] : []));
    if (r.status !== 0) throw new Error(`ubus call netboot ${method}: exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout || '{}');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-rpcd-'));
    root = join(dir, 'router');
    cpSync(join(REPO, 'example/router'), root, { recursive: true });
    land = await startUserland(join(root, 'etc/config'), { netbootRoot: root });
  }, 30_000);
  afterAll(() => {
    land?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the object netboot from the plugin’s list', () => {
    const r = ubus('-v', 'list', 'netboot');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^'netboot' @[0-9a-f]+\n/);
    for (const m of ['status', 'validate', 'plan', 'apply', 'check']) expect(r.stdout).toContain(`\t"${m}":{}\n`);
    for (const m of ['preview', 'clients']) expect(r.stdout).toContain(`\t"${m}":{"mac":"String"}\n`);
  });

  it('answers every method through the ubus CLI as the CLI does', () => {
    expect(call('apply')).toMatchObject({ ok: true });
    const status = call('status');
    expect(status).toEqual(JSON.parse(netboot(['--root', root, 'status', '--json']).stdout));
    expect(status).toMatchObject({ valid: true, files_current: true, dhcp_current: true, last_apply: { ok: true } });
    expect(call('validate')).toMatchObject({ valid: true, errors: [] });
    expect(call('plan')).toMatchObject({ valid: true, files: [] });
    expect(call('preview', { mac: MAC })).toMatchObject({ mac: MAC, path: 'netboot/hosts/52-54-00-12-34-56.ipxe' });
    expect(call('clients')).toEqual({ clients: [] });
    expect(call('check')).toMatchObject({ ok: expect.any(Boolean), checks: expect.any(Array) });
  }, 120_000);

  it('answers a bad argument with UBUS_STATUS_INVALID_ARGUMENT', () => {
    const r = ubus('call', 'netboot', 'preview', '{"mac":"desk"}');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Command failed: ubus call netboot preview {"mac":"desk"} (Invalid argument)\n');
  });

  it('runs concurrent calls, applies included, one apply at a time', async () => {
    const config = join(root, 'etc/config/netboot');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\nconfig host 'newpc'\n\toption mac '52:54:00:99:99:99'\n\toption target 'ubuntu1'\n\toption action 'boot'\n`);
    const { spawn } = await import('node:child_process');
    const run = (method: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(join(OWRT_PREFIX!, 'bin/ubus'), ['-s', land.socket, '-t', '60', 'call', 'netboot', method]);
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('exit', (code) => resolve({ code, out }));
      });
    const replies = await Promise.all(['apply', 'status', 'apply', 'clients', 'apply', 'validate'].map(run));
    for (const r of replies) expect(r.code).toBe(0);
    const applies = [0, 2, 4].map((i) => JSON.parse(replies[i]!.out));
    for (const a of applies) expect(a).toMatchObject({ ok: true });
    // Exactly one of them wrote the new host's script; the others found it done.
    expect(applies.filter((a) => a.files_changed > 0)).toHaveLength(1);
    expect(call('status')).toMatchObject({ files_current: true, last_apply: { ok: true } });
  }, 120_000);
});
