// The whole lab: a work dir, the namespace, tgtd with one hybrid disk per target, the
// HTTP server, dnsmasq (restarted per phase), and VMs, at most two at a time (CI has two
// cores). teardown() undoes everything that start() got to, even after a failure.
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainloadLines, Dnsmasq, LAB_NETWORKS, labNetworkLines } from './dnsmasq';
import { findKernel, NETBOOT_CLI } from './env';
import { HttpServer } from './http';
import { buildHybridDisk, buildInitramfs, buildInstallTree } from './images';
import {
  installBootloaders,
  netbootConfig,
  OPENWRT_DHCP,
  cliCommands,
  publish,
  TFTP_ROOT,
  writeNetbootConfig,
  type LabSite,
  type Publish,
} from './netboot';
import { Netns } from './netns';
import { jshnStandIn } from './jshn';
import { procdStandIn } from './procd';
import { run, type RunResult } from './proc';
import { Vm, type VmSpec } from './qemu';
import { Tgt } from './tgt';
import { OWRT_PREFIX } from '../../helpers/owrt';
import { HAS_HANDLER, netbootDhcpScript, openwrtDhcpScript } from '../../helpers/openwrt-dhcp-script';
import { dnsmasqEnv, OPENWRT_DHCP_SCRIPT, translateDhcp } from './uci-dhcp';


/** FIFO semaphore: waiters run in the order they asked. */
class Slots {
  private queue: (() => void)[] = [];
  constructor(private free: number) {}
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.queue.push(r));
  }
  give(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}

export interface LabDisk {
  /** Target IQN served by tgt. */
  iqn: string;
  /** Which disk image (and so which marker) it serves. */
  image: string;
}

export class Lab {
  readonly workDir: string;
  readonly labRoot: string;
  readonly tftpRoot: string;
  readonly installDir: string;
  readonly buildDir: string;
  ns?: Netns;
  tgt?: Tgt;
  http?: HttpServer;
  dnsmasq?: Dnsmasq;
  /** render, or apply once the CLI has it (decided at start). */
  mode: Publish = 'render';
  cli = { apply: false, bootloaders: false, check: false };
  private bootloadersInstalled = false;
  private vms = new Set<Vm>();
  /** Per target IQN: its backing file, and the disk image it was built from. */
  private backing = new Map<string, { file: string; image: string }>();
  private slots = new Slots(2);
  private tapCount = 0;

  constructor() {
    this.workDir = mkdtempSync(join(tmpdir(), 'netboot-e2e-'));
    chmodSync(this.workDir, 0o755); // dnsmasq runs as nobody and must reach the TFTP root
    this.labRoot = join(this.workDir, 'lab');
    this.tftpRoot = join(this.labRoot, TFTP_ROOT);
    this.installDir = join(this.workDir, 'install');
    this.buildDir = join(this.workDir, 'build');
    for (const d of [this.tftpRoot, this.installDir, this.buildDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  }

  /**
   * Builds one disk per name in `images`, then serves each target IQN from the image
   * named by `disks[iqn]` (several IQNs may share an image: each gets its own copy).
   * IQNs in `blank` start as zeros of the same size: nothing to boot until `fill`.
   */
  async start(images: string[], disks: Record<string, string>, blank: string[] = []): Promise<void> {
    const kernel = findKernel();
    if (!kernel) throw new Error('no kernel');
    const built = new Map<string, string>();
    await Promise.all(images.map(async (name) => built.set(name, await buildHybridDisk(this.buildDir, name))));
    const initrd = await buildInitramfs(this.buildDir, 'linux');
    buildInstallTree(this.installDir, kernel, initrd);
    this.cli = await cliCommands();
    this.mode = this.cli.apply ? 'apply' : 'render';
    if (this.mode === 'apply') {
      mkdirSync(join(this.labRoot, 'etc/config'), { recursive: true });
      writeFileSync(join(this.labRoot, 'etc/config/dhcp'), OPENWRT_DHCP);
    }

    this.ns = await Netns.create(`nbe2e-${process.pid}`);
    this.tgt = await Tgt.start(this.ns, this.workDir);
    let copies = 0;
    for (const [iqn, image] of Object.entries(disks)) {
      const src = built.get(image);
      if (!src) throw new Error(`no image ${image}`);
      const backing = join(this.buildDir, `lun-${copies++}-${image}.img`);
      if (blank.includes(iqn)) writeFileSync(backing, Buffer.alloc(statSync(src).size));
      else copyFileSync(src, backing);
      this.backing.set(iqn, { file: backing, image: src });
      await this.tgt.addTarget(iqn, backing);
    }
    this.http = await HttpServer.start(this.ns, this.workDir, {
      '/netboot/': join(this.tftpRoot, 'netboot'),
      '/install/': this.installDir,
      '/tftp/': this.tftpRoot,
    });
  }

  /**
   * Publishes a site the way a router would: writes /etc/config/netboot, runs netboot,
   * then restarts dnsmasq with the DHCP side. With `apply`, that is the translation of
   * the /etc/config/dhcp sections netboot wrote; with `render`, the boot-lab options.
   */
  /**
   * `beacons`: dnsmasq sees the TFTP root where the router has it (TFTP_ROOT, so its
   * events carry the router's paths) and its script's `ubus` is procd's stand-in
   * (lab/procd.ts), so beacons that change the config get applied as on a router.
   */
  async publish(site: LabSite, dnsmasqName: string, opts: { beacons?: boolean } = {}): Promise<void> {
    writeNetbootConfig(this.labRoot, netbootConfig(site));
    if (!this.bootloadersInstalled) {
      await installBootloaders(this.labRoot, this.cli.bootloaders);
      this.bootloadersInstalled = true;
    }
    await publish(this.labRoot, this.mode);
    const dhcp = this.mode === 'apply' ? readFileSync(join(this.labRoot, 'etc/config/dhcp'), 'utf8') : '';
    // dnsmasq's --dhcp-script as on a router: OpenWrt's dhcp-script.sh (transcribed),
    // sourcing netboot's script from the package, its journey spool under the
    // lab's router folder, with OpenWrt's jshn (OWRT_PREFIX) or else a stand-in
    // (lab/jshn.ts). It must say nothing.
    const prefix = OWRT_PREFIX ?? jshnStandIn(join(this.workDir, 'jshn'));
    const openwrtScript = openwrtDhcpScript(join(this.workDir, 'openwrt'), prefix);
    const { USER_DHCPSCRIPT } = dnsmasqEnv(dhcp);
    const boot =
      this.mode === 'apply'
        ? translateDhcp(dhcp, (p) => (p === OPENWRT_DHCP_SCRIPT ? openwrtScript : opts.beacons && p === TFTP_ROOT ? p : join(this.labRoot, p)), HAS_HANDLER, LAB_NETWORKS)
        : chainloadLines({
            tftpRoot: this.tftpRoot,
            ipxeBoot: site.httpUrl ? `${site.httpUrl}menu.ipxe` : 'netboot/menu.ipxe',
            bios: 'undionly.kpxe',
            efi: site.efiLoader,
          });
    const env: NodeJS.ProcessEnv | undefined = USER_DHCPSCRIPT ? { ...process.env, USER_DHCPSCRIPT: netbootDhcpScript(join(this.workDir, 'netboot'), prefix, this.labRoot) } : undefined;
    // jshn.sh runs the jshn command (OWRT_PREFIX/bin); the beacons' `ubus` comes first.
    if (env) env.PATH = [...(opts.beacons ? [procdStandIn(join(this.workDir, 'procd'), this.labRoot).bin] : []), join(prefix, 'bin'), env.PATH].join(':');
    await this.useDnsmasq(dnsmasqName, [...labNetworkLines(this.workDir, this.mode === 'render'), ...boot], env, opts.beacons ? [[this.tftpRoot, TFTP_ROOT]] : []);
  }

  /**
   * Writes a target's bootable image over its blank backing file, in place: tgt keeps
   * serving the same open file, as a NAS whose disk came back would.
   */
  fill(iqn: string): void {
    const b = this.backing.get(iqn);
    if (!b) throw new Error(`no target ${iqn}`);
    const fd = openSync(b.file, 'r+');
    try {
      writeSync(fd, readFileSync(b.image), 0, undefined, 0);
    } finally {
      closeSync(fd);
    }
  }

  /** Runs the built netboot inside the namespace (so it reaches 10.77.0.1 like a client would). */
  async netbootInNs(...args: string[]): Promise<RunResult> {
    return this.netbootInNsAt(this.labRoot, ...args);
  }

  /** netboot inside the lab's namespace on another router root (a variant of the lab's config). */
  async netbootInNsAt(root: string, ...args: string[]): Promise<RunResult> {
    if (!this.ns) throw new Error('lab not started');
    const [cmd, full] = this.ns.exec(process.execPath, [NETBOOT_CLI, '--root', root, ...args]);
    return run(cmd, full, { allowFail: true });
  }

  /** (Re)starts dnsmasq with the given config lines. */
  async useDnsmasq(name: string, lines: string[], env?: NodeJS.ProcessEnv, binds: [string, string][] = []): Promise<Dnsmasq> {
    if (!this.ns) throw new Error('lab not started');
    await this.dnsmasq?.stop();
    this.dnsmasq = undefined;
    this.dnsmasq = await Dnsmasq.start(this.ns, this.workDir, name, lines, { env, binds });
    return this.dnsmasq;
  }

  /** Runs fn with a started VM (waiting for one of the two slots); the VM is always stopped. */
  async withVm<T>(spec: VmSpec, fn: (vm: Vm) => Promise<T>): Promise<T> {
    const ns = this.ns;
    if (!ns) throw new Error('lab not started');
    await this.slots.take();
    let vm: Vm | undefined;
    try {
      vm = await Vm.start(ns, this.workDir, spec, `nbtap${this.tapCount++}`);
      this.vms.add(vm);
      return await fn(vm);
    } finally {
      if (vm) {
        await vm.stop(ns);
        this.vms.delete(vm);
      }
      this.slots.give();
    }
  }

  /** Stops everything by pid, checks the namespace is empty, deletes it. Returns problems. */
  async teardown(keepWorkDir: boolean): Promise<string[]> {
    const problems: string[] = [];
    const step = async (what: string, f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
      }
    };
    for (const vm of [...this.vms]) if (this.ns) await step('qemu', () => vm.stop(this.ns!));
    await step('tgtd', async () => this.tgt?.stop());
    await step('dnsmasq', async () => this.dnsmasq?.stop());
    await step('http', async () => this.http?.stop());
    if (this.ns) problems.push(...(await this.ns.destroy()));
    if (!keepWorkDir && !problems.length) rmSync(this.workDir, { recursive: true, force: true });
    return problems;
  }
}
