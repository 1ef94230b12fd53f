// dnsmasq for DHCP(+RA) and TFTP inside the namespace. The config is split in two:
// the lab's network (labNetworkLines) and how clients are sent to iPXE and its menu
// (chainloadLines: the boot-lab recipe). Once `netboot apply` writes /etc/config/dhcp,
// chainloadLines gives way to a translation of those sections, as OpenWrt's dnsmasq.init does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NET } from './env';
import type { Netns } from './netns';
import { Daemon } from './proc';

export function labNetworkLines(workDir: string, tftpRoot: string): string[] {
  return [
    'port=0', // no DNS
    'interface=br0',
    'bind-interfaces',
    `dhcp-range=${NET.dhcpFirst},${NET.dhcpLast},255.255.255.0,1h`,
    `dhcp-leasefile=${join(workDir, 'dnsmasq.leases')}`,
    'no-ping', // else 3 s per offer
    'log-dhcp',
    // iPXE waits ~13 s for a router advertisement unless it gets one
    'enable-ra',
    'dhcp-range=::,constructor:br0,ra-only',
    'enable-tftp',
    `tftp-root=${tftpRoot}`,
  ];
}

export interface Chainload {
  /** What an iPXE client loads: a path under the TFTP root or an http:// URL. */
  ipxeBoot: string;
  /** BIOS PXE ROMs that are not iPXE. */
  bios: string;
  /** UEFI PXE: the default, and per-MAC overrides (tag → file). */
  efi: string;
  efiByTag?: Record<string, string>;
  /** MAC → dnsmasq tag, for the overrides. */
  hostTags?: { mac: string; tag: string }[];
}

/** The standard chainloading options (boot-lab.md): non-iPXE firmware gets iPXE, iPXE gets the menu. */
export function chainloadLines(c: Chainload): string[] {
  const overrides = Object.entries(c.efiByTag ?? {});
  const notOverridden = overrides.map(([tag]) => `tag:!${tag},`).join('');
  return [
    ...(c.hostTags ?? []).map((h) => `dhcp-host=${h.mac},set:${h.tag}`),
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    `dhcp-boot=tag:!ipxe,tag:!efi64,${c.bios}`,
    ...overrides.map(([tag, file]) => `dhcp-boot=tag:!ipxe,tag:efi64,tag:${tag},${file}`),
    `dhcp-boot=tag:!ipxe,tag:efi64,${notOverridden}${c.efi}`,
    `dhcp-boot=tag:ipxe,${c.ipxeBoot}`,
    'dhcp-option=tag:ipxe,encap:175,176,1', // ipxe.no-pxedhcp: skip the ProxyDHCP wait
  ];
}

export class Dnsmasq {
  private constructor(readonly daemon: Daemon) {}

  static async start(ns: Netns, workDir: string, name: string, lines: string[]): Promise<Dnsmasq> {
    const conf = join(workDir, `${name}.conf`);
    writeFileSync(conf, lines.join('\n') + '\n');
    const [cmd, args] = ns.exec('dnsmasq', ['-k', '-C', conf, '--log-facility=-', `--pid-file=${join(workDir, `${name}.pid`)}`]);
    const d = new Dnsmasq(new Daemon(name, cmd, args, join(workDir, `${name}.log`)));
    // dnsmasq runs as nobody: an unreadable TFTP root is only reported in its log.
    await d.daemon.waitForLog(/TFTP root is/, 10000, /FAILED to start|inaccessible/);
    return d;
  }

  log(): string {
    return this.daemon.log();
  }

  /** Files dnsmasq's TFTP server sent, in order ("sent /path/file to 10.77.0.x"). */
  tftpSent(): { file: string; to: string }[] {
    return [...this.log().matchAll(/sent (\S+) to (\S+)/g)].map((m) => ({ file: m[1]!, to: m[2]! }));
  }

  /** The address dnsmasq leased to a MAC, if any yet. */
  addressOf(mac: string): string | undefined {
    const re = new RegExp(`DHCPACK\\(br0\\) (\\S+) ${mac}`, 'i');
    return re.exec(this.log())?.[1];
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
