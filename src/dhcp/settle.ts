// After a reload, judge the dnsmasq that settles, not the first look at it.
// OpenWrt 24.10's reload restarts the instance and then sends it SIGHUP
// (dnsmasq.init: reload_service() { rc_procd start_service; procd_send_signal
// dnsmasq; }). A SIGHUP that reaches the new process before it has set its
// handler kills it (exit code 129), and procd starts it again only after the
// respawn timeout (openwrt/procd service/instance.c: instance_exit sets a
// timer of respawn_timeout seconds, 5 by default). A check right after the
// reload sees "not running" and would roll back a good apply; so look until
// every instance has kept one pid for a while, for longer than a respawn.

import { platform } from '../platform';

/** One dnsmasq process as the service manager reports it. */
export interface DnsmasqInstance {
  running: boolean;
  pid?: number;
  /** How it last ended, as procd reports it (128 + the signal when killed by one). */
  exitCode?: number;
  /** How long procd waits before starting it again after it died. */
  respawnMs?: number;
}

/** procd's respawn timeout when an instance does not say: `uint32_t vals[3] = { 3600, 5, 5 }` (threshold, timeout, retry) in instance.c. */
export const PROCD_RESPAWN_MS = 5000;
/** How long every instance must keep its pid to count as settled: procd has long reaped a process killed by the reload's SIGHUP by then. */
export const SETTLE_MS = 1000;
const POLL_MS = 100;

/** The longest wait: one whole respawn, the time to settle after it, and one respawn more for a start that runs late. */
export function settleBoundMs(instances: DnsmasqInstance[]): number {
  const respawn = instances.length ? Math.max(...instances.map((i) => i.respawnMs ?? PROCD_RESPAWN_MS)) : PROCD_RESPAWN_MS;
  return 2 * respawn + SETTLE_MS;
}

/**
 * Looks at dnsmasq until it has settled running (undefined) or the bound is
 * over (a sentence saying what was seen). `look` answering undefined means
 * nobody can tell, which is no failure.
 */
export async function dnsmasqDown(look: () => Promise<DnsmasqInstance[] | undefined>, now = Date.now): Promise<string | undefined> {
  const start = now();
  let bound = 0;
  let pids = '';
  let since = start;
  const exits = new Set<number>();
  for (;;) {
    const seen = await look();
    if (seen === undefined) return undefined;
    bound = Math.max(bound, settleBoundMs(seen));
    for (const i of seen) if (!i.running && i.exitCode !== undefined) exits.add(i.exitCode);
    const key = JSON.stringify(seen.map((i) => (i.running ? i.pid : null)));
    if (key !== pids) [pids, since] = [key, now()];
    const up = seen.length > 0 && seen.every((i) => i.running);
    if (up && now() - since >= SETTLE_MS) return undefined;
    if (now() - start >= bound) {
      const codes = exits.size ? ` (it exited with code ${[...exits].join(', ')})` : '';
      return `dnsmasq did not keep running in the ${Math.round(bound / 1000)} s after the reload${codes}`;
    }
    await platform.sleep(POLL_MS);
  }
}
