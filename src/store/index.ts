// Where UCI config is read and changed (docs/design.md, "Backends"): a
// folder's file under `--root`, rpcd's `uci` object with netboot's own
// session, or the `uci` command. One store serves both the dhcp sections
// netboot owns and /etc/config/netboot itself (the beacons' meanings).

import type { UciEdits, UciPackage } from '../uci';

export interface StoreEdit extends UciEdits {
  /** Names of sections to move to the end of their type (cut here, appended again by `set`). */
  last?: string[];
}

export interface UciStore {
  /** Shown in reports, e.g. "files under /tmp/lab" or "rpcd uci session". */
  readonly name: string;
  /** The package as uci would load it; undefined when there is none. */
  read(config: string): Promise<UciPackage | undefined>;
  /** Applies and commits the edit, all or nothing; others' pending changes are not committed where the store can avoid it. */
  write(config: string, edit: StoreEdit): Promise<void>;
  close(): void;
}

export const isEmptyStoreEdit = (e: StoreEdit) =>
  !e.set?.length && !e.remove?.length && !e.last?.length && !Object.values(e.options ?? {}).some((o) => Object.keys(o).length);
