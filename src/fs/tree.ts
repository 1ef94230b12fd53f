import { isErrno, platform } from '../platform';
import { join } from './path';

/** Every regular file below `dir` as relative path → text; an absent folder is empty. */
export function readTree(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  let entries;
  try {
    entries = platform.readdir(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return out;
    throw e;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.kind === 'dir') for (const [k, v] of readTree(join(dir, e.name), rel)) out.set(k, v);
    else if (e.kind === 'file' || e.kind === 'link') out.set(rel, platform.readText(join(dir, e.name)));
  }
  return out;
}
