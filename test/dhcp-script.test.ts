// Boot journeys on a router set up as shipped: the events come from a real
// dnsmasq (Debian's 2.90, as OpenWrt 24.10 ships 2.90) that a PXE client
// boots from over a veth pair between two network namespaces this test
// creates. dnsmasq runs with the lines OpenWrt's dnsmasq.init makes of the
// /etc/config/dhcp that `netboot apply` wrote (test/e2e/lab/uci-dhcp.ts) and
// the environment dnsmasq.init gives it (PATH and USER_DHCPSCRIPT, nothing
// else), its --dhcp-script is a transcription of OpenWrt's dhcp-script.sh
// (test/helpers/openwrt-dhcp-script.ts), and netboot's script writes its
// spool under the router folder. The assertion is what the rpcd plugin's
// `call clients` answers from that spool.
//
// A task's beacon also reaches procd: the script's `ubus` is the real ubus
// command on a real ubusd, where the real procd (OWRT_PREFIX/sbin/procd)
// holds netboot's service with the triggers its init script registers, so
// the event's trigger runs /etc/init.d/netboot reload, which applies.
//
// Needs root (network and mount namespaces), dnsmasq, busybox, and
// OWRT_PREFIX (jshn built from OpenWrt's sources; procd for the task test).

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DHCP_SCRIPT } from '../src/dhcp/desired';
import { Dnsmasq } from './e2e/lab/dnsmasq';
import { run } from './e2e/lab/proc';
import { dnsmasqEnv, OPENWRT_DHCP_SCRIPT, translateDhcp } from './e2e/lab/uci-dhcp';
import { BASE, withOption } from './helpers/config';
import { vendorClass } from './helpers/register';
import { hostFile, registerFile } from '../src/ipxe/render';
import { BUNDLE, makeRoot, netboot, pluginCall } from './helpers/bundle';
import { HAS_HANDLER, netbootDhcpScript, openwrtDhcpScript } from './helpers/openwrt-dhcp-script';
import { OWRT_PREFIX, startUserland, until, type Userland } from './helpers/owrt';

const missing = [
  !OWRT_PREFIX && 'OWRT_PREFIX (jshn from OpenWrt)',
  process.getuid?.() !== 0 && 'root (network namespaces)',
  spawnSync('dnsmasq', ['--version']).status !== 0 && 'dnsmasq',
  spawnSync('busybox', ['true']).status !== 0 && 'busybox',
].filter(Boolean);

const HAS_PROCD = !!OWRT_PREFIX && existsSync(join(OWRT_PREFIX, 'sbin/procd'));
const CLIENT = join(__dirname, 'helpers/pxe-client.mjs');
const MAC = '52:54:00:00:00:01'; // BASE's host pc1: action boot, target disk1
const SERVER = '10.99.0.1';

describe.skipIf(missing.length)(`boot journeys from a real dnsmasq through OpenWrt's dhcp-script.sh${missing.length ? ` (skipped: needs ${missing.join(', ')})` : ''}`, () => {
  let dir: string;
  let router: string;
  const id = process.pid;
  // Two bare namespaces (the lab's Netns adds a bridge with an address the client must not have).
  const srv = `nbj-srv-${id}`;
  const cli = `nbj-cli-${id}`;
  const inNs = (ns: string, cmd: string, args: string[]): [string, string[]] => ['ip', ['netns', 'exec', ns, cmd, ...args]];
  let dnsmasq: Dnsmasq | undefined;
  let land: Userland | undefined;

  /** The client's side: the PXE client script in the client namespace. */
  const client = async (...args: string[]) => {
    const [cmd, argv] = inNs(cli, process.execPath, [CLIENT, ...args]);
    return (await run(cmd, argv, { cwd: join(__dirname, '..') })).stdout;
  };
  const lease = async (ipxe: boolean) => JSON.parse(await client('dhcp', JSON.stringify({ mac: MAC, arch: 7, ipxe }))) as { ip: string; file: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-dhcp-script-'));
    chmodSync(dir, 0o755); // dnsmasq serves TFTP as nobody
    router = makeRoot({ netboot: BASE });
    chmodSync(router, 0o755);
    expect(netboot(['--root', router, 'apply']).status).toBe(0);
    // The boot loader the dhcp section hands a UEFI x64 client (bootloaders install puts the real one here).
    writeFileSync(join(router, 'srv/tftp/snponly.efi'), 'not really iPXE\n');
    for (const d of ['srv', 'srv/tftp']) chmodSync(join(router, d), 0o755);

    for (const ns of [srv, cli]) await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', srv, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', cli]);
    await run('ip', ['-n', srv, 'addr', 'add', `${SERVER}/24`, 'dev', 'veth0']);
    await run('ip', ['-n', srv, 'link', 'set', 'veth0', 'up']);
    await run('ip', ['-n', cli, 'link', 'set', 'veth1', 'up']);
    // The client has no address yet: its broadcasts need a way out.
    await run('ip', ['-n', cli, 'route', 'add', '255.255.255.255', 'dev', 'veth1']);

    // The script's `ubus`: the real command on this test's ubusd (a router's has the default socket).
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'ubus'), `#!/bin/sh\nexec ${OWRT_PREFIX}/bin/ubus -s ${join(dir, 'ubus.sock')} "$@"\n`, { mode: 0o755 });

    const dhcpText = readFileSync(join(router, 'etc/config/dhcp'), 'utf8');
    // What dnsmasq.init makes of it; netboot's script stands where the router has it.
    const { USER_DHCPSCRIPT } = dnsmasqEnv(dhcpText);
    const userScript = USER_DHCPSCRIPT === DHCP_SCRIPT ? { USER_DHCPSCRIPT: netbootDhcpScript(join(dir, 'netboot'), OWRT_PREFIX!, router) } : {};
    const openwrtScript = openwrtDhcpScript(join(dir, 'openwrt'), OWRT_PREFIX!);
    // netifd's lan: dhcp_add makes its range, tagged set:lan as netboot's boot entries need.
    const lines = translateDhcp(dhcpText, (p) => (p === OPENWRT_DHCP_SCRIPT ? openwrtScript : p), HAS_HANDLER, { lan: { ifname: 'veth0', subnet: `${SERVER}/24` } });
    expect(lines).toContain(`dhcp-script=${openwrtScript}`);
    dnsmasq = await Dnsmasq.start(
      inNs.bind(null, srv),
      dir,
      'dnsmasq',
      ['port=0', 'interface=veth0', 'bind-interfaces', `dhcp-leasefile=${join(dir, 'leases')}`, 'no-ping', ...lines],
      {
        // procd's PATH, with OpenWrt's jshn first, and USER_DHCPSCRIPT as dnsmasq.init sets it.
        env: { PATH: `${bin}:${OWRT_PREFIX}/bin:/usr/sbin:/usr/bin:/sbin:/bin`, ...userScript },
        // dnsmasq sees the TFTP root where the router has it, so it reports the paths the router would.
        binds: [[join(router, 'srv/tftp'), '/srv/tftp']],
      },
    );
  }, 60_000);

  afterAll(async () => {
    land?.stop();
    await dnsmasq?.stop();
    // Every process in them was stopped above; deleting a namespace takes its veth end along.
    for (const ns of [cli, srv]) await run('ip', ['netns', 'del', ns], { allowFail: true });
    for (const d of [dir, router]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('shows PXE then iPXE, the architecture, every file fetched and the choice', async () => {
    const pxe = await lease(false);
    expect(pxe.file).toBe('snponly.efi');
    await run('ip', ['-n', cli, 'addr', 'add', `${pxe.ip}/24`, 'dev', 'veth1']);
    await client('tftp', SERVER, pxe.file);
    const ipxe = await lease(true);
    expect(ipxe).toEqual({ ip: pxe.ip, server: SERVER, file: 'netboot/menu.ipxe' });
    const files = ['netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/hosts/52-54-00-00-00-01.ipxe', 'netboot/beacon/boot/disk1.ipxe'];
    await client('tftp', SERVER, ...files);

    const journey = await until(
      'the beacon in the journey',
      async () => {
        const { clients } = pluginCall(router, 'clients', { mac: MAC }) as { clients: { steps: { step: string }[] }[] };
        return clients[0]?.steps.some((s) => s.step === 'boot') ? clients[0] : undefined;
      },
      15_000,
    );
    expect(journey).toMatchObject({ mac: MAC, ip: pxe.ip, arch: 'efi64', firmware: 'ipxe', files: ['snponly.efi', ...files], choice: { kind: 'boot', target: 'disk1' } });
    const steps = (journey as unknown as { steps: { step: string; detail: string }[] }).steps;
    expect(steps[0]).toMatchObject({ step: 'dhcp-pxe', detail: 'dhcp pxe efi64 (PXEClient:Arch:00007:UNDI:003016)' });
    expect(steps.map((s) => s.step)).toEqual(['dhcp-pxe', 'bootloader', 'dhcp-ipxe', 'menu', 'config', 'host', 'boot']);
    // A reload of dnsmasq (OpenWrt's sends SIGHUP) re-announces every lease:
    // dnsmasq 2.90 calls its script with `old MAC IP` and DNSMASQ_DATA_MISSING=1,
    // which is no step of this PC's boot. The beacon fetched again afterwards
    // (dnsmasq runs its script for one event at a time, in order) shows when
    // the re-announcement has been through.
    process.kill(dnsmasq!.daemon.child.pid!, 'SIGHUP');
    await client('tftp', SERVER, 'netboot/beacon/boot/disk1.ipxe');
    const after = await until(
      'the second beacon',
      async () => {
        const { clients } = pluginCall(router, 'clients', { mac: MAC }) as { clients: { steps: { step: string }[] }[] };
        return clients[0]!.steps.length > steps.length ? clients[0]!.steps.map((s) => s.step) : undefined;
      },
      15_000,
    );
    expect(after).toEqual([...steps.map((s) => s.step), 'boot']);
    // netboot's script says nothing: dnsmasq would log whatever it printed.
    expect(dnsmasq!.log()).not.toMatch(/dnsmasq-script/);
  }, 60_000);

  /**
   * The real ubusd and procd holding netboot's service as its init script
   * leaves it, once for the tests that need it; the script's `ubus` reaches them.
   */
  let procd: { reloads: () => number; applied: () => string } | undefined;
  async function procdRunsApply() {
    if (procd) return procd;
    const initd = join(dir, 'init.d');
    const calls = join(dir, 'init-calls');
    mkdirSync(initd);
    // Stands in for /etc/init.d/netboot (test/init-script.test.ts runs the real one
    // under rc.common): says how procd ran it, and reload applies, as its reload_service does.
    writeFileSync(
      join(initd, 'netboot'),
      `#!/bin/sh\necho "$*" >> ${calls}\n[ "$1" = reload ] && exec ${process.execPath} ${BUNDLE} --root ${router} apply >> ${join(dir, 'apply.log')} 2>&1\n`,
      { mode: 0o755 },
    );
    land = await startUserland(join(router, 'etc/config'), { initd, procd: true });
    symlinkSync(land.socket, join(dir, 'ubus.sock'));
    const ubus = (...args: string[]) => execFileSync(join(OWRT_PREFIX!, 'bin/ubus'), ['-s', land!.socket, ...args], { encoding: 'utf8' });
    // What the init script's service_triggers leave in procd: procd.sh's
    // _procd_add_config_trigger and _procd_add_raw_trigger (openwrt/openwrt
    // package/system/procd/files/procd.sh @03eca6c5), as its start sends them.
    const reload = ['run_script', '/etc/init.d/netboot', 'reload'];
    ubus('call', 'service', 'set', JSON.stringify({
      name: 'netboot',
      script: '/etc/init.d/netboot',
      instances: {},
      triggers: [['config.change', ['if', ['eq', 'package', 'netboot'], reload], 1000], ['netboot.beacon', [reload], 1000]],
    }));
    const reloads = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter((l) => l === 'reload').length : 0);
    const applied = () => (existsSync(join(dir, 'apply.log')) ? readFileSync(join(dir, 'apply.log'), 'utf8') : '');
    procd = { reloads, applied };
    return procd;
  }

  it.skipIf(!HAS_PROCD)("a task's beacon raises procd's netboot.beacon event, whose trigger applies: the task is cleared and recorded", async () => {
    const { reloads } = await procdRunsApply();

    const since = Math.floor(Date.now() / 1000) - 60;
    const config = join(router, 'etc/config/netboot');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\toption next_action 'menu'\n\toption next_since '${since}'\n`);
    expect(netboot(['--root', router, 'apply']).status).toBe(0);
    const beacon = `netboot/beacon/task/52-54-00-00-00-01/${since}.ipxe`;
    expect(existsSync(join(router, 'srv/tftp', beacon))).toBe(true);

    const pxe = await lease(false);
    await run('ip', ['-n', cli, 'addr', 'replace', `${pxe.ip}/24`, 'dev', 'veth1']);
    await lease(true);
    // A beacon with no meaning for the config raises nothing.
    await client('tftp', SERVER, 'netboot/menu.ipxe', 'netboot/hosts/52-54-00-00-00-01.ipxe', 'netboot/beacon/boot/disk1.ipxe');
    await new Promise((r) => setTimeout(r, 2500));
    expect(reloads()).toBe(0);

    await client('tftp', SERVER, beacon);
    const applied = await until('the apply procd runs', () => {
      const log = existsSync(join(dir, 'apply.log')) ? readFileSync(join(dir, 'apply.log'), 'utf8') : '';
      return log.includes('\n') ? log : undefined;
    }, 20_000);
    expect(applied).toMatch(/^netboot: host pc1 started its task \(menu\) at .*; the task is cleared\. applied: 2 file change\(s\), 0 dhcp change\(s\)\n$/);
    const text = readFileSync(config, 'utf8');
    expect(text).not.toContain('next_action');
    expect(text).toMatch(/option last_action 'menu'\n/);
    expect(text).toMatch(/option last_time '\d+'\n/);
    expect(text).not.toMatch(/next_since|last_installer/);
    expect(reloads()).toBe(1);
    // The apply re-rendered: the host is back to its own action, the beacon gone.
    expect(readFileSync(join(router, 'srv/tftp/netboot/hosts/52-54-00-00-00-01.ipxe'), 'utf8')).not.toContain('nb-task');
    expect(existsSync(join(router, 'srv/tftp', beacon))).toBe(false);
    expect(dnsmasq!.log()).not.toMatch(/dnsmasq-script/);
  }, 90_000);

  it.skipIf(!HAS_PROCD)('a registration request in the DHCP vendor class raises the event too: apply adds the host and answers the PC, or says why not', async () => {
    const { reloads, applied } = await procdRunsApply();
    const config = join(router, 'etc/config/netboot');
    writeFileSync(config, withOption('main', 'registration', '1', readFileSync(config, 'utf8')));
    expect(netboot(['--root', router, 'apply']).status).toBe(0);
    const before = reloads();
    const answer = (mac: string) => join(router, 'srv/tftp', registerFile(mac));
    const answered = (mac: string) => until(`the answer to ${mac}`, () => (existsSync(answer(mac)) ? readFileSync(answer(mac), 'utf8') : undefined), 20_000);

    // What the menu's `dhcp` sends after `set vendor-class netboot-register:${unixtime}:...`; iPXE keeps its user class.
    const pc = '52:54:00:00:00:42';
    await client('dhcp', JSON.stringify({ mac: pc, arch: 0, ipxe: true, vendorclass: vendorClass('0x6b0f6000', 'disk2', 'Lab-PC') }));
    expect(await answered(pc)).toContain('echo netboot: this PC is now the host lab-pc; it boots Disk two with no key from now on');
    expect(readFileSync(config, 'utf8')).toContain(`config host 'lab_pc'\n\toption mac '${pc}'\n\toption hostname 'lab-pc'\n\toption target 'disk2'\n\toption action 'boot'\n`);
    expect(existsSync(join(router, 'srv/tftp', hostFile(pc)))).toBe(true);
    // The apply writes the answer, then reports.
    const report = await until('the report', () => /^netboot: registration from 52:54:00:00:00:42: .*\n/m.exec(applied())?.[0], 20_000);
    expect(report).toMatch(/: this PC is now the host lab-pc; .*\. applied: 2 file change\(s\), 0 dhcp change\(s\)\n$/);

    // Another PC asking for the same name is told why not, and the config stays as it is.
    const other = '52:54:00:00:00:43';
    const text = readFileSync(config, 'utf8');
    await client('dhcp', JSON.stringify({ mac: other, arch: 0, ipxe: true, vendorclass: vendorClass('0x6b0f6001', 'disk1', 'lab-pc') }));
    expect(await answered(other)).toContain('echo netboot: registration refused: the name "lab-pc" is taken; type another');
    expect(readFileSync(config, 'utf8')).toBe(text);
    expect(reloads()).toBe(before + 2);
    // An ordinary DHCP exchange raises nothing.
    await lease(true);
    await new Promise((r) => setTimeout(r, 2500));
    expect(reloads()).toBe(before + 2);
    expect(dnsmasq!.log()).not.toMatch(/dnsmasq-script/);
  }, 90_000);
});
