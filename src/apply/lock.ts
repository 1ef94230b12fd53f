// One apply at a time: the service (its start, its reload trigger), LuCI
// through the rpcd plugin and a person at the shell may each start one. The
// lock file names its owner (pid and the process's start time, so a reused
// pid is not mistaken for it) from its first instant: it is written under a
// temporary name and hard-linked into place, and link(2) fails when a lock is
// already there. A live owner is
// waited for, up to a bound; a dead owner's lock is taken over.

import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
 * A lock file without an owner in it can only come from a netboot older than
 * this one, caught between creating the file and writing its pid: held while
 * that young.
 */
const UNNAMED_HELD_MS = 5_000;

let counter = 0;

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot; undefined without /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const identity = () => `${process.pid} ${startTime(process.pid) ?? ''}\n`;

/** Locks this process holds now: a lock naming us and not in here is a leftover. */
const held = new Set<string>();

/** The live process a lock's text names; null when that process is gone; undefined when it names no one. */
function liveOwner(path: string, text: string): number | null | undefined {
  const m = /^(\d+)(?: (\d*))?\n?$/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  if (pid === process.pid) return held.has(path) ? pid : null;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  // A pid the kernel has since given to another process.
  const now = startTime(pid);
  return m[2] && now && now !== m[2] ? null : pid;
}

function read(path: string): { text: string; ageMs: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return { text, ageMs: Date.now() - statSync(path).mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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
  const aside = `${path}.stale-${process.pid}-${counter++}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    if (readFileSync(aside, 'utf8') !== dead) linkSync(aside, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(aside, { force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const waitMs = opts.waitMs ?? LOCK_WAIT_MS;
  mkdirSync(dirname(path), { recursive: true });
  const me = identity();
  const tmp = `${path}.new-${process.pid}-${counter++}`;
  writeFileSync(tmp, me, { mode: 0o600 });
  const since = Date.now();
  let waiting = false;
  try {
    for (;;) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
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
      await sleep(opts.pollMs ?? 100);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  held.add(path);
  try {
    return await fn();
  } finally {
    held.delete(path);
    // Only our own lock: never one that replaced it.
    if (read(path)?.text === me) rmSync(path, { force: true });
  }
}
