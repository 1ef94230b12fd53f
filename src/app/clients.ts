// `clients`: the boot journeys, folded from the spool dnsmasq's script writes
// (src/journeys/spool.ts) each time they are asked for.

import { readIfThere, type RouterRoot } from '../fs/root';
import { journeyJson } from '../journeys/journeys';
import { LEASE_FILE } from '../journeys/leases';
import { foldJourneys, parseSpool, SPOOL, spoolFiles } from '../journeys/spool';

/** Every journey the spool tells (most recent first), or the one of `mac`. */
export function clientsReport(root: RouterRoot, tftpRoot: string, mac?: string) {
  const read = (p: string) => readIfThere(root.path(p));
  const files = spoolFiles(read(`${SPOOL}.slot`));
  const journeys = foldJourneys({ events: parseSpool(files.map(read)), tftpRoot, leases: read(LEASE_FILE) });
  return { clients: journeys.list().filter((j) => !mac || j.mac === mac).map(journeyJson) };
}
