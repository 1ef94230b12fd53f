// UbusClient against OpenWrt's real ubusd, rpcd and ubus CLI, built locally
// (outside the repo) and pointed to by OWRT_PREFIX. A private ubusd runs on
// a temp socket; rpcd runs in a mount namespace whose /etc/config holds
// test/fixtures/ubus/dhcp.conf.

import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UbusClient, UbusError } from '../src/ubus';
import { until } from './helpers/owrt';

const PREFIX = process.env.OWRT_PREFIX;
const FIXTURES = join(__dirname, 'fixtures/ubus');
const json = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

const suite = PREFIX ? describe : describe.skip;
const title = PREFIX
  ? `interop with OpenWrt userland in ${PREFIX}`
  : 'interop with OpenWrt userland: skipped, set OWRT_PREFIX to a local build of libubox+ubus+uci+rpcd ($OWRT_PREFIX/sbin/ubusd, $OWRT_PREFIX/bin/ubus, $OWRT_PREFIX/sbin/rpcd)';

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

suite(title, () => {
  let dir: string;
  let sock: string;
  const daemons: ChildProcess[] = [];
  const clients: UbusClient[] = [];

  const ubus = (...args: string[]): Promise<Cli> =>
    new Promise((resolve) => {
      execFile(join(PREFIX!, 'bin/ubus'), ['-s', sock, ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
      });
    });

  const connect = async (): Promise<UbusClient> => {
    const c = await UbusClient.connect({ path: sock, timeoutMs: 5000 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-owrt-'));
    sock = join(dir, 'ubus.sock');
    daemons.push(spawn(join(PREFIX!, 'sbin/ubusd'), ['-s', sock], { stdio: 'ignore' }));
    await until('ubusd', async () => (existsSync(sock) ? true : undefined));

    // /etc inside rpcd's namespace: links to the real entries plus our config/.
    const etc = join(dir, 'etc');
    const orig = join(dir, 'orig-etc');
    mkdirSync(join(etc, 'config'), { recursive: true });
    mkdirSync(orig);
    for (const name of readdirSync('/etc')) if (name !== 'config') symlinkSync(join(orig, name), join(etc, name));
    writeFileSync(join(etc, 'config/dhcp'), readFileSync(join(FIXTURES, 'dhcp.conf')));
    const script = `mount --bind /etc ${orig} && mount --bind ${etc} /etc && mount -t tmpfs tmpfs /run && exec ${join(PREFIX!, 'sbin/rpcd')} -s ${sock}`;
    daemons.push(spawn('unshare', ['-m', 'sh', '-c', script], { stdio: 'ignore' }));
    const probe = await connect();
    await until('rpcd', () => probe.call('uci', 'configs').then(() => true));
  }, 20_000);

  afterAll(() => {
    for (const c of clients) c.close();
    for (const d of daemons) d.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('rpcd uci', () => {
    it.each([
      ['uci-get-section', { config: 'dhcp', section: 'pxe' }],
      ['uci-get-config', { config: 'dhcp' }],
    ])('call uci get (%s) equals the capture and the CLI', async (name, args) => {
      const c = await connect();
      const result = await c.call('uci', 'get', args);
      expect(result).toEqual(json(`${name}.result.json`));
      const cli = await ubus('call', 'uci', 'get', JSON.stringify(args));
      expect(JSON.parse(cli.stdout)).toEqual(result);
    });

    it('errors carry rpcd’s and ubusd’s status codes', async () => {
      const c = await connect();
      await expect(c.call('uci', 'get', { config: 'nope' })).rejects.toThrow('ubus call uci get failed: Not found (4)');
      await expect(c.call('uci', 'frobnicate')).rejects.toMatchObject({ statusName: 'METHOD_NOT_FOUND' });
      await expect(c.call('no.such.object', 'get')).rejects.toMatchObject({ statusName: 'NOT_FOUND' });
      await expect(c.call('uci', 'get', {})).rejects.toMatchObject({ statusName: 'INVALID_ARGUMENT' });
    });

    it('200 concurrent calls', async () => {
      const c = await connect();
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => c.call('uci', 'get', { config: 'dhcp', section: i % 2 ? 'pxe' : 'efi', option: 'filename' })));
      expect(results.map((r) => r.value)).toEqual(Array.from({ length: 200 }, (_, i) => (i % 2 ? 'ipxe.efi' : 'snp.efi')));
    });
  });

  describe('objects', () => {
    it('answers the CLI and another client; lists its signature; maps thrown errors', async () => {
      const server = await connect();
      const obj = await server.addObject('netboot', {
        status: { signature: { mac: 'string', verbose: 'bool' }, handler: (args, ctx) => ({ mac: args.mac ?? null, big: 2 ** 40, user: ctx.user ?? null }) },
        missing: {
          handler: () => {
            throw new UbusError(4, 'netboot missing');
          },
        },
      });
      const cli = await ubus('call', 'netboot', 'status', '{"mac":"aa:bb"}');
      expect(JSON.parse(cli.stdout)).toEqual({ mac: 'aa:bb', big: 2 ** 40, user: 'root' });
      const list = await ubus('-v', 'list', 'netboot');
      expect(list.stdout).toContain('"status":{"mac":"String","verbose":"Boolean"}');
      const failed = await ubus('call', 'netboot', 'missing');
      expect(failed.stderr).toContain('Not found');

      const other = await connect();
      expect(await other.call('netboot', 'status', { mac: 'cc' })).toEqual({ mac: 'cc', big: 2 ** 40, user: 'root' });
      await expect(other.call('netboot', 'missing')).rejects.toThrow('ubus call netboot missing failed: Not found (4)');

      await obj.remove();
      expect((await ubus('call', 'netboot', 'status')).stderr).toContain('Not found');
    });

    it('a handler that never answers times the caller out', async () => {
      const server = await connect();
      const obj = await server.addObject('netboot.slow', { hang: { handler: () => new Promise<void>(() => undefined) } });
      const caller = await connect();
      await expect(caller.call('netboot.slow', 'hang', {}, { timeoutMs: 200 })).rejects.toThrow('ubus call netboot.slow hang failed: Request timed out (7)');
      await obj.remove();
    });
  });
});
