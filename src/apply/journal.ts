// The apply journal: before netboot changes anything it records, in one
// atomically written file, how to put every file and dhcp value back. A
// failure restores from it at once; a killed process leaves it behind and
// the next netboot run restores from it first (see docs/design.md).

import type { DhcpEdit } from '../dhcp/backend';
import { writeFileAtomic } from '../fs/atomic';
import { readIfThere } from '../fs/root';
import { platform } from '../platform';
import type { UciSection } from '../uci';

export interface JournalFile {
  /** Relative to the TFTP root. */
  path: string;
  /** The text before apply, or null when the file did not exist. */
  before: string | null;
}

export interface JournalData {
  version: 1;
  started: string;
  tftpDir: string;
  files: JournalFile[];
  /** The dhcp edit that undoes this apply's dhcp edit; null when apply does not touch dhcp. */
  undoDhcp: SerialEdit | null;
}

/** DhcpEdit with Maps turned into plain objects, for JSON. */
type SerialSection = { type: string; name: string; options: Record<string, string | string[]> };
type SerialEdit = Omit<DhcpEdit, 'set'> & { set: SerialSection[] };

const toSerial = (e: DhcpEdit): SerialEdit => ({
  ...e,
  set: e.set.map((s) => ({ type: s.type, name: s.name, options: Object.fromEntries(s.options) })),
});

export const fromSerial = (e: SerialEdit): DhcpEdit => ({
  ...e,
  set: e.set.map((s): UciSection => ({ type: s.type, name: s.name, anonymous: false, options: new Map(Object.entries(s.options)) })),
});

export class Journal {
  constructor(readonly path: string) {}

  /** Written in one rename, so it exists whole or not at all. */
  begin(tftpDir: string, files: JournalFile[], undoDhcp: DhcpEdit | null): void {
    const data: JournalData = { version: 1, started: new Date().toISOString(), tftpDir, files, undoDhcp: undoDhcp && toSerial(undoDhcp) };
    writeFileAtomic(this.path, JSON.stringify(data), 0o600);
  }

  read(): JournalData | undefined {
    const text = readIfThere(this.path);
    return text === undefined ? undefined : (JSON.parse(text) as JournalData);
  }

  end(): void {
    platform.remove(this.path);
  }
}
