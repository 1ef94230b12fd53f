// One apply at a time: the service (its start, its reload trigger), LuCI
// through the rpcd plugin and a person at the shell may each start one. The
// lock names its owner (pid and
// the process's start time, so a reused pid is not mistaken for it) from its
// first instant: it is a symbolic link whose target is that text, and
// symlink(2) creates it in one step and fails when a lock is already there
// (both engines have symlink; quickjs has no link). A live owner is waited
// for, up to a bound; a dead owner's lock is taken over.

import { dirname } from '../fs/path';
import { readIfThere } from '../fs/root';
import { isErrno, platform } from '../platform';

export class LockBusy extends Error {}

export interface LockOptions {
  /** How long to wait for a live owner before giving up. */
  waitMs?: number;
  pollMs?: number;
  /** Called once, with the owner's pid, when the lock is busy and we start waiting. */
  onWait?: (pid: number | undefined) => void;
}

const LOCK_WAIT_MS = 90_000;
/**
 * A lock without an owner in it can only be a file from a netboot older than
 * this one, caught between creating the file and writing its pid: held while
 * that young.
 */
const UNNAMED_HELD_MS = 5_000;

let counter = 0;

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot; undefined without /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = platform.readText(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const identity = () => `${platform.pid} ${startTime(platform.pid) ?? ''}`;

/** Locks this process holds now: a lock naming us and not in here is a leftover. */
const held = new Set<string>();

/** The live process a lock's text names; null when that process is gone; undefined when it names no one. */
function liveOwner(path: string, text: string): number | null | undefined {
  const m = /^(\d+)(?: (\d*))?\n?$/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  if (pid === platform.pid) return held.has(path) ? pid : null;
  if (!platform.alive(pid)) return null;
  // A pid the kernel has since given to another process.
  const now = startTime(pid);
  return m[2] && now && now !== m[2] ? null : pid;
}

/** The lock's text (a link's target; a file's text, as older netboots wrote it) and age. */
function read(path: string): { text: string; ageMs: number } | undefined {
  const st = platform.stat(path);
  if (!st) return undefined;
  try {
    const text = st.kind === 'link' ? platform.readlink(path) : readIfThere(path);
    return text === undefined ? undefined : { text, ageMs: Date.now() - st.mtimeMs };
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

type Seen = { busy: true; pid?: number } | { busy: false; text?: string };

/** Whether the lock at `path` is held, and by whom; `text` is a dead owner's lock, to take over. */
function inspect(path: string): Seen {
  const lock = read(path);
  if (!lock) return { busy: false };
  const owner = liveOwner(path, lock.text);
  if (owner) return { busy: true, pid: owner };
  if (owner === undefined && lock.ageMs < UNNAMED_HELD_MS) return { busy: true };
  return { busy: false, text: lock.text };
}

/** The pid of a live process holding the lock, if any; never changes anything. */
export function lockHolder(path: string): number | undefined {
  const seen = inspect(path);
  return seen.busy ? (seen.pid ?? 0) : undefined;
}

/**
 * Removes a dead owner's lock: it is renamed aside first, so that if another
 * process took it over and locked again meanwhile, that fresh lock is seen
 * (its text differs) and put back instead of deleted.
 */
function takeOver(path: string, dead: string): void {
  const aside = `${path}.stale-${platform.pid}-${counter++}`;
  try {
    platform.rename(path, aside);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return;
    throw e;
  }
  try {
    const text = read(aside)?.text;
    if (text !== undefined && text !== dead) platform.symlink(text, path);
  } catch (e) {
    if (!isErrno(e, 'EEXIST')) throw e;
  } finally {
    platform.remove(aside);
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const waitMs = opts.waitMs ?? LOCK_WAIT_MS;
  platform.mkdirp(dirname(path));
  const me = identity();
  const since = Date.now();
  let waiting = false;
  for (;;) {
    try {
      platform.symlink(me, path);
      break;
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    const seen = inspect(path);
    if (!seen.busy) {
      if (seen.text !== undefined) takeOver(path, seen.text);
      continue;
    }
    if (Date.now() - since >= waitMs) {
      const who = seen.pid ? `another netboot (pid ${seen.pid})` : 'another netboot';
      throw new LockBusy(`${who} has been applying for over ${Math.round(waitMs / 1000)} s; try again when it is done`);
    }
    if (!waiting) opts.onWait?.(seen.pid);
    waiting = true;
    await platform.sleep(opts.pollMs ?? 100);
  }
  held.add(path);
  try {
    return await fn();
  } finally {
    held.delete(path);
    // Only our own lock: never one that replaced it.
    if (read(path)?.text === me) platform.remove(path);
  }
}
