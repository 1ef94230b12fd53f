// The validated model of /etc/config/netboot. Everything downstream (rendering,
// dhcp, status) reads only this, never raw UCI, so a value here is already
// checked and safe to write into an iPXE script.

export type Action = 'menu' | 'boot' | 'install';
export const ACTIONS: readonly Action[] = ['menu', 'boot', 'install'];

export type InstallerKind = 'debian-installer' | 'linux' | 'windows' | 'iso' | 'chain';
export const INSTALLER_KINDS: readonly InstallerKind[] = ['debian-installer', 'linux', 'windows', 'iso', 'chain'];

export interface Settings {
  enabled: boolean;
  /** Absolute path on the router, e.g. /srv/tftp. */
  tftpRoot: string;
  /** Seconds; 0 waits for a key. */
  menuTimeout: number;
  /** A target name or 'exit'. */
  menuDefault: string;
  iscsiServer?: string;
  iscsiPort: number;
  baseIqn?: string;
  /** HTTP base of the NAS installer tree, always ending in '/'. */
  installerUrl?: string;
  /** IQN template with {mac} and {hostname} placeholders. */
  initiatorIqn: string;
  /** When set, iPXE fetches netboot's scripts from here (ending in '/') instead of TFTP. */
  httpUrl?: string;
  /** Where the whole TFTP root is served over HTTP (ending in '/'): UEFI HTTP Boot clients get the loaders from here. */
  bootUrl?: string;
  /** OpenWrt interfaces (a dhcp section's `interface`) whose DHCP clients get boot options. */
  interfaces: string[];
  /** First-stage iPXE binaries, relative to the TFTP root, per firmware. */
  bootloaders: { bios: string; efi64: string; arm64: string };
  /** Unknown PCs may add themselves as hosts from their boot menu (src/register). */
  registration: boolean;
}

export interface Chap {
  username: string;
  password: string;
  reverseUsername?: string;
  reversePassword?: string;
}

export interface Target {
  name: string;
  title: string;
  iqn: string;
  server: string;
  port: number;
  lun: number;
  chap?: Chap;
  /** Installer names offered for this target; all installers when the list is empty. */
  installers: string[];
  /** UEFI: the file sanboot starts instead of \EFI\BOOT\BOOTX64.EFI. */
  sanFilename?: string;
}

/** A URL, possibly holding netboot's {arch} placeholder. */
export type Url = string;

export type InstallerSpec =
  | { kind: 'debian-installer'; kernel: Url; initrds: Url[]; args: string; preseed?: Url }
  | { kind: 'linux'; kernel: Url; initrds: Url[]; args: string }
  | { kind: 'windows'; wimboot: Url; path: Url; args: string; injects: Url[] }
  | { kind: 'iso'; url: Url }
  | { kind: 'chain'; url: Url; args: string };

export interface Installer {
  name: string;
  title: string;
  spec: InstallerSpec;
}

/** A one-shot job for a host's next network boot (`netboot task`). */
export interface Task {
  action: Action;
  installer?: string;
  /** Unix seconds when it was set; with the MAC it names the task's beacon. */
  since: number;
}

/** The task a host ran last, as apply recorded it. */
export interface LastTask {
  action: Action;
  installer?: string;
  /** Unix seconds of the beacon that showed it starting. */
  time: number;
}

export interface Host {
  name: string;
  /** Lower-case, colon separated. */
  mac: string;
  hostname?: string;
  target?: string;
  action: Action;
  installer?: string;
  /** Fully expanded for this host. */
  initiatorIqn: string;
  menuTimeout?: number;
  /** BIOS: chainload the router's undionly.kpxe even when the NIC ROM already runs iPXE. */
  undionly: boolean;
  /** What the next boot does instead of `action`, until it has started. */
  task?: Task;
  lastTask?: LastTask;
}

export interface Model {
  settings: Settings;
  targets: Target[];
  installers: Installer[];
  hosts: Host[];
}

export interface Problem {
  /** netboot.SECTION.OPTION (or netboot.SECTION for a whole section). */
  where: string;
  message: string;
}

export interface LoadResult {
  model?: Model;
  errors: Problem[];
  warnings: Problem[];
}
