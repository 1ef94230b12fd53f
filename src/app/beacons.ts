// What beacons mean for /etc/config/netboot, applied at the start of every
// apply and render, under the apply lock (docs/design.md, "Beacons that
// change the config"). dnsmasq's script spools every TFTP fetch and, for a
// beacon that has a meaning here, raises procd's `netboot.beacon` event,
// whose trigger (/etc/init.d/netboot) runs `netboot apply`. The spool keeps
// its beacons, so each meaning must be idempotent: it edits the config only
// while something is left to do (a task still set).

import type { RouterRoot } from '../fs/root';
import { spooledBeacons, type Beacon, type SpooledEvent } from '../journeys/spool';
import { isEmptyStoreEdit, type StoreEdit, type UciStore } from '../store';
import { taskMeaning } from '../tasks/meaning';
import type { UciPackage } from '../uci';
import { answerRequests } from '../register/answer';
import { readSpool } from './clients';

export interface Meant {
  edit: StoreEdit;
  /** One sentence per change, for apply's report and the log. */
  notes: string[];
}

/** What a meaning reads: the spool and the config as uci loads them, and the time (ms). */
export interface MeaningInput {
  /** Every spooled event, oldest first. */
  events: SpooledEvent[];
  /** The fetches under netboot/beacon/ from clients the journeys know, oldest first. */
  beacons: Beacon[];
  netboot: UciPackage;
  /** For the TFTP root default that validation reads; undefined when there is none. */
  dhcp: UciPackage | undefined;
  now: number;
}

/** A meaning: pure. */
export type Meaning = (input: MeaningInput) => Meant;

const MEANINGS: Meaning[] = [taskMeaning];

function merge(a: StoreEdit, b: StoreEdit): StoreEdit {
  const options = { ...a.options };
  for (const [section, o] of Object.entries(b.options ?? {})) options[section] = { ...options[section], ...o };
  return { set: [...(a.set ?? []), ...(b.set ?? [])], remove: [...(a.remove ?? []), ...(b.remove ?? [])], options };
}

/** Every meaning's edit of the config, in one. */
export function beaconMeanings(input: MeaningInput, meanings = MEANINGS): Meant {
  return meanings.reduce<Meant>(
    (acc, m) => {
      const r = m(input);
      return { edit: merge(acc.edit, r.edit), notes: [...acc.notes, ...r.notes] };
    },
    { edit: {}, notes: [] },
  );
}

/**
 * Reads the spool and writes what its beacons mean into /etc/config/netboot
 * through `store`; the notes say what changed. A config that does not load
 * is left alone (validation reports it); registration requests are refused then.
 */
export async function applyBeacons(root: RouterRoot, store: UciStore, tftpRoot: string, now = Date.now()): Promise<string[]> {
  const spool = readSpool(root, tftpRoot);
  const netboot = await store.read('netboot').catch(() => undefined);
  const dhcp = await store.read('dhcp').catch(() => undefined);
  const { edit, notes } = netboot ? beaconMeanings({ events: spool.events, beacons: spooledBeacons(spool), netboot, dhcp, now }) : { edit: {}, notes: [] };
  if (!isEmptyStoreEdit(edit)) await store.write('netboot', edit);
  // Registration answers PCs, so it keeps what it answered apart from the
  // config (src/register/answer.ts) and is no meaning; after the edit above,
  // so it sees the config as it now is.
  return [...(isEmptyStoreEdit(edit) ? [] : notes), ...(await answerRequests(root, store, spool.events, now))];
}
