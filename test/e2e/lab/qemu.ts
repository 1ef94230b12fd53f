// One diskless VM on its own tap: TCG only, -no-reboot, serial to a file, a monitor
// socket for sendkey, and a hard timeout. Under BIOS, `-machine graphics=off` makes
// SeaBIOS mirror the VGA text (iPXE included) to COM1; under UEFI, OVMF copies ConOut
// to the serial port. Either way everything iPXE prints lands in the serial file.
import { copyFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { OVMF_CODE, OVMF_VARS } from './env';
import type { Netns } from './netns';
import { Daemon, sleep } from './proc';

export type Firmware = 'bios' | 'uefi';

export interface VmSpec {
  name: string;
  firmware: Firmware;
  mac: string;
  /** Hard limit from start; the VM is killed after it whatever happens. */
  timeoutMs: number;
  memMiB?: number;
  /** The bridge its tap joins: br0 (lan, the default) or br1 (guest). */
  bridge?: string;
  /** UEFI with OVMF's PXE switched off, so it tries UEFI HTTP Boot at once. */
  httpBoot?: boolean;
}

const ANSI = /\x1b\[[0-9;?=]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1bc/g;
export const stripAnsi = (s: string) => s.replace(ANSI, '');

export class Vm {
  readonly serialFile: string;
  readonly monitorSock: string;
  readonly startedAt: number;
  readonly deadline: number;
  private readonly daemon: Daemon;

  private constructor(
    readonly spec: VmSpec,
    readonly tap: string,
    workDir: string,
    ns: Netns,
  ) {
    const base = join(workDir, spec.name);
    this.serialFile = `${base}.serial`;
    this.monitorSock = `${base}.monitor`;
    const args = [
      '-accel', 'tcg', '-m', String(spec.memMiB ?? 256), '-smp', '1',
      '-display', 'none', '-no-reboot',
      '-serial', `file:${this.serialFile}`,
      '-monitor', `unix:${this.monitorSock},server,nowait`,
      '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`,
    ];
    if (spec.firmware === 'bios') {
      // The e1000's option ROM is iPXE (ipxe-qemu): the NIC boots straight into iPXE.
      // reboot-timeout=0: when SeaBIOS runs out of boot devices it reboots at once,
      // which -no-reboot turns into a QEMU exit (the default is to wait forever).
      args.push('-machine', 'graphics=off', '-device', `e1000,netdev=n0,mac=${spec.mac}`, '-boot', 'order=n,reboot-timeout=0');
    } else {
      // No option ROM: OVMF's own PXE client asks for a UEFI iPXE (snponly.efi / ipxe.efi).
      const vars = `${base}.vars.fd`;
      copyFileSync(OVMF_VARS, vars);
      args.push(
        '-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
        '-drive', `if=pflash,format=raw,file=${vars}`,
        '-device', `virtio-net-pci,netdev=n0,mac=${spec.mac},romfile=`,
      );
      // OVMF tries PXEv4, PXEv6, then HTTPv4; these knobs (edk2 OvmfPkg/Library/PxeBcPcdLib,
      // SetPxeBcPcds; OvmfPkg/RUNTIME_CONFIG.md) leave only HTTP: seconds instead of minutes of PXE timeouts.
      if (spec.httpBoot) args.push('-fw_cfg', 'name=opt/org.tianocore/IPv4PXESupport,string=no', '-fw_cfg', 'name=opt/org.tianocore/IPv6PXESupport,string=no');
    }
    const [cmd, full] = ns.exec('qemu-system-x86_64', args);
    this.startedAt = Date.now();
    this.deadline = this.startedAt + spec.timeoutMs;
    this.daemon = new Daemon(`qemu ${spec.name}`, cmd, full, `${base}.qemu.log`);
  }

  static async start(ns: Netns, workDir: string, spec: VmSpec, tap: string): Promise<Vm> {
    await ns.addTap(tap, spec.bridge);
    return new Vm(spec, tap, workDir, ns);
  }

  /** The serial output so far, ANSI escapes removed. */
  serial(): string {
    try {
      return stripAnsi(readFileSync(this.serialFile, 'latin1'));
    } catch {
      return '';
    }
  }

  get running(): boolean {
    return this.daemon.running;
  }

  seconds(at = Date.now()): number {
    return (at - this.startedAt) / 1000;
  }

  /**
   * Polls until `ready` returns a value. Fails at the hard deadline, when QEMU exits
   * (-no-reboot turns a triple fault or "no bootable device" into an exit), or when
   * `failure` matches the serial output.
   */
  async waitUntil<T>(what: string, ready: () => T | undefined, failure?: RegExp): Promise<T> {
    for (;;) {
      const v = ready();
      if (v !== undefined) return v;
      const serial = this.serial();
      const bad = failure?.exec(serial);
      if (bad) throw new VmError(this, `failed before ${what}: "${bad[0]}"`);
      if (!this.running) throw new VmError(this, `QEMU exited before ${what}\n${this.daemon.log().slice(-500)}`);
      if (Date.now() > this.deadline) throw new VmError(this, `hard timeout (${this.spec.timeoutMs / 1000} s) before ${what}`);
      await sleep(50);
    }
  }

  /** Waits for a pattern on serial; returns the seconds since the VM started. */
  async waitForSerial(re: RegExp, failure?: RegExp): Promise<number> {
    return this.waitUntil(`serial ${re}`, () => (re.test(this.serial()) ? this.seconds() : undefined), failure);
  }

  /** Sends QEMU monitor commands (e.g. "sendkey down") in order. */
  async monitor(...commands: string[]): Promise<void> {
    const sock = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const s = connect(this.monitorSock);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString()));
    const prompts = () => (out.match(/\(qemu\) /g) ?? []).length;
    const waitPrompt = async (n: number) => {
      const end = Date.now() + 5000;
      while (prompts() < n) {
        if (Date.now() > end) throw new Error(`QEMU monitor did not answer: ${out}`);
        await sleep(10);
      }
    };
    try {
      await waitPrompt(1);
      for (let i = 0; i < commands.length; i++) {
        sock.write(`${commands[i]}\n`);
        await waitPrompt(i + 2);
      }
    } finally {
      sock.destroy();
    }
  }

  async sendKeys(...keys: string[]): Promise<void> {
    await this.monitor(...keys.map((k) => `sendkey ${k}`));
  }

  async stop(ns: Netns): Promise<void> {
    await this.daemon.stop(2000);
    await ns.delTap(this.tap);
  }
}

export class VmError extends Error {
  constructor(vm: Vm, message: string) {
    const tail = vm
      .serial()
      .split(/\r?\n/)
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .slice(-25)
      .join('\n  ');
    super(`${vm.spec.name} (${vm.spec.firmware}, ${vm.spec.mac}) after ${vm.seconds().toFixed(1)} s: ${message}\n  serial tail:\n  ${tail}`);
  }
}
