// dhcp through the `uci` command, for routers without ubus. Caveat (README):
// `uci commit dhcp` also commits changes other people left pending in
// /tmp/.uci/dhcp, which the rpcd backend avoids.

import { platform, run } from '../platform';
import { quoteUci, parseUci, type UciPackage } from '../uci';
import type { DhcpBackend, DhcpEdit } from './backend';
import type { DnsmasqInstance } from './settle';

export class UciCliDhcpBackend implements DhcpBackend {
  readonly name = 'uci command';

  /** `uci` is the command and its leading arguments (tests add `-c DIR`). */
  constructor(private readonly uci: string[] = ['uci']) {}

  private run(args: string[], stdin?: string): string {
    return run([...this.uci, ...args], stdin);
  }

  async read(): Promise<UciPackage | undefined> {
    return parseUci(this.run(['export', 'dhcp']), 'dhcp');
  }

  async write(edit: DhcpEdit): Promise<void> {
    const have = new Map((await this.read())?.sections.map((s) => [s.name, s]));
    const lines: string[] = [];
    const target = (section: string, option?: string) => `dhcp.${section}${option ? `.${option}` : ''}`;
    for (const name of [...edit.remove, ...edit.last]) if (have.has(name)) lines.push(`delete ${target(name)}`);
    if (edit.dnsmasq) {
      for (const [k, v] of Object.entries(edit.dnsmasq.options)) {
        lines.push(v === undefined ? `delete ${target(edit.dnsmasq.section, k)}` : `set ${target(edit.dnsmasq.section, k)}=${quoteUci(v)}`);
      }
    }
    for (const s of edit.set) {
      // A section staying in place is rewritten option by option (uci appends re-added sections).
      const old = edit.last.includes(s.name) ? undefined : have.get(s.name);
      lines.push(`set ${target(s.name)}=${s.type}`);
      for (const k of old?.options.keys() ?? []) lines.push(`delete ${target(s.name, k)}`);
      for (const [k, v] of s.options) {
        if (typeof v === 'string') lines.push(`set ${target(s.name, k)}=${quoteUci(v)}`);
        else for (const item of v) lines.push(`add_list ${target(s.name, k)}=${quoteUci(item)}`);
      }
    }
    lines.push('commit dhcp');
    this.run(['batch'], `${lines.join('\n')}\n`);
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

  close(): void {}
}

