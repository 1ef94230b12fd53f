import type { FilePlan } from '../plan/files';
import { commitFiles } from './atomic';
import { join } from './path';

/**
 * Carries out a file plan under `dir`. Scripts that others point at are written
 * before the scripts that point at them (menu.ipxe, the entry point, last), and
 * stale files go only after that, so a client booting mid-render never follows
 * a reference to a file that is not there yet.
 */
export function applyFilePlan(dir: string, desired: Map<string, string>, plan: FilePlan, afterEach?: () => void): void {
  const rank = (p: string) => (p.endsWith('/menu.ipxe') ? 2 : p.endsWith('/boot.ipxe.cfg') ? 1 : 0);
  const writes = plan.changes.filter((c) => c.action !== 'remove').sort((a, b) => rank(a.path) - rank(b.path));
  commitFiles(
    writes.map((c) => ({ path: join(dir, c.path), data: desired.get(c.path)!, mode: 0o644 })),
    plan.changes.filter((c) => c.action === 'remove').map((c) => join(dir, c.path)),
    afterEach,
  );
}
