// The outcome of the last apply, kept in /var/run (RAM on a router: nothing
// written to flash) so `status` and LuCI can show it.

import { writeFileAtomic } from '../fs/atomic';
import { readIfThere, type RouterRoot } from '../fs/root';

export interface LastApply {
  time: string;
  ok: boolean;
  message: string;
}

const path = (root: RouterRoot) => root.path('/var/run/netboot/last-apply.json');

export function readLastApply(root: RouterRoot): LastApply | null {
  try {
    return JSON.parse(readIfThere(path(root)) ?? 'null') as LastApply | null;
  } catch {
    return null;
  }
}

export function writeLastApply(root: RouterRoot, ok: boolean, message: string): void {
  // In RAM on a router: no flush.
  writeFileAtomic(path(root), JSON.stringify({ time: new Date().toISOString(), ok, message }), 0o644, false);
}
