// netboot apply / disable: validate → journal → files → dhcp → reload dnsmasq
// → verify → done. Any failure puts back what was there; a killed run is put
// back by the next one to hold the lock (underLock). See docs/design.md.

import { failpoint } from '../apply/failpoint';
import { fromSerial, Journal, type JournalData } from '../apply/journal';
import { lockHolder, withLock, type LockOptions } from '../apply/lock';
import type { DhcpBackend } from '../dhcp/backend';
import { isEmptyEdit } from '../dhcp/backend';
import { editFromPlan, undoFromPlan } from '../dhcp/edit';
import { changeCount } from '../dhcp/plan';
import { dnsmasqDown } from '../dhcp/settle';
import { commitFiles, sweepTemps } from '../fs/atomic';
import { applyFilePlan } from '../fs/apply';
import { dirname, join } from '../fs/path';
import { platform } from '../platform';
import type { RouterRoot } from '../fs/root';
import { writeLastApply } from './last-apply';
import { problemLine } from './reports';
import type { UciStore } from '../store';
import { applyBeacons } from './beacons';
import { computeState, tftpRootOf, type AppContext } from './state';

export interface ApplyReport {
  ok: boolean;
  message: string;
  files_changed: number;
  dhcp_changed: number;
  reloaded: boolean;
}

const journalOf = (root: RouterRoot) => new Journal(root.path('/etc/netboot/apply-journal.json'));
const lockOf = (root: RouterRoot) => root.path('/var/run/netboot/apply.lock');

/** Puts files and dhcp back as the journal recorded them. */
async function restore(j: JournalData, backend: DhcpBackend, dhcpTouched: boolean): Promise<void> {
  // A run killed while renaming leaves the temporary files of the rest.
  sweepTemps(new Set(j.files.map((f) => dirname(join(j.tftpDir, f.path)))));
  // One batch, so qjs flushes twice for the whole restore, not twice per file.
  commitFiles(
    j.files.flatMap((f) => (f.before === null ? [] : [{ path: join(j.tftpDir, f.path), data: f.before, mode: 0o644 }])),
    j.files.flatMap((f) => (f.before === null ? [join(j.tftpDir, f.path)] : [])),
  );
  if (j.undoDhcp && dhcpTouched) {
    await backend.write(fromSerial(j.undoDhcp));
    // The old settings are back in uci either way; a reload that fails again is
    // what the caller is already reporting.
    await backend.reloadDnsmasq().catch(() => false);
  }
}

/**
 * Undoes an apply that was killed midway. Only ever called with the lock held:
 * a journal is then sure to belong to a dead process, never to a live apply.
 */
async function recoverInterrupted(ctx: AppContext): Promise<string | undefined> {
  const journal = journalOf(ctx.root);
  const j = journal.read();
  if (!j) return undefined;
  const backend = await ctx.dhcp();
  try {
    await restore(j, backend, true);
  } finally {
    backend.close();
  }
  journal.end();
  return `an apply started at ${j.started} was interrupted; the files and dhcp settings it had begun to change were restored`;
}

/**
 * Runs `fn` holding the apply lock (waiting for an apply in progress), after
 * putting back whatever an interrupted apply left; `fn` gets the sentence
 * saying so, if there was one.
 */
export function underLock<T>(ctx: AppContext, fn: (recovered: string | undefined) => Promise<T>, opts?: LockOptions): Promise<T> {
  return withLock(lockOf(ctx.root), async () => fn(await recoverInterrupted(ctx)), opts);
}

/**
 * For commands that only read: a sentence when an apply is under way or was
 * interrupted, so what they show is read in that light. They never restore.
 */
export function applyNotice(root: RouterRoot): string | undefined {
  const holder = lockHolder(lockOf(root));
  if (holder !== undefined) return `an apply${holder ? ` (pid ${holder})` : ''} is in progress; this shows the files and dhcp part-way`;
  const j = journalOf(root).read();
  if (j) return `an apply started at ${j.started} was interrupted; the next apply, disable or render restores what it had begun to change`;
  return undefined;
}

export async function applyConfig(ctx: AppContext, opts: { disable?: boolean; lock?: LockOptions } = {}): Promise<ApplyReport> {
  const report = await underLock(
    ctx,
    async (recovered) => {
      const r = await applyLocked(ctx, !!opts.disable);
      return recovered ? { ...r, message: `${recovered}. ${r.message}` } : r;
    },
    opts.lock,
  );
  writeLastApply(ctx.root, report.ok, report.message);
  return report;
}

async function applyLocked(ctx: AppContext, disable: boolean): Promise<ApplyReport> {
  const backend = await ctx.dhcp();
  try {
    const notes = disable ? [] : await beaconNotes(ctx.root, backend.store);
    const r = await applyState(ctx, backend, disable);
    return notes.length ? { ...r, message: `${notes.join('; ')}. ${r.message}` } : r;
  } finally {
    backend.close();
  }
}

/** What the spooled beacons changed in /etc/config/netboot; a failure to change it is said, and the apply goes on. */
export async function beaconNotes(root: RouterRoot, store: UciStore): Promise<string[]> {
  try {
    return await applyBeacons(root, store, tftpRootOf(root));
  } catch (e) {
    return [`the beacons' changes to /etc/config/netboot could not be written (${(e as Error).message})`];
  }
}

async function applyState(ctx: AppContext, backend: DhcpBackend, disable: boolean): Promise<ApplyReport> {
  const none = { files_changed: 0, dhcp_changed: 0, reloaded: false };
  const state = computeState(ctx.root, await backend.read(), disable);
  if (state.errors.length || !state.dhcp) {
    return { ok: false, ...none, message: `nothing was changed: ${state.errors.map(problemLine).join('; ')}` };
  }
  const edit = editFromPlan(state.dhcp);
  const filesChanged = state.files.changes.length;
  const dhcpChanged = changeCount(state.dhcp);
  if (!filesChanged && isEmptyEdit(edit)) return { ok: true, ...none, message: 'everything is already up to date; nothing was changed' };

  const journal = journalOf(ctx.root);
  journal.begin(
    state.tftpDir,
    state.files.changes.map((c) => ({ path: c.path, before: c.action === 'create' ? null : platform.readText(join(state.tftpDir, c.path)) })),
    isEmptyEdit(edit) ? null : undoFromPlan(state.dhcp),
  );
  failpoint('journal');

  let step = 'writing the files';
  let dhcpTouched = false;
  try {
    applyFilePlan(state.tftpDir, state.desired, state.files, () => failpoint('files'));
    failpoint('files-done');
    let reloaded = false;
    if (!isEmptyEdit(edit)) {
      step = `changing dhcp (${backend.name})`;
      // Every backend commits all or nothing, so a write that throws changed nothing.
      await backend.write(edit);
      dhcpTouched = true;
      failpoint('dhcp');
      step = 'reloading dnsmasq';
      reloaded = await backend.reloadDnsmasq();
      failpoint('reload');
      if (reloaded) {
        step = 'checking that dnsmasq runs';
        const down = await dnsmasqDown(() => backend.dnsmasqInstances());
        if (down) throw new Error(down);
      }
      failpoint('verify');
    }
    journal.end();
    const what = disable ? 'netboot is disabled: its files and dhcp sections are removed' : 'applied';
    const reload = isEmptyEdit(edit) ? '' : reloaded ? ', dnsmasq reloaded' : ', dnsmasq not reloaded (not on a router)';
    return { ok: true, files_changed: filesChanged, dhcp_changed: dhcpChanged, reloaded, message: `${what}: ${filesChanged} file change(s), ${dhcpChanged} dhcp change(s)${reload}` };
  } catch (e) {
    await restore(journal.read()!, backend, dhcpTouched);
    journal.end();
    return { ok: false, ...none, message: `apply failed while ${step}: ${(e as Error).message}; the previous files and dhcp settings were restored` };
  }
}
