// dhcp through rpcd's `uci` object with netboot's own session (src/store/
// rpcd.ts): whatever a person has pending in LuCI or /tmp/.uci is never
// committed by netboot. rpcd's commit sends procd config.change, and procd
// reloads dnsmasq through the reload trigger of dnsmasq's init script;
// netboot asks for a reload itself only when there is no such trigger, so
// dnsmasq is reloaded once per commit. The same calls go over the native
// client (node) or the ubus command (qjs).

import { platform, run } from '../platform';
import type { UbusCaller } from '../ubus';
import { RpcdStore } from '../store/rpcd';
import { StoreDhcpBackend } from './backend';
import type { DnsmasqInstance } from './settle';

/** How long OpenWrt's dnsmasq init script may take to reload, after procd starts it. */
const RELOAD_RUN_MS = 2000;

export class UbusDhcpBackend extends StoreDhcpBackend {
  readonly name = 'rpcd uci session';

  constructor(
    private readonly ubus: UbusCaller,
    private readonly rpcd = new RpcdStore(ubus),
  ) {
    super(rpcd);
  }

  async reloadDnsmasq(): Promise<boolean> {
    const delay = await this.rpcd.reloadTriggerDelay('dnsmasq', 'dhcp');
    if (delay !== undefined) {
      // The commit queued that reload; procd does not report when its
      // trigger has run, so wait out its delay and the init script's run.
      await platform.sleep(delay + RELOAD_RUN_MS);
      return true;
    }
    // rpcd's `rc` object answers only after the init script ran; older rpcd lacks it.
    try {
      await this.ubus.call('rc', 'init', { name: 'dnsmasq', action: 'reload' }, { timeoutMs: 30000 });
    } catch {
      run(['/etc/init.d/dnsmasq', 'reload']);
    }
    return true;
  }

  async dnsmasqInstances(): Promise<DnsmasqInstance[]> {
    // procd's instance_dump: pid only while running, exit_code only when not, respawn timeout in seconds.
    type Dump = { running?: boolean; pid?: number; exit_code?: number; respawn?: { timeout?: number } };
    const reply = (await this.ubus.call('service', 'list', { name: 'dnsmasq' })) as Record<string, { instances?: Record<string, Dump> }>;
    return Object.values(reply.dnsmasq?.instances ?? {}).map((i) => ({
      running: i.running === true,
      pid: i.pid,
      exitCode: i.exit_code,
      respawnMs: i.respawn?.timeout === undefined ? undefined : i.respawn.timeout * 1000,
    }));
  }
}
