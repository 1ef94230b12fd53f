import { dirname, join } from 'node:path';
import type { FilePlan } from '../plan/files';
import { removeFile, syncDir, writeFileAtomic } from './atomic';

/**
 * Carries out a file plan under `dir`. Scripts that others point at are written
 * before the scripts that point at them (menu.ipxe, the entry point, last), and
 * stale files go only after that, so a client booting mid-render never follows
 * a reference to a file that is not there yet.
 */
export function applyFilePlan(dir: string, desired: Map<string, string>, plan: FilePlan, afterEach?: () => void): void {
  const rank = (p: string) => (p.endsWith('/menu.ipxe') ? 2 : p.endsWith('/boot.ipxe.cfg') ? 1 : 0);
  const writes = plan.changes.filter((c) => c.action !== 'remove').sort((a, b) => rank(a.path) - rank(b.path));
  const touched = new Set<string>();
  for (const c of writes) {
    writeFileAtomic(join(dir, c.path), desired.get(c.path)!, 0o644, false);
    touched.add(dirname(join(dir, c.path)));
    afterEach?.();
  }
  for (const c of plan.changes) {
    if (c.action !== 'remove') continue;
    removeFile(join(dir, c.path), false);
    touched.add(dirname(join(dir, c.path)));
    afterEach?.();
  }
  // One fsync per folder instead of one per file: renames are atomic either way.
  for (const d of touched) syncDir(d);
}
