// The only place netboot writes files. A write goes to a temporary file in the
// same folder, is flushed, then renamed over the old one: a reader (dnsmasq's
// TFTP server, or the next render) sees the old file or the new one, never a
// torn one, even if netboot is killed half way.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** Temporary files carry this mark, so a later run can recognise and sweep leftovers. */
export const TEMP_MARK = '.netboot-tmp-';

/**
 * `syncFolder: false` leaves the folder's fsync to the caller, who writes many
 * files into it and syncs it once at the end (see syncDir).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, syncFolder = true): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = join(dir, `.${basename(path)}${TEMP_MARK}${process.pid}-${counter++}`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  if (syncFolder) syncDir(dir);
}

export function removeFile(path: string, syncFolder = true): void {
  rmSync(path, { force: true });
  if (syncFolder) syncDir(dirname(path));
}

/** Makes renames and removals in `dir` durable. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
