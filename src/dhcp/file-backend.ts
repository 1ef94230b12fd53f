// dhcp as a file under `--root DIR` (src/store/file.ts). Off a router there
// is no dnsmasq to reload; whoever runs the root (the boot lab) restarts its own.

import type { RouterRoot } from '../fs/root';
import { FileStore } from '../store/file';
import { StoreDhcpBackend } from './backend';

export class FileDhcpBackend extends StoreDhcpBackend {
  readonly name: string;

  constructor(root: RouterRoot) {
    super(new FileStore(root));
    this.name = `file ${root.configPath('dhcp')}`;
  }

  async reloadDnsmasq(): Promise<boolean> {
    return false;
  }

  async dnsmasqInstances(): Promise<undefined> {
    return undefined;
  }
}
