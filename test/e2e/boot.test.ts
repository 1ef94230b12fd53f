// The boot lab: every boot path netboot renders, booted for real (iPXE, dnsmasq, tgt,
// QEMU/TCG) inside a private network namespace. See test/e2e/README.md.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainloadLines, labNetworkLines } from './lab/dnsmasq';
import { E2E_DIR, HTTP_BASE, labGate, NET } from './lab/env';
import { diskMarker, initramfsMarker, RETURNING_MARKER, WINPE_FILES } from './lab/images';
import { Lab } from './lab/lab';
import {
  BASE_IQN,
  netboot,
  netbootConfig,
  snapshot,
  snapshotDiff,
  writeNetbootConfig,
  type LabHost,
  type LabSite,
} from './lab/netboot';
import { VmError, type Firmware, type Vm, type VmSpec } from './lab/qemu';
import { Runner, type Phase, type Scenario, type ScenarioResult } from './lab/runner';
import { until } from '../helpers/owrt';

const mac = (n: number) => `52:54:00:77:00:${n.toString(16).padStart(2, '0')}`;
const hyphens = (m: string) => m.replaceAll(':', '-');

// One MAC per scenario (and so one IP): a VM killed mid-session leaves a stale
// iSCSI nexus in tgtd that would disturb the next login from the same address.
const MAC = {
  hostBoot: mac(0x11),
  undionly: mac(0x12),
  snponly: mac(0x13),
  ipxeEfi: mac(0x14),
  http: mac(0x15),
  menuKeys: mac(0x16),
  menuTimeout: mac(0x17),
  linux: mac(0x18),
  windows: mac(0x19),
  broken: mac(0x1a),
  baseline: mac(0x1b),
  retry: mac(0x1c),
  returns: mac(0x1d),
  noCfg: mac(0x1e),
  guest: mac(0x1f),
  httpBoot: mac(0x20),
  task: mac(0x30),
  register: mac(0x31),
};

const HOSTS: LabHost[] = [
  { name: 'pc1', mac: MAC.hostBoot, action: 'boot', target: 'disk1' },
  { name: 'pc2', mac: MAC.undionly, action: 'boot', target: 'disk2', undionly: true },
  { name: 'pc3', mac: MAC.snponly, action: 'boot', target: 'disk1' },
  { name: 'pc4', mac: MAC.ipxeEfi, action: 'boot', target: 'disk2' },
  { name: 'pc5', mac: MAC.http, action: 'boot', target: 'disk2' },
  { name: 'pc7', mac: MAC.linux, action: 'install', target: 'disk2', installer: 'linux' },
  { name: 'pc8', mac: MAC.windows, action: 'install', target: 'disk1', installer: 'win' },
  { name: 'pc9', mac: MAC.broken, action: 'boot', target: 'disk2' },
  { name: 'pc10', mac: MAC.retry, action: 'boot', target: 'fresh' },
  { name: 'pc11', mac: MAC.returns, action: 'install', target: 'empty', installer: 'returns' },
  { name: 'pc14', mac: MAC.httpBoot, action: 'boot', target: 'disk2' },
];

const site = (over: Partial<LabSite> = {}): LabSite => ({
  efiLoader: 'snponly.efi',
  menuTimeout: 3,
  menuDefault: 'disk1',
  installerUrl: `${HTTP_BASE}/install/`,
  targets: [
    { name: 'disk1', title: 'Disk one' },
    { name: 'disk2', title: 'Disk two' },
    // Blank at first (nothing to boot); the lab writes fresh's image onto it mid-run.
    { name: 'fresh', title: 'Fresh disk' },
    { name: 'empty', title: 'Empty disk' },
  ],
  hosts: HOSTS,
  ...over,
});

const TIMEOUT = { bios: 60_000, uefi: 100_000 };
/** netboot's error path, the firmware giving up, or no iBFT: the scenario already failed. */
const NB_FAILED = /netboot: [^\r\n]*did not work[^\r\n]*|No bootable device|E2E-IBFT-MISSING/;
/** A drive an earlier attempt left hooked (EADDRINUSE), or the firmware giving up. */
const STILL_HOOKED = /Could not open SAN device[^\r\n]*|No bootable device/;
const FAILURE_SHOWN = /netboot: [^\r\n]*did not work/;
const count = (s: string, what: string) => s.split(what).length - 1;

const gate = labGate();
const lab = gate.run ? new Lab() : undefined;

/** Boots until `marker` shows on serial; any other disk's marker or netboot's error fails fast. */
async function bootTo(vm: Vm, marker: string): Promise<number> {
  const other = /E2E-MARKER [^\r\n]*/g;
  return vm.waitUntil(marker, () => {
    const serial = vm.serial();
    if (serial.includes(marker)) return vm.seconds();
    for (const m of serial.matchAll(other)) {
      if (!marker.startsWith(m[0].trim())) throw new VmError(vm, `wrong marker "${m[0].trim()}", wanted "${marker}"`);
    }
    return undefined;
  }, NB_FAILED);
}

function vmScenario(
  id: string,
  title: string,
  firmware: Firmware,
  vmMac: string,
  body: (vm: Vm) => Promise<ScenarioResult>,
  spec: Partial<VmSpec> = {},
): Scenario {
  return {
    id,
    title,
    firmware,
    run: () => lab!.withVm({ name: id, firmware, mac: vmMac, timeoutMs: TIMEOUT[firmware], ...spec }, body),
  };
}

/** A VM that must boot `target` with no keypress. */
const bootsTarget = (id: string, title: string, fw: Firmware, vmMac: string, target: string, check?: (vm: Vm) => string | undefined, spec?: Partial<VmSpec>) =>
  vmScenario(id, title, fw, vmMac, async (vm) => {
    const seconds = await bootTo(vm, diskMarker(target, fw));
    return { seconds, detail: check?.(vm) };
  }, spec);

/** The VM's IPv4 address: dnsmasq gives each MAC its own, and logs, TFTP and HTTP go by it. */
const addressOf = (vm: Vm) => lab!.dnsmasq!.addressOf(vm.spec.mac) ?? 'no lease';

/** Files dnsmasq sent this VM over TFTP, relative to the TFTP root. */
const tftpSentTo = (vm: Vm) => {
  const ip = addressOf(vm);
  return lab!.dnsmasq!.tftpSent().filter((s) => s.to === ip).map((s) => relative(lab!.tftpRoot, s.file));
};

/** Paths this VM requested over HTTP, in order (other VMs run alongside). */
const httpPaths = (vm: Vm, prefix: string) => {
  const ip = addressOf(vm);
  return lab!.http!.requests().filter((r) => r.client === ip && r.path.startsWith(prefix)).map((r) => r.path);
};

// ---------------------------------------------------------------- phase A: TFTP menus
const phaseTftp: Phase = {
  name: 'tftp',
  // boot_url: the lab's HTTP server serves the TFTP root at /tftp/ (UEFI HTTP Boot, s14).
  setup: () => lab!.publish(site({ bootUrl: `${HTTP_BASE}/tftp/` }), 'dnsmasq-tftp'),
  // Longest first: the two slots stay busy.
  scenarios: [
    bootsTarget('s3-snponly', 'UEFI: OVMF PXE (no NIC ROM) -> snponly.efi -> host script -> sanboot', 'uefi', MAC.snponly, 'disk1', (vm) => {
      expect(tftpSentTo(vm)).toContain('snponly.efi');
      // dnsmasq ran OpenWrt's dhcp-script.sh and netboot's for this boot; neither said a word.
      expect(lab!.dnsmasq!.log()).not.toMatch(/dnsmasq-script|failed to execute/);
      return 'snponly.efi';
    }),
    vmScenario('s7-linux', 'install: sanhook + kernel/initrd over HTTP, iBFT in Linux', 'bios', MAC.linux, async (vm) => {
      const seconds = await bootTo(vm, initramfsMarker('linux'));
      const serial = vm.serial();
      const cmdline = /E2E-CMDLINE: ([^\r\n]*)/.exec(serial)?.[1] ?? '';
      expect(cmdline).toContain('netboot.marker=install-linux');
      expect(cmdline).toContain('console=ttyS0');
      const ibft = [...serial.matchAll(/E2E-IBFT: ([^\r\n]*)/g)].map((m) => m[1]!.trim());
      expect(ibft).toContain(`iqn.2010-04.org.ipxe:${hyphens(MAC.linux)}`);
      expect(ibft).toContain(`${BASE_IQN}:disk2`);
      expect(httpPaths(vm, '/install/')).toEqual(['/install/linux/vmlinuz', '/install/linux/initrd.gz']);
      return { seconds, detail: `iBFT via ${/E2E-IBFT-BEGIN \((\w+)\)/.exec(serial)?.[1]}` };
    }),
    bootsTarget('s2-undionly', 'BIOS: NIC ROM iPXE -> undionly.kpxe hop -> sanboot', 'bios', MAC.undionly, 'disk2', (vm) => {
      // undionly.kpxe announces itself when it takes over the ROM's PXE stack.
      expect(vm.serial()).toMatch(/PXE->EB/);
      expect(tftpSentTo(vm)).toContain('undionly.kpxe');
      return 'undionly.kpxe';
    }),
    vmScenario('s6-keys', 'menu: unknown MAC, sendkey down+enter picks the 2nd target', 'bios', MAC.menuKeys, async (vm) => {
      // Both titles drawn = the menu is up; keys sent now wait in the BIOS key buffer.
      await vm.waitUntil('the target menu', () => (/Disk one[\s\S]*Disk two/.test(vm.serial()) ? true : undefined), NB_FAILED);
      await vm.sendKeys('down', 'ret');
      return { seconds: await bootTo(vm, diskMarker('disk2', 'bios')) };
    }),
    vmScenario('s8-windows', 'install: Windows entry fetches wimboot, then the WinPE files in order', 'bios', MAC.windows, async (vm) => {
      const want = ['/install/wimboot', ...WINPE_FILES.map((f) => `/install/winpe/${f}`)];
      const seconds = await vm.waitUntil(
        'the WinPE files over HTTP',
        () => (want.every((p) => httpPaths(vm, '/install/').includes(p)) ? vm.seconds() : undefined),
        NB_FAILED,
      );
      expect(httpPaths(vm, '/install/')).toEqual(want);
      return { seconds, detail: 'bootmgr included (BIOS)' };
    }),
    bootsTarget('s14-httpboot', 'UEFI HTTP Boot (OVMF, PXE off) -> snponly.efi over HTTP from boot_url -> host script -> sanboot', 'uefi', MAC.httpBoot, 'disk2', (vm) => {
      expect(new Set(httpPaths(vm, '/tftp/'))).toEqual(new Set(['/tftp/snponly.efi']));
      const tftp = tftpSentTo(vm);
      expect(tftp).not.toContain('snponly.efi');
      // Then iPXE, asking again (user class iPXE), got the menu: no second loader, no loop.
      expect(tftp).toContain(`netboot/hosts/${hyphens(MAC.httpBoot)}.ipxe`);
      return 'snponly.efi over HTTP, menus over TFTP';
    }, { httpBoot: true }),
    vmScenario('s13-guest', 'guest network, not in interfaces: a lease, no boot file; the PC moves on', 'bios', MAC.guest, async (vm) => {
      // -no-reboot: SeaBIOS out of boot devices ends QEMU, which is the PC moving on.
      const seconds = await vm.waitUntil('the PC moving on to its next boot device', () => (vm.running ? undefined : vm.seconds()));
      const ip = addressOf(vm);
      expect(ip).toMatch(/^10\.77\.1\./);
      expect(tftpSentTo(vm)).toEqual([]);
      expect(lab!.http!.requests().filter((r) => r.client === ip)).toEqual([]);
      expect(vm.serial()).not.toContain('netboot');
      expect(vm.serial()).toContain('No bootable device');
      return { seconds, detail: `lease ${ip}, no boot file` };
    }, { bridge: 'br1' }),
    bootsTarget('s1-host', 'BIOS: host action boot, no keypress', 'bios', MAC.hostBoot, 'disk1'),
    vmScenario('s10-retry', 'host action boot, blank disk: fails, the disk gets an image, the retry boots it with no key', 'bios', MAC.retry, async (vm) => {
      await vm.waitUntil('the failed boot of the blank disk', () => (FAILURE_SHOWN.test(vm.serial()) ? true : undefined), STILL_HOOKED);
      expect(vm.serial()).toContain('Boot from SAN device 0x80 failed');
      lab!.fill(`${BASE_IQN}:fresh`); // the NAS got fixed
      const seconds = await vm.waitUntil('the retry', () => (vm.serial().includes(diskMarker('fresh', 'bios')) ? vm.seconds() : undefined), STILL_HOOKED);
      const serial = vm.serial();
      expect(serial).not.toContain('netboot: choose the iSCSI target');
      return { seconds, detail: `${count(serial, 'Registered SAN device 0x80')} hooks of 0x80, ${count(serial, 'did not work')} failure(s), no menu` };
    }),
    vmScenario('s11-return', 'install returns, the countdowns boot the blank target (fails), then the menu boots another', 'bios', MAC.returns, async (vm) => {
      // The menu again after the blank target failed: it now waits for a key (a choice was made).
      const menuAgain = /did not work[\s\S]*Press any key to return to the menu[\s\S]*Empty disk/;
      await vm.waitUntil('the menu after the failure', () => (menuAgain.test(vm.serial()) ? true : undefined), STILL_HOOKED);
      await vm.sendKeys('up', 'up', 'ret'); // from the host's target (Empty disk) to Disk two
      const seconds = await vm.waitUntil('disk2', () => (vm.serial().includes(diskMarker('disk2', 'bios')) ? vm.seconds() : undefined), STILL_HOOKED);
      const serial = vm.serial();
      expect(serial.indexOf(RETURNING_MARKER)).toBeGreaterThan(-1);
      expect(serial.indexOf(RETURNING_MARKER)).toBeLessThan(serial.indexOf('Boot from SAN device 0x80 failed'));
      // The installer's sanhook, the blank target's sanboot, then disk2's: 0x80 was free each time.
      expect(count(serial, 'Registered SAN device 0x80')).toBe(3);
      return { seconds, detail: 'installer returned, 0x80 hooked 3 times' };
    }),
    {
      id: 'check',
      title: 'netboot check from inside the lab: boot files and menus over TFTP, the NAS offering each target with its LUN, installer files',
      firmware: '-',
      async run() {
        if (!lab!.cli.check) return { seconds: 0, detail: 'this netboot has no check command' };
        const t0 = Date.now();
        const r = await lab!.netbootInNs('check', '--tftp-server', NET.server);
        expect(r.code, `netboot check exited ${r.code}:\n${r.stdout}${r.stderr}`).toBe(0);
        // The NAS was asked: tgt's discovery lists every target, and each logs in with its disk at LUN 1.
        expect(r.stdout).toMatch(new RegExp(`^ok   iscsi ${NET.server}:${NET.iscsiPort}: discovery lists \\d+ targets`, 'm'));
        for (const t of site().targets) {
          expect(r.stdout).toMatch(new RegExp(`^ok   iscsi target ${t.name}: ${BASE_IQN}:${t.name} offered; logged in as \\S+; LUN 1: \\d`, 'm'));
        }
        // The same NAS, and the two slips that used to show only as a PC failing to boot:
        // a misspelled IQN and a LUN the target does not have.
        const slipped = join(lab!.workDir, 'slipped');
        mkdirSync(join(slipped, 'etc/config'), { recursive: true });
        copyFileSync(join(lab!.labRoot, 'etc/config/dhcp'), join(slipped, 'etc/config/dhcp'));
        const config = readFileSync(join(lab!.labRoot, 'etc/config/netboot'), 'utf8');
        const slips = config
          .replace("\toption iqn_suffix 'fresh'", "\toption iqn_suffix 'frehs'")
          .replace("\toption iqn_suffix 'disk2'\n\toption lun '1'", "\toption iqn_suffix 'disk2'\n\toption lun '3'");
        expect(slips.split('\n').filter((l, i) => l !== config.split('\n')[i])).toHaveLength(2);
        writeFileSync(join(slipped, 'etc/config/netboot'), slips);
        const bad = await lab!.netbootInNsAt(slipped, 'check', '--tftp-server', NET.server);
        expect(bad.code, bad.stdout + bad.stderr).toBe(1);
        expect(bad.stdout).toMatch(new RegExp(`^FAIL iscsi target fresh: ${BASE_IQN}:frehs is not offered by \\S+; did you mean ${BASE_IQN}:fresh\\?`, 'm'));
        expect(bad.stdout).toMatch(/^FAIL iscsi target disk2: .*LUN 3 is not there: the target has LUNs 0, 1$/m);
        return { seconds: (Date.now() - t0) / 1000, detail: `exit 0, ${site().targets.length} targets offered with LUN 1; a misspelled IQN and a missing LUN each caught` };
      },
    },
  ],
};

// ---------------------------- the comparison with the seed: each VM alone on the lab
// Same TFTP menus as phase A (nothing re-rendered); alone, like the baseline below, so
// the ratio compares the menus and not how busy the two cores were.
const phaseSolo: Phase = {
  name: 'tftp-solo',
  async setup() {},
  scenarios: [
    vmScenario('s6-timeout', 'menu: unknown MAC, the countdowns take menu_default (disk1) then boot', 'bios', MAC.menuTimeout, async (vm) => ({
      seconds: await bootTo(vm, diskMarker('disk1', 'bios')),
    })),
  ],
};

// ------------------------------------------- broken config: nothing written, still boots
const BROKEN: Record<string, { config: string; error: RegExp }> = {
  // validation: a title iPXE cannot carry, and a default naming no target
  invalid: {
    config: netbootConfig({ ...site(), menuDefault: 'nosuch', targets: [{ name: 'disk1', title: 'Disk ${evil}' }, { name: 'disk2', title: 'Disk two' }] }),
    error: /netboot\.disk1\.title[\s\S]*netboot\.main\.menu_default|netboot\.main\.menu_default[\s\S]*netboot\.disk1\.title/,
  },
  // syntax: an unterminated quote
  unparsable: { config: `${netbootConfig(site())}\nconfig target 'disk3'\n\toption title 'never closed\n`, error: /line \d+/ },
};

/**
 * Each broken config: apply exits 1, names the option, and changes no file under LAB
 * but the refusal it records in RAM (var/run/netboot/last-apply.json), which is how
 * LuCI's Status page learns why the router's start-up apply did nothing.
 */
async function refuseBrokenConfigs(): Promise<string> {
  // The journeys' spool (var/run/dnsmasq) is dnsmasq's script's, written while VMs boot.
  const ignored = ['etc/config/netboot', 'var/run/netboot', 'var/run/dnsmasq'];
  for (const [kind, { config, error }] of Object.entries(BROKEN)) {
    const before = snapshot(lab!.labRoot, ignored);
    writeNetbootConfig(lab!.labRoot, config);
    const r = await netboot(lab!.labRoot, lab!.mode);
    expect(r.code, `${kind} config: ${lab!.mode} must refuse it\n${r.stdout}${r.stderr}`).toBe(1);
    expect(r.stderr, `${kind} config: the error says where`).toMatch(error);
    expect(snapshotDiff(before, snapshot(lab!.labRoot, ignored)), `${kind} config: files changed`).toEqual([]);
  }
  return `${lab!.mode} refused ${Object.keys(BROKEN).join(' + ')}`;
}

const phaseBroken: Phase = {
  name: 'broken',
  async setup() {},
  scenarios: [
    {
      id: 's9-broken',
      title: 'broken config: netboot exits 1, writes nothing; VM boots the previous menus',
      firmware: 'bios',
      async run() {
        const detail = await refuseBrokenConfigs();
        return lab!.withVm({ name: 's9-broken', firmware: 'bios', mac: MAC.broken, timeoutMs: TIMEOUT.bios }, async (vm) => ({
          seconds: await bootTo(vm, diskMarker('disk2', 'bios')),
          detail,
        }));
      },
    },
  ],
};

// ---------------------------------------------------------------- phase B: HTTP menus
const phaseHttp: Phase = {
  name: 'http',
  // UEFI clients get ipxe.efi here (snponly.efi in phase A).
  setup: () => lab!.publish(site({ httpUrl: `${HTTP_BASE}/netboot/`, efiLoader: 'ipxe.efi' }), 'dnsmasq-http'),
  scenarios: [
    bootsTarget('s4-ipxeefi', 'UEFI: OVMF PXE -> ipxe.efi -> menus over HTTP -> host script -> sanboot', 'uefi', MAC.ipxeEfi, 'disk2', (vm) => {
      expect(tftpSentTo(vm)).toContain('ipxe.efi');
      expect(httpPaths(vm, '/netboot/')).toContain(`/netboot/hosts/${hyphens(MAC.ipxeEfi)}.ipxe`);
      return 'ipxe.efi, menus over HTTP';
    }),
    bootsTarget('s5-http', 'BIOS: menus over HTTP (http_url), host action boot', 'bios', MAC.http, 'disk2', (vm) => {
      const paths = httpPaths(vm, '/netboot/');
      expect(paths).toEqual(expect.arrayContaining(['/netboot/menu.ipxe', '/netboot/boot.ipxe.cfg', `/netboot/hosts/${hyphens(MAC.http)}.ipxe`]));
      // Only the scripts are the menus: other TFTP fetches (status beacons) may exist.
      expect(tftpSentTo(vm).filter((f) => /^netboot\/(menu\.ipxe|boot\.ipxe\.cfg|hosts\/)/.test(f))).toEqual([]);
      return `${paths.length} scripts over HTTP, none over TFTP`;
    }),
  ],
};

// ---------------------------------------------- baseline: the seed's hand-written menu
const SEED = join(E2E_DIR, 'fixtures/seed');
const phaseBaseline: Phase = {
  name: 'baseline',
  async setup() {
    const dir = join(lab!.tftpRoot, 'baseline');
    mkdirSync(dir, { recursive: true });
    for (const f of ['boot.ipxe', 'boot.ipxe.cfg', 'menu.ipxe']) copyFileSync(join(SEED, f), join(dir, f));
    // Hand-written DHCP side too: the baseline is the reference, not netboot's output.
    await lab!.useDnsmasq('dnsmasq-baseline', [
      ...labNetworkLines(lab!.workDir),
      ...chainloadLines({ tftpRoot: lab!.tftpRoot, ipxeBoot: 'baseline/boot.ipxe', bios: 'undionly.kpxe', efi: 'snponly.efi' }),
    ]);
  },
  scenarios: [
    vmScenario('baseline', "seed's menu over TFTP, countdowns take ubuntu1 (disk1) then boot", 'bios', MAC.baseline, async (vm) => ({
      seconds: await bootTo(vm, diskMarker('disk1', 'bios')),
    })),
  ],
};

// ------------------------------ no boot.ipxe.cfg: a few tries, then the next boot device
const phaseNoCfg: Phase = {
  name: 'nocfg',
  async setup() {
    await lab!.publish(site(), 'dnsmasq-nocfg');
    rmSync(join(lab!.tftpRoot, 'netboot/boot.ipxe.cfg'));
  },
  scenarios: [
    vmScenario('s12-nocfg', 'no boot.ipxe.cfg: three tries with a pause, then exit to the next boot device', 'bios', MAC.noCfg, async (vm) => {
      // -no-reboot: SeaBIOS out of boot devices ends QEMU, which is the PC moving on.
      const seconds = await vm.waitUntil('the PC moving on to its next boot device', () => (vm.running ? undefined : vm.seconds()));
      const serial = vm.serial();
      expect(count(serial, 'could not load boot.ipxe.cfg')).toBe(3);
      expect(count(lab!.dnsmasq!.log(), `boot.ipxe.cfg not found for ${addressOf(vm)}`), 'TFTP requests').toBe(3);
      expect(count(serial, 'Press any key for the iPXE shell, or wait to try again')).toBe(2);
      expect(serial).toContain('No bootable device');
      return { seconds, detail: '3 tries, then the next boot device' };
    }),
  ],
};

// ------------------------------------------------- next-boot tasks: a reinstall, no keys
const TASK_HOST: LabHost = { name: 'pc13', mac: MAC.task, action: 'boot', target: 'disk1' };
const labConfig = () => readFileSync(join(lab!.labRoot, 'etc/config/netboot'), 'utf8');

/** What `sendkey` names the keys of a host name. */
const keysOf = (text: string) => [...text].map((c) => (c === '-' ? 'minus' : c));

// Both ask the router to change its config through dnsmasq's events: one phase,
// one dnsmasq with procd's stand-in. Registration on changes nothing for known PCs.
const phaseTasks: Phase = {
  name: 'tasks',
  setup: () => lab!.publish(site({ hosts: [...HOSTS, TASK_HOST], registration: true }), 'dnsmasq-tasks', { beacons: true }),
  scenarios: [
    {
      id: 's16-register',
      title: 'unknown PC: r, Disk two, types lab-16; the router adds the host from the DHCP event; the next boot has no key',
      firmware: 'bios',
      async run() {
        const spec = { firmware: 'bios' as const, mac: MAC.register, timeoutMs: TIMEOUT.bios };
        const first = await lab!.withVm({ ...spec, name: 's16-register' }, async (vm) => {
          const shown = (text: string) => vm.waitUntil(text, () => (vm.serial().includes(text) ? vm.seconds() : undefined), NB_FAILED);
          await shown('Register this PC as a new host (r)');
          await vm.sendKeys('r');
          await shown('which target is its disk?');
          await vm.sendKeys('down', 'ret');
          await shown('Type a host name for this PC');
          await vm.sendKeys(...keysOf('lab-16'), 'ret');
          const asked = await shown('Asking the router to register this PC');
          // Serial wraps at 80 columns: the start of the line is enough.
          const answered = await shown('netboot: this PC is now the host lab-16;');
          return { answer: answered - asked, disk: await bootTo(vm, diskMarker('disk2', 'bios')) };
        });
        expect(labConfig()).toContain(`config host 'lab_16'\n\toption mac '${MAC.register}'\n\toption hostname 'lab-16'\n\toption target 'disk2'\n\toption action 'boot'\n`);
        const next = await lab!.withVm({ ...spec, name: 's16-register-next' }, async (vm) => {
          const seconds = await bootTo(vm, diskMarker('disk2', 'bios'));
          expect(vm.serial()).not.toContain('netboot: choose the iSCSI target');
          return seconds;
        });
        return {
          seconds: next,
          detail: `keys r, down, ret, lab-16, ret; the router's answer ${first.answer.toFixed(1)} s after the request, its disk at ${first.disk.toFixed(1)} s; next boot on its disk in ${next.toFixed(1)} s, no key`,
        };
      },
    },
    {
      id: 's15-task',
      title: 'install task: the installer with no key; dnsmasq\'s events clear the task; the next boot sanboots the own disk with no key',
      firmware: 'bios',
      async run() {
        const set = await netboot(lab!.labRoot, 'task', TASK_HOST.name, 'install', 'linux');
        expect(set.code, `netboot task: ${set.stdout}${set.stderr}`).toBe(0);
        expect(labConfig()).toContain("\toption next_action 'install'\n");
        const spec = { firmware: 'bios' as const, mac: MAC.task, timeoutMs: TIMEOUT.bios };
        const installer = await lab!.withVm({ ...spec, name: 's15-task' }, async (vm) => {
          const seconds = await bootTo(vm, initramfsMarker('linux'));
          expect(vm.serial()).not.toContain('netboot: choose the iSCSI target');
          return seconds;
        });
        // The task's beacon went through dnsmasq's script, procd's stand-in and an apply
        // (the installer has powered the VM off by now).
        const t0 = Date.now();
        const config = await until('the task to be cleared', () => (/next_action/.test(labConfig()) ? undefined : labConfig()), 20_000);
        const install = { seconds: installer, cleared: installer + (Date.now() - t0) / 1000 };
        expect(config).toMatch(/\toption last_action 'install'\n\toption last_installer 'linux'\n\toption last_time '\d+'\n/);
        const next = await lab!.withVm({ ...spec, name: 's15-task-next' }, async (vm) => {
          const seconds = await bootTo(vm, diskMarker('disk1', 'bios'));
          expect(vm.serial()).not.toContain('netboot: choose the iSCSI target');
          expect(vm.serial()).not.toContain('initramfs=linux');
          return seconds;
        });
        return {
          seconds: install.seconds + next,
          detail: `0 keys: installer at ${install.seconds.toFixed(1)} s, task cleared by ${install.cleared.toFixed(1)} s, next boot on its disk in ${next.toFixed(1)} s`,
        };
      },
    },
  ],
};

const runner = new Runner([phaseTftp, phaseSolo, phaseBroken, phaseHttp, phaseBaseline, phaseNoCfg, phaseTasks]);

describe.skipIf(!lab)('boot lab', () => {
  beforeAll(() => {
    // The seed's target (ipxe.ubuntu1) serves disk1's image: the same marker as netboot's disk1.
    runner.start(
      lab!.start(['disk1', 'disk2', 'fresh'], {
        [`${BASE_IQN}:disk1`]: 'disk1',
        [`${BASE_IQN}:disk2`]: 'disk2',
        [`${BASE_IQN}:ipxe.ubuntu1`]: 'disk1',
        [`${BASE_IQN}:fresh`]: 'fresh',
        [`${BASE_IQN}:empty`]: 'fresh',
      }, [`${BASE_IQN}:fresh`, `${BASE_IQN}:empty`]),
    );
  });

  afterAll(async () => {
    await runner.done;
    const failed = (await Promise.all(runner.outcomes.values())).some((o) => !o.ok);
    const problems = await lab!.teardown(failed || process.env.NETBOOT_E2E_KEEP === '1');
    const total = (Date.now() - runner.startedAt) / 1000;
    console.log(`\nboot lab (TCG, 2 VMs at a time), seconds from VM start to marker:\n${runner.table()}\n` +
      `total lab time ${total.toFixed(1)} s${failed ? `; artifacts kept in ${lab!.workDir}` : ''}`);
    expect(problems, 'teardown').toEqual([]);
  });

  const tests: [string, string][] = [
    ['s1-host', '1. BIOS: host with action boot boots its target with no keypress'],
    ['s2-undionly', '2. BIOS through the undionly.kpxe hop'],
    ['s3-snponly', '3. UEFI (no NIC ROM) -> snponly.efi -> host script -> sanboot'],
    ['s4-ipxeefi', '4. UEFI with ipxe.efi (menus over HTTP)'],
    ['s5-http', '5. menus over HTTP (http_url)'],
    ['s6-keys', '6a. unknown MAC: sendkey picks the second target'],
    ['s6-timeout', '6b. unknown MAC: the timeout picks menu_default'],
    ['s7-linux', '7. install: sanhook + kernel/initrd, cmdline and iBFT seen by Linux'],
    ['s8-windows', '8. Windows entry: wimboot then the WinPE files, in order'],
    ['s9-broken', '9. broken config: refused, nothing written, previous menus still boot'],
    ['s10-retry', '10. a failed boot releases its drive: the host retries with no key and boots the disk once it has an image'],
    ['s11-return', '11. a returning installer and a failed boot release 0x80: the menu then boots another target'],
    ['s12-nocfg', '12. without boot.ipxe.cfg the PC tries three times, then goes on to its next boot device'],
    ['s13-guest', '13. a PC on a network that is not in netboot.main.interfaces gets no boot file'],
    ['s14-httpboot', '14. UEFI HTTP Boot (PXE off): the loader over HTTP from boot_url, then the host script, then sanboot'],
    ['s15-task', '15. an install task runs the installer with no key, is cleared from the real TFTP event, and the next boot boots the disk'],
    ['s16-register', '16. an unknown PC registers itself from its menu and boots its disk with no key on the next boot'],
    ['check', 'netboot check passes against the running lab'],
    ['baseline', "baseline: the seed's hand-written menu"],
  ];
  for (const [id, name] of tests) it(name, async () => void (await runner.expectOk(id)));

  it('netboot is no slower than the seed menu (ratio printed)', async () => {
    const nb = await runner.expectOk('s6-timeout');
    const seed = await runner.expectOk('baseline');
    const ratio = nb.seconds / seed.seconds;
    console.log(`netboot menu-timeout boot ${nb.seconds.toFixed(1)} s / seed baseline ${seed.seconds.toFixed(1)} s = ratio ${ratio.toFixed(2)}`);
    expect(ratio).toBeLessThan(1.5);
  });
});

describe.runIf(!gate.run)('boot lab', () => {
  if (gate.run) return;
  if ('fail' in gate) it('has its prerequisites (CI=true)', () => expect.fail(gate.fail));
  else it.skip(`skipped: ${gate.skip}`, () => {});
});
