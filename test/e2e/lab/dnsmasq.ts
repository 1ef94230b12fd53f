// dnsmasq for DHCP(+RA) and TFTP inside the namespace. The config is split in two:
// the lab's network (labNetworkLines) and how clients reach iPXE and its menu: either
// chainloadLines (the boot-lab recipe, for `render`) or, once netboot has `apply`, the
// translation of the /etc/config/dhcp sections it wrote (uci-dhcp.ts).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NET } from './env';
import type { Netns } from './netns';
import { Daemon } from './proc';

/**
 * The lab's network: what a router's defaults would give. `range`: lan's IPv4
 * range, when no translation of `config dhcp` sections (uci-dhcp.ts) brings it.
 */
export function labNetworkLines(workDir: string, range = true): string[] {
  return [
    'port=0', // no DNS
    'interface=br0',
    'interface=br1',
    'bind-interfaces',
    ...(range ? [`dhcp-range=${NET.dhcpFirst},${NET.dhcpLast},255.255.255.0,1h`] : []),
    `dhcp-leasefile=${join(workDir, 'dnsmasq.leases')}`,
    'no-ping', // else 3 s per offer
    'log-dhcp',
    // iPXE waits ~13 s for a router advertisement unless it gets one
    'enable-ra',
    'dhcp-range=::,constructor:br0,ra-only',
    'dhcp-range=::,constructor:br1,ra-only',
  ];
}

/** What netifd would say of the lab's interfaces (uci-dhcp.ts's dhcp_add asks). */
export const LAB_NETWORKS = {
  lan: { ifname: 'br0', subnet: `${NET.server}/${NET.prefix}` },
  guest: { ifname: 'br1', subnet: `${NET.guest.server}/${NET.prefix}` },
};

export interface Chainload {
  tftpRoot: string;
  /** What an iPXE client loads: a path under the TFTP root or an http:// URL. */
  ipxeBoot: string;
  /** For BIOS PXE ROMs that are not iPXE, and for UEFI's own PXE client. */
  bios: string;
  efi: string;
}

/** The standard chainloading options (boot-lab.md): non-iPXE firmware gets iPXE, iPXE gets the menu. */
export function chainloadLines(c: Chainload): string[] {
  return [
    'enable-tftp',
    `tftp-root=${c.tftpRoot}`,
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    `dhcp-boot=tag:!ipxe,tag:!efi64,${c.bios}`,
    `dhcp-boot=tag:!ipxe,tag:efi64,${c.efi}`,
    `dhcp-boot=tag:ipxe,${c.ipxeBoot}`,
    'dhcp-option=tag:ipxe,encap:175,176,1', // ipxe.no-pxedhcp: skip the ProxyDHCP wait
  ];
}

export class Dnsmasq {
  private constructor(readonly daemon: Daemon) {}

  /**
   * `env`: dnsmasq's whole environment (its scripts inherit it). `binds`: folders
   * dnsmasq sees at another path ([from, at]), in a mount namespace of its own
   * whose `at`'s parent is a fresh tmpfs, so nothing changes outside it.
   */
  static async start(ns: Netns | Netns['exec'], workDir: string, name: string, lines: string[], opts: { env?: NodeJS.ProcessEnv; binds?: [string, string][] } = {}): Promise<Dnsmasq> {
    const conf = join(workDir, `${name}.conf`);
    writeFileSync(conf, lines.join('\n') + '\n');
    const dnsmasq = ['dnsmasq', '-k', '-C', conf, '--log-facility=-', `--pid-file=${join(workDir, `${name}.pid`)}`];
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const mounts = (opts.binds ?? []).map(([from, at]) => `mount -t tmpfs tmpfs ${q(dirname(at))} && mkdir -p ${q(at)} && mount --bind ${q(from)} ${q(at)} && `);
    const exec = typeof ns === 'function' ? ns : ns.exec.bind(ns);
    const [cmd, args] = mounts.length ? exec('unshare', ['-m', 'sh', '-c', `${mounts.join('')}exec ${dnsmasq.map(q).join(' ')}`]) : exec(dnsmasq[0]!, dnsmasq.slice(1));
    const d = new Dnsmasq(new Daemon(name, cmd, args, join(workDir, `${name}.log`), opts.env));
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
    const re = new RegExp(`DHCPACK\\(br[01]\\) (\\S+) ${mac}`, 'i');
    return re.exec(this.log())?.[1];
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
