// dhcp as a file under `--root DIR`: edited in place, every section netboot
// does not own left byte for byte as it was. Off a router there is no dnsmasq
// to reload; whoever runs the root (the boot lab) restarts its own.

import { writeFileAtomic } from '../fs/atomic';
import { platform } from '../platform';
import type { RouterRoot } from '../fs/root';
import { editUci, parseUci, type UciPackage } from '../uci';
import type { DhcpBackend, DhcpEdit } from './backend';

export class FileDhcpBackend implements DhcpBackend {
  readonly name: string;

  constructor(private readonly root: RouterRoot) {
    this.name = `file ${root.configPath('dhcp')}`;
  }

  async read(): Promise<UciPackage | undefined> {
    const text = this.root.readConfig('dhcp');
    return text === undefined ? undefined : parseUci(text, 'dhcp');
  }

  async write(edit: DhcpEdit): Promise<void> {
    const path = this.root.configPath('dhcp');
    const text = this.root.readConfig('dhcp') ?? '';
    // Sections that must become last are cut out first and appended again by `set`.
    const moved = editUci(text, 'dhcp', {
      remove: [...edit.remove, ...edit.last],
      options: edit.dnsmasq ? { [edit.dnsmasq.section]: edit.dnsmasq.options } : undefined,
    });
    const out = editUci(moved, 'dhcp', { set: edit.set });
    if (out !== text) writeFileAtomic(path, out, modeOf(path));
  }

  async reloadDnsmasq(): Promise<boolean> {
    return false;
  }

  async dnsmasqInstances(): Promise<undefined> {
    return undefined;
  }

  close(): void {}
}

function modeOf(path: string): number {
  return (platform.stat(path)?.mode ?? 0o644) & 0o777;
}
