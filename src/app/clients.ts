// `clients`: the boot journeys, folded from the spool dnsmasq's script writes
// (src/journeys/spool.ts) each time they are asked for.

import { readIfThere, type RouterRoot } from '../fs/root';
import { journeyJson } from '../journeys/journeys';
import { LEASE_FILE } from '../journeys/leases';
import { foldJourneys, parseSpool, SPOOL, spoolFiles, type FoldInput } from '../journeys/spool';

/** What the spool holds on this router, ready to fold. */
export function readSpool(root: RouterRoot, tftpRoot: string): FoldInput {
  const read = (p: string) => readIfThere(root.path(p));
  const files = spoolFiles(read(`${SPOOL}.slot`));
  return { events: parseSpool(files.map(read)), tftpRoot, leases: read(LEASE_FILE) };
}

/** Every journey the spool tells (most recent first), or the one of `mac`. */
export function clientsReport(root: RouterRoot, tftpRoot: string, mac?: string) {
  const journeys = foldJourneys(readSpool(root, tftpRoot));
  return { clients: journeys.list().filter((j) => !mac || j.mac === mac).map(journeyJson) };
}
