// Only a process holding the apply lock ever restores from the journal. An
// apply is stopped (SIGSTOP, NETBOOT_FAILPOINT=<step>:stop) at each step;
// every other command runs beside it; then it goes on. Readers must leave its
// journal and half-written state alone, writers must wait for it, and the
// files and dhcp must end wholly old or wholly new. Also the collision seen on
// a real router: the service's start-up apply and an immediate
// `/etc/init.d/netboot reload` (issue 10, items 3 and 9).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockBusy, withLock } from '../src/apply/lock';
import { readTree } from '../src/fs/tree';
import { withOption } from './helpers/config';
import { BUNDLE, makeRoot, netboot } from './helpers/bundle';

const ORIGINAL = readFileSync(resolve(__dirname, 'fixtures/dhcp/openwrt-24.10'), 'utf8');
const OLD = withOption('disk1', 'title', 'Old disk');
// Also changes dhcp (the efi64 loader), so every step has something to undo.
const NEW = withOption('main', 'bootloader_efi64', 'ipxe.efi', `${withOption('disk1', 'title', 'New disk')}\nconfig host 'pc9'\n\toption mac '52:54:00:00:00:09'\n`);
const POINTS = ['journal', 'files#1', 'files#2', 'files-done', 'dhcp', 'reload', 'verify'];

interface Snapshot {
  dhcp: string;
  /** netboot's own folder in the TFTP root (boot loaders beside it are not the apply's). */
  files: Map<string, string>;
}
const snapshot = (root: string): Snapshot => ({ dhcp: readFileSync(join(root, 'etc/config/dhcp'), 'utf8'), files: readTree(join(root, 'srv/tftp/netboot')) });
const journal = (root: string) => join(root, 'etc/netboot/apply-journal.json');
const lockFile = (root: string) => join(root, 'var/run/netboot/apply.lock');

function applied(config: string): Snapshot {
  const root = makeRoot({ netboot: config, dhcp: ORIGINAL });
  expect(netboot(['--root', root, 'apply']).status).toBe(0);
  return snapshot(root);
}
const WHOLLY_NEW = applied(NEW);
const DISABLED: Snapshot = { dhcp: ORIGINAL, files: new Map() };

/** A router folder with OLD applied and NEW written, ready for the next apply. */
function prepared(): string {
  const root = makeRoot({ netboot: OLD, dhcp: ORIGINAL });
  expect(netboot(['--root', root, 'apply']).status).toBe(0);
  writeFileSync(join(root, 'etc/config/netboot'), NEW);
  return root;
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', ...env } });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, out: () => out, exit };
}

async function until(what: string, probe: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stopped = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T') ?? false;
  } catch {
    return false;
  }
};

/** `netboot apply` in `root`, stopped at `point` (a process that exits first fails the test). */
async function pausedApply(root: string, point: string, command = ['apply']): Promise<Proc> {
  const p = start(['--root', root, ...command], { NETBOOT_FAILPOINT: `${point}:stop` });
  let exited = false;
  void p.exit.then(() => (exited = true));
  await until(`the apply to stop at ${point}`, () => exited || stopped(p.child.pid!));
  if (exited) throw new Error(`the apply ended before ${point}: ${p.out()}`);
  return p;
}

/** Boot loaders to install from, for `bootloaders install`. */
const LOADERS = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'netboot-loaders-'));
  for (const name of ['undionly.kpxe', 'snponly.efi', 'ipxe.efi']) writeFileSync(join(dir, name), `${name}\n`);
  return dir;
})();

const READERS: [string, string[]][] = [
  ['validate', ['validate']],
  ['plan', ['plan']],
  ['status', ['status', '--json']],
  ['preview', ['preview', '52:54:00:00:00:09']],
  ['bootloaders', ['bootloaders', 'install', '--from', LOADERS]],
];

// Each case starts 6 to 10 node processes: generous time for a loaded CI machine.
describe('commands beside an apply in progress', { timeout: 60_000 }, () => {
  it.each(POINTS)('stopped at %s: readers leave it alone, writers wait, and it ends wholly new', async (point) => {
    const root = prepared();
    const paused = await pausedApply(root, point);
    const mid = snapshot(root);
    const hadJournal = existsSync(journal(root));

    const read = READERS.map(([name, args]) => ({ name, p: start(['--root', root, ...args]) }));
    for (const { name, p } of read) {
      expect(await p.exit, `${name}: ${p.out()}`).toBe(0);
      expect(p.out(), name).not.toContain('restored');
      expect(p.out(), name).toContain(`an apply (pid ${paused.child.pid}) is in progress`);
    }
    expect(snapshot(root)).toEqual(mid);
    expect(existsSync(journal(root))).toBe(hadJournal);

    // Writers: the apply a person types (and the service's start runs), render, and LuCI's Apply through the rpcd plugin.
    const writers = [
      start(['--root', root, 'apply']),
      start(['--root', root, 'render']),
      start(['--root', root, 'rpcd', 'call', 'apply']),
    ];
    await until('the CLI writers to wait', () => writers.slice(0, 2).every((w) => w.out().includes(`waiting for the apply in progress (pid ${paused.child.pid}) to finish`)));
    paused.child.kill('SIGCONT');
    expect(await paused.exit, paused.out()).toBe(0);
    expect(paused.out()).toMatch(/netboot: applied: /);
    expect(await writers[0].exit, writers[0].out()).toBe(0);
    expect(await writers[1].exit, writers[1].out()).toBe(0);
    expect(await writers[2].exit, writers[2].out()).toBe(0);
    expect(JSON.parse(writers[2].out())).toMatchObject({ ok: true });
    for (const w of [paused, ...writers]) expect(w.out()).not.toMatch(/interrupted|another netboot/);

    expect(snapshot(root)).toEqual(WHOLLY_NEW);
    expect(existsSync(journal(root))).toBe(false);
    expect(existsSync(lockFile(root))).toBe(false);
  });

  it.each(POINTS)('stopped at %s: disable waits for it, then removes everything netboot added', async (point) => {
    const root = prepared();
    const paused = await pausedApply(root, point);
    const disable = start(['--root', root, 'disable']);
    await until('disable to wait', () => disable.out().includes('waiting for the apply in progress'));
    paused.child.kill('SIGCONT');
    expect(await paused.exit, paused.out()).toBe(0);
    expect(await disable.exit, disable.out()).toBe(0);
    expect(snapshot(root)).toEqual(DISABLED);
  });

  // check reads like status, but waits out TFTP timeouts (~12 s) here: beside one step is enough.
  it('stopped at files#2: check reads beside it and leaves it alone', async () => {
    const root = prepared();
    const paused = await pausedApply(root, 'files#2');
    const mid = snapshot(root);
    const check = start(['--root', root, 'check', '--tftp-server', '127.0.0.1']);
    await check.exit;
    expect(check.out()).toContain(`an apply (pid ${paused.child.pid}) is in progress`);
    expect(check.out()).not.toContain('restored');
    expect(snapshot(root)).toEqual(mid);
    expect(existsSync(journal(root))).toBe(true);
    paused.child.kill('SIGCONT');
    expect(await paused.exit, paused.out()).toBe(0);
    expect(snapshot(root)).toEqual(WHOLLY_NEW);
  }, 60_000);

  it('an apply killed while another waits: the waiter takes the dead lock over and restores first', async () => {
    const root = prepared();
    const paused = await pausedApply(root, 'files#2');
    const waiter = start(['--root', root, 'apply']);
    await until('apply to wait', () => waiter.out().includes('waiting for the apply in progress'));
    paused.child.kill('SIGKILL');
    expect(await waiter.exit, waiter.out()).toBe(0);
    expect(waiter.out()).toContain('was interrupted; the files and dhcp settings it had begun to change were restored. applied:');
    expect(snapshot(root)).toEqual(WHOLLY_NEW);
    expect(existsSync(journal(root))).toBe(false);
  });
});

describe("the service's start-up apply and an immediate /etc/init.d/netboot reload", { timeout: 60_000 }, () => {
  it('reload waits for the start-up apply and applies after it', async () => {
    const root = prepared();
    // The service's start, stopped in the middle of its apply.
    const started = await pausedApply(root, 'files#1');
    // The init script as shipped, sourced by a POSIX shell, with netboot run from
    // the bundle and a `logger` that records what would reach syslog.
    const init = readFileSync(resolve(__dirname, '../files/etc/init.d/netboot'), 'utf8').replaceAll('/usr/bin/netboot', `"${process.execPath}" "${BUNDLE}" --root "${root}"`);
    const bin = mkdtempSync(join(tmpdir(), 'netboot-bin-'));
    writeFileSync(join(bin, 'init'), init);
    const syslog = join(bin, 'syslog');
    writeFileSync(join(bin, 'logger'), `#!/bin/sh\nwhile getopts t:p: o; do case $o in p) prio=$OPTARG;; esac; done\nwhile IFS= read -r line; do echo "$prio $line" >> ${syslog}; done\n`, { mode: 0o755 });
    const reload = spawn('sh', ['-c', '. "$0"; reload_service', join(bin, 'init')], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '', PATH: `${bin}:${process.env.PATH}` } });
    const said = () => (existsSync(syslog) ? readFileSync(syslog, 'utf8') : '');
    await until('reload to wait for the start-up apply', () => said().includes(`daemon.err netboot: waiting for the apply in progress (pid ${started.child.pid}) to finish`));
    started.child.kill('SIGCONT');
    const [code] = await once(reload, 'exit');
    expect(code, said()).toBe(0);
    expect(said()).not.toMatch(/interrupted|another netboot/);
    expect(await started.exit, started.out()).toBe(0);
    expect(started.out()).toMatch(/netboot: applied: /);
    expect(snapshot(root)).toEqual(WHOLLY_NEW);
  });
});

describe('the apply lock', () => {
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'netboot-lock-'));
    mkdirSync(d, { recursive: true });
    return join(d, 'apply.lock');
  };

  it('holds the owner’s pid and start time from its first instant, and is gone after', async () => {
    const path = dir();
    // A symbolic link whose target is the owner (src/apply/lock.ts says why).
    const inside = await withLock(path, async () => readlinkSync(path));
    const start = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    expect(inside).toBe(`${process.pid} ${start}`);
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live owner up to its bound, then says who holds it', async () => {
    const path = dir();
    const sleeper = spawn('sleep', ['30']);
    writeFileSync(path, `${sleeper.pid} ${readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]}\n`);
    try {
      const waited: (number | undefined)[] = [];
      await expect(withLock(path, async () => 1, { waitMs: 300, pollMs: 20, onWait: (pid) => waited.push(pid) })).rejects.toThrow(LockBusy);
      expect(waited).toEqual([sleeper.pid]);
      await expect(withLock(path, async () => 1, { waitMs: 100 })).rejects.toThrow(`another netboot (pid ${sleeper.pid}) has been applying`);
    } finally {
      sleeper.kill();
    }
  });

  it('takes over a dead owner’s lock, and one whose pid now belongs to another process', async () => {
    const path = dir();
    const gone = spawnSync('true').pid;
    writeFileSync(path, `${gone} 1\n`);
    expect(await withLock(path, async () => 'taken')).toBe('taken');
    // Our own parent is alive, but it started at another time than the lock says.
    writeFileSync(path, `${process.ppid} 1\n`);
    expect(await withLock(path, async () => 'taken', { waitMs: 100 })).toBe('taken');
  });

  it('counts an empty lock as held while young (an older netboot between creating and writing it)', async () => {
    const path = dir();
    writeFileSync(path, '');
    await expect(withLock(path, async () => 1, { waitMs: 200, pollMs: 20 })).rejects.toThrow(LockBusy);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(await withLock(path, async () => 'taken')).toBe('taken');
  });

  it('is one per process too: a second holder in the same process waits', async () => {
    const path = dir();
    const order: string[] = [];
    let release!: () => void;
    const first = withLock(path, () => new Promise<void>((r) => (release = () => (order.push('first'), r()))));
    await until('the first holder', () => release !== undefined);
    const second = withLock(path, async () => void order.push('second'), { pollMs: 10 });
    await new Promise((r) => setTimeout(r, 100));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });
});
