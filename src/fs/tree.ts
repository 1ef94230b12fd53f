import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every regular file below `dir` as relative path → text; an absent folder is empty. */
export function readTree(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readTree(join(dir, e.name), rel)) out.set(k, v);
    else if (e.isFile() || e.isSymbolicLink()) out.set(rel, readFileSync(join(dir, e.name), 'utf8'));
  }
  return out;
}
