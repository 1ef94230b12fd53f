// Registration's step of every apply (src/app/apply.ts): the requests in the
// spool that no earlier apply answered become hosts in /etc/config/netboot,
// written through the same store as everything else netboot changes there,
// and answers in the log that render turns into the PCs' answer scripts. The
// config is written before the log: a write that fails leaves the requests to
// the next apply, never a "yes" whose host is missing.

import type { RouterRoot } from '../fs/root';
import type { SpooledEvent } from '../journeys/spool';
import type { UciStore } from '../store';
import { readLog, writeLog } from './log';
import { register } from './register';
import { isRequest } from './request';

/** Answers the new requests; one sentence per answer, for apply's report. */
export async function answerRequests(root: RouterRoot, store: UciStore, events: SpooledEvent[], now = Date.now()): Promise<string[]> {
  const log = readLog(root);
  if (!events.some(({ time, event }) => time > log.until && event.source === 'dhcp' && isRequest(event.vendorclass))) return [];
  // A config that does not parse gets every request refused, saying so.
  const netboot = await store.read('netboot').catch(() => undefined);
  const dhcp = await store.read('dhcp').catch(() => undefined);
  const r = register(log, events, netboot, dhcp, now);
  if (r.hosts.length) await store.write('netboot', { set: r.hosts });
  writeLog(root, r.log);
  const before = new Set(log.answers);
  return r.log.answers.filter((a) => !before.has(a)).map((a) => `registration from ${a.mac}: ${a.message}`);
}
