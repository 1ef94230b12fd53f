// The system under test: the lab writes LAB/etc/config/netboot, runs the built
// dist/netboot.js against LAB, and serves whatever it wrote. No iPXE script is written here.
import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BOOTLOADERS, IPXE_DIR, NETBOOT_CLI, NET } from './env';
import { RETURNING_INSTALLER } from './images';
import { run, type RunResult } from './proc';

export const TFTP_ROOT = '/srv/tftp';
export const BASE_IQN = 'iqn.2024-01.test.e2e';

export interface LabTarget {
  name: string;
  title: string;
}

export interface LabHost {
  name: string;
  mac: string;
  action: 'menu' | 'boot' | 'install';
  target?: string;
  installer?: string;
  undionly?: boolean;
}

export interface LabSite {
  /** What UEFI PXE clients (no iPXE yet) are given; BIOS ones get undionly.kpxe. */
  efiLoader: 'snponly.efi' | 'ipxe.efi';
  menuTimeout: number;
  menuDefault: string;
  httpUrl?: string;
  /** netboot.main.boot_url: where the lab's HTTP server serves the TFTP root (UEFI HTTP Boot). */
  bootUrl?: string;
  installerUrl: string;
  targets: LabTarget[];
  hosts: LabHost[];
  /** Unknown PCs may register themselves from the menu. */
  registration?: boolean;
  /** Extra raw UCI text, appended verbatim (broken-config scenarios). */
  extra?: string;
}

const q = (v: string) => `'${v}'`;

/** /etc/config/netboot for a lab site, in UCI syntax. */
export function netbootConfig(s: LabSite): string {
  const out = [
    `config netboot 'main'`,
    `\toption enabled '1'`,
    `\toption tftp_root ${q(TFTP_ROOT)}`,
    `\toption menu_timeout ${q(String(s.menuTimeout))}`,
    `\toption menu_default ${q(s.menuDefault)}`,
    `\toption iscsi_server ${q(NET.server)}`,
    `\toption base_iqn ${q(BASE_IQN)}`,
    `\toption installer_url ${q(s.installerUrl)}`,
    `\toption initiator_iqn 'iqn.2010-04.org.ipxe:{mac}'`,
  ];
  if (s.httpUrl) out.push(`\toption http_url ${q(s.httpUrl)}`);
  if (s.bootUrl) out.push(`\toption boot_url ${q(s.bootUrl)}`);
  out.push(`\toption bootloader_bios 'undionly.kpxe'`, `\toption bootloader_efi64 ${q(s.efiLoader)}`);
  if (s.registration) out.push(`\toption registration '1'`);
  for (const t of s.targets) {
    out.push('', `config target ${q(t.name)}`, `\toption title ${q(t.title)}`, `\toption iqn_suffix ${q(t.name)}`, `\toption lun '1'`);
  }
  out.push(
    '',
    `config installer 'linux'`,
    `\toption kind 'linux'`,
    `\toption title 'Test kernel'`,
    `\toption kernel 'linux/vmlinuz'`,
    `\tlist initrd 'linux/initrd.gz'`,
    `\toption args 'console=ttyS0 quiet panic=-1 netboot.marker=install-linux'`,
    '',
    `config installer 'returns'`,
    `\toption kind 'chain'`,
    `\toption title 'Installer that returns'`,
    `\toption url ${q(RETURNING_INSTALLER)}`,
    '',
    `config installer 'win'`,
    `\toption kind 'windows'`,
    `\toption title 'Windows PE stand-in'`,
    `\toption path 'winpe'`,
    `\toption wimboot 'wimboot'`,
  );
  for (const h of s.hosts) {
    out.push('', `config host ${q(h.name)}`, `\toption mac ${q(h.mac)}`, `\toption action ${q(h.action)}`);
    if (h.target) out.push(`\toption target ${q(h.target)}`);
    if (h.installer) out.push(`\toption installer ${q(h.installer)}`);
    if (h.undionly) out.push(`\toption undionly '1'`);
  }
  if (s.extra) out.push('', s.extra);
  return out.join('\n') + '\n';
}

export function writeNetbootConfig(labRoot: string, text: string): void {
  mkdirSync(join(labRoot, 'etc/config'), { recursive: true });
  writeFileSync(join(labRoot, 'etc/config/netboot'), text);
}

export function netboot(labRoot: string, ...args: string[]): Promise<RunResult> {
  return run(process.execPath, [NETBOOT_CLI, '--root', labRoot, ...args], { allowFail: true });
}

/** What the built CLI can do, from its --help (commands are listed indented). */
export async function cliCommands(): Promise<{ apply: boolean; bootloaders: boolean; check: boolean }> {
  const help = (await netboot('/nonexistent', '--help')).stdout;
  const has = (cmd: string) => new RegExp(`^ +${cmd}\\s`, 'm').test(help);
  return { apply: has('apply'), bootloaders: has('bootloaders install'), check: has('check') };
}

/**
 * How the lab publishes a config: `apply` (files + /etc/config/dhcp) once the built CLI
 * has it, else `render` (files only; the lab then writes the DHCP side itself).
 */
export type Publish = 'render' | 'apply';

/** `render` or `apply` must succeed; its output is part of the error otherwise. */
export async function publish(labRoot: string, mode: Publish): Promise<RunResult> {
  const r = await netboot(labRoot, mode);
  if (r.code !== 0) throw new Error(`netboot ${mode} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

/** A stock OpenWrt /etc/config/dhcp (trimmed) with a guest network: what `apply` edits in place. */
export const OPENWRT_DHCP = `config dnsmasq
	option domainneeded '1'
	option localise_queries '1'
	option rebind_protection '1'
	option local '/lan/'
	option domain 'lan'
	option expandhosts '1'
	option authoritative '1'
	option readethers '1'
	option leasefile '/tmp/dhcp.leases'
	option localservice '1'

config dhcp 'lan'
	option interface 'lan'
	option start '100'
	option limit '150'
	option leasetime '12h'

config dhcp 'guest'
	option interface 'guest'
	option start '100'
	option limit '50'
	option leasetime '1h'

config dhcp 'wan'
	option interface 'wan'
	option ignore '1'
`;

/** iPXE at the top of the TFTP root: `netboot bootloaders install` once it exists, else a copy. */
export async function installBootloaders(labRoot: string, viaCli: boolean): Promise<void> {
  if (viaCli) {
    const r = await netboot(labRoot, 'bootloaders', 'install', '--from', IPXE_DIR);
    if (r.code !== 0) throw new Error(`netboot bootloaders install exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return;
  }
  const tftp = join(labRoot, TFTP_ROOT);
  mkdirSync(tftp, { recursive: true });
  for (const b of BOOTLOADERS) copyFileSync(join(IPXE_DIR, b), join(tftp, b));
}

/** Every file under dir (except `skip`), with its type, mode and content hash. */
export function snapshot(dir: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const rel = relative(dir, p);
      if (skip.includes(rel)) continue;
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out.set(rel + '/', `dir ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`);
        walk(p);
      } else if (st.isSymbolicLink()) out.set(rel, `link ${readlinkSync(p)}`);
      else out.set(rel, `file ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

/** Human-readable differences between two snapshots (empty: identical). */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const diffs: string[] = [];
  for (const [k, v] of after) if (before.get(k) !== v) diffs.push(`${before.has(k) ? 'changed' : 'added'}: ${k}`);
  for (const k of before.keys()) if (!after.has(k)) diffs.push(`removed: ${k}`);
  return diffs;
}
