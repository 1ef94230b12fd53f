// The only place netboot writes files. Every write goes to a temporary file in
// the same folder, is flushed, then renamed over the old one: a reader
// (dnsmasq's TFTP server, or the next render) sees the old file or the new
// one, never a torn one, even if netboot is killed half way. Many files go in
// phases (write every temp, flush them, rename, flush the folders), so qjs,
// whose only flush is a `sync` process, starts two per batch, not two per file.

import { platform } from '../platform';
import { basename, dirname, join } from './path';

let counter = 0;

/** Temporary files carry this mark, so a later run can recognise and sweep leftovers. */
export const TEMP_MARK = '.netboot-tmp-';

export interface FileWrite {
  path: string;
  data: string | Uint8Array;
  mode: number;
}

/**
 * Writes `writes` in their order, then removes `removes`; `afterEach` runs
 * after each rename and each removal (fault injection). `durable: false` skips
 * the flushes, for files in RAM.
 */
export function commitFiles(writes: FileWrite[], removes: string[] = [], afterEach?: () => void, durable = true): void {
  const flush = (paths: string[]) => durable && platform.flush(paths);
  const temps: string[] = [];
  try {
    for (const w of writes) {
      const dir = dirname(w.path);
      platform.mkdirp(dir);
      const tmp = join(dir, `.${basename(w.path)}${TEMP_MARK}${platform.pid}-${counter++}`);
      temps.push(tmp);
      platform.writeFile(tmp, w.data, w.mode);
    }
    flush(temps);
    writes.forEach((w, i) => {
      platform.rename(temps[i], w.path);
      temps[i] = '';
      afterEach?.();
    });
  } finally {
    for (const tmp of temps) if (tmp) platform.remove(tmp);
  }
  const dirs = new Set(writes.map((w) => dirname(w.path)));
  flush([...dirs]);
  if (!removes.length) return;
  for (const path of removes) {
    platform.remove(path);
    afterEach?.();
  }
  flush([...new Set(removes.map(dirname))]);
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, durable = true): void {
  commitFiles([{ path, data, mode }], [], undefined, durable);
}

/** Removes the temporary files a killed run left in `dirs` (folders that are gone are fine). */
export function sweepTemps(dirs: Iterable<string>): void {
  for (const dir of dirs) {
    for (const e of platform.stat(dir)?.kind === 'dir' ? platform.readdir(dir) : []) {
      if (e.kind === 'file' && e.name.includes(TEMP_MARK)) platform.remove(join(dir, e.name));
    }
  }
}
