// dhcp through the `uci` command (src/store/cli.ts), for routers without
// ubus: dnsmasq is reloaded by its init script and found by pidof.

import { platform, run } from '../platform';
import { UciCliStore } from '../store/cli';
import { StoreDhcpBackend } from './backend';
import type { DnsmasqInstance } from './settle';

export class UciCliDhcpBackend extends StoreDhcpBackend {
  readonly name = 'uci command';

  /** `uci` is the command and its leading arguments (tests add `-c DIR`). */
  constructor(uci: string[] = ['uci']) {
    super(new UciCliStore(uci));
  }

  async reloadDnsmasq(): Promise<boolean> {
    run(['/etc/init.d/dnsmasq', 'reload']);
    return true;
  }

  async dnsmasqInstances(): Promise<DnsmasqInstance[]> {
    const r = platform.exec(['pidof', 'dnsmasq']);
    if (r.status !== 0) return [];
    return r.stdout
      .trim()
      .split(/\s+/)
      .map((pid) => ({ running: true, pid: Number(pid) }));
  }
}
