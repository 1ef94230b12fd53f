import { applyConfig, applyNotice, beaconNotes, underLock } from '../app/apply';
import type { LockOptions } from '../apply/lock';
import { checkReport, operations, previewScript } from '../app/operations';
import { wake } from '../app/wake';
import { hostsReport, setTask, type HostJson } from '../app/tasks';
import { readLastApply } from '../app/last-apply';
import { httpBootReport, planReport, problemLine, statusReport, validateReport } from '../app/reports';
import { computeState, readState, type AppContext, type State } from '../app/state';
import { changeCount } from '../dhcp/plan';
import { openDhcpBackend } from '../dhcp/select';
import { applyFilePlan } from '../fs/apply';
import { join } from '../fs/path';
import { pluginReply } from '../rpcd/plugin';
import { RouterRoot } from '../fs/root';
import { platform } from '../platform';
import type { Args, COMMANDS } from './args';

export type CommandName = (typeof COMMANDS)[number];

const out = (s: string) => platform.write('stdout', s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => platform.write('stderr', s.endsWith('\n') ? s : `${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v, null, 2));

/** Errors and warnings to stderr; true when there were no errors. */
function report(s: State, what = 'nothing was written'): boolean {
  for (const w of s.warnings) err(`warning: ${problemLine(w)}`);
  for (const e of s.errors) err(`error: ${problemLine(e)}`);
  if (s.errors.length) err(`netboot: ${s.errors.length} error${s.errors.length > 1 ? 's' : ''} in the config; ${what}`);
  return !s.errors.length;
}

const SIGN = { create: '+', update: '~', remove: '-', move: '>' } as const;

function planText(s: State): string {
  const lines = [`Files under ${s.tftpRoot}:`];
  for (const c of s.files.changes) lines.push(`  ${SIGN[c.action]} ${c.path} (${c.action})`);
  if (!s.files.changes.length) lines.push('  no changes');
  lines.push(`  ${s.files.unchanged} unchanged`);
  if (s.dhcp) {
    lines.push('/etc/config/dhcp:');
    for (const c of s.dhcp.sections) lines.push(`  ${SIGN[c.action]} ${c.type} ${c.name} (${c.action === 'move' ? 'move to the end of the boot sections' : c.action})`);
    for (const c of s.dhcp.dnsmasq?.changes ?? []) {
      lines.push(`  ~ dnsmasq ${s.dhcp.dnsmasq!.label}.${c.option}: ${c.before === undefined ? '(unset)' : `'${c.before}'`} -> ${c.after === undefined ? '(unset)' : `'${c.after}'`}`);
    }
    if (!changeCount(s.dhcp)) lines.push('  no changes');
  }
  return lines.join('\n');
}

const when = (t: number) => new Date(t * 1000).toISOString();
const taskText = (t: { action: string; installer: string | null }) => (t.installer ? `${t.action} ${t.installer}` : t.action);

function hostLine(h: HostJson): string {
  const parts = [`host ${h.name}: ${h.mac} -> ${h.action}${h.target ? ` ${h.target}` : ''}`];
  if (h.task) parts.push(`task ${taskText(h.task)} (set ${when(h.task.since)})`);
  if (h.last_task) parts.push(`last task ${taskText(h.last_task)} at ${when(h.last_task.time)}`);
  parts.push(h.last_seen === null ? 'not seen' : `seen ${when(h.last_seen)}${h.ip ? ` at ${h.ip}` : ''}${h.stage ? `, ${h.stage}: ${h.stage_detail}` : ''}`);
  return parts.join('; ');
}

const context = (a: Args): AppContext => {
  const root = new RouterRoot(a.root);
  return { root, dhcp: () => openDhcpBackend(root, { ubusSocket: a.ubusSocket }) };
};

const waitSaid: LockOptions = {
  onWait: (pid) => err(`netboot: waiting for the apply in progress${pid ? ` (pid ${pid})` : ''} to finish`),
};

async function applyCommand(a: Args, disable: boolean): Promise<number> {
  const ctx = context(a);
  // Warnings and errors go out first, as for validate; with --json the report's message carries the errors.
  const said = !a.json && !report(await readState(ctx, disable), 'nothing was changed');
  // A config with errors is refused here too, and the refusal is recorded
  // for status (LuCI shows it) as any failed apply is: the init script's
  // apply at boot and on each config change is the only one that runs.
  const r = await applyConfig(ctx, { disable, lock: waitSaid });
  if (a.json) json(r);
  else if (!said) (r.ok ? out : err)(`netboot: ${r.message}`);
  return r.ok ? 0 : 1;
}

export const commands: Record<CommandName, (a: Args) => Promise<number>> = {
  async validate(a) {
    const s = await readState(context(a));
    if (a.json) {
      json(validateReport(s));
      return s.errors.length ? 1 : 0;
    }
    if (!report(s)) return 1;
    const m = s.model!;
    out(`netboot: the config is valid: ${m.targets.length} targets, ${m.installers.length} installers, ${m.hosts.length} hosts${m.settings.enabled ? '' : ' (disabled)'}`);
    const httpBoot = httpBootReport(s);
    if (httpBoot) out(`netboot: ${httpBoot.message}`);
    return 0;
  },

  async plan(a) {
    const s = await readState(context(a));
    if (a.json) json(planReport(s));
    else if (report(s)) out(planText(s));
    return s.errors.length ? 1 : 0;
  },

  /** Files only: for setups where dnsmasq is configured by hand (and the lab before apply). */
  async render(a) {
    const ctx = context(a);
    // Under the apply lock: it writes the same files an apply does.
    return underLock(
      ctx,
      async (recovered) => {
        if (recovered) err(`netboot: ${recovered}`);
        const backend = await ctx.dhcp();
        const notes = await beaconNotes(ctx.root, backend.store).finally(() => backend.close());
        if (!a.json) for (const n of notes) out(`netboot: ${n}`);
        const s = computeState(ctx.root, false);
        if (a.json) json(planReport(s));
        if (!a.json && !report(s)) return 1;
        if (s.errors.length) return 1;
        applyFilePlan(s.tftpDir, s.desired, s.files);
        if (!a.json) {
          const n = s.files.changes.length;
          out(n ? `${planText(s)}\nnetboot: wrote ${join(s.tftpRoot, 'netboot')} (${n} change${n > 1 ? 's' : ''})` : `netboot: ${join(s.tftpRoot, 'netboot')} is up to date`);
        }
        return 0;
      },
      waitSaid,
    );
  },

  apply: (a) => applyCommand(a, false),
  disable: (a) => applyCommand(a, true),

  async status(a) {
    const ctx = context(a);
    const s = await readState(ctx);
    const sum = statusReport(s, readLastApply(ctx.root));
    if (a.json) {
      json(sum);
      return s.errors.length ? 1 : 0;
    }
    report(s);
    out(`netboot: ${sum.valid ? 'config valid' : 'config INVALID'}, ${sum.enabled ? 'enabled' : 'disabled'}, TFTP root ${sum.tftp_root}`);
    out(`files: ${sum.files_current ? 'up to date' : 'changes pending'}; dhcp: ${sum.dhcp_current ? 'up to date' : 'changes pending'}${sum.pending_changes ? ` (${sum.pending_changes}; run "netboot apply")` : ''}`);
    if (sum.last_apply) out(`last apply: ${sum.last_apply.time} ${sum.last_apply.ok ? 'ok' : 'FAILED'}: ${sum.last_apply.message}`);
    for (const t of sum.targets) out(`target ${t.name}: ${t.title} -> iscsi ${t.server}:${t.port} lun ${t.lun} ${t.iqn}${t.chap ? ' (CHAP)' : ''}`);
    for (const i of sum.installers) out(`installer ${i.name}: ${i.title} (${i.kind})`);
    for (const h of sum.hosts) out(`host ${h.name}: ${h.mac} -> ${h.action}${h.target ? ` ${h.target}` : ''}`);
    return s.errors.length ? 1 : 0;
  },

  async check(a) {
    const r = await checkReport(context(a), a.tftpServer);
    if (a.json) json(r);
    else for (const c of r.checks) out(`${c.ok ? 'ok  ' : c.probed === false ? 'SKIP' : 'FAIL'} ${c.name}: ${c.detail}`);
    return r.ok ? 0 : 1;
  },

  async preview(a) {
    const r = await previewScript(context(a), a.words[0]);
    if (a.json) json(r);
    else if (!r.ok) err(`netboot: ${r.message}`);
    else out(`# ${r.path}${r.host ? ` (host ${r.host}; then netboot/menu.ipxe acts on it)` : ' (no host entry: the menu)'}\n${r.script}`);
    return r.ok ? 0 : 1;
  },

  async bootloaders(a) {
    const s = computeState(new RouterRoot(a.root), false);
    if (!s.model) return report(s, 'nothing was installed') ? 0 : 1;
    // Loaded on demand, like check: http, https and crypto are not every command's to carry.
    // A refused checksum or an unreachable source ends in main's error line and exit 1.
    const { installBootloaders } = await import('../bootloaders/install');
    const installed = await installBootloaders(s.model.settings, s.tftpDir, a.from!, a.sha256);
    if (a.json) json({ ok: true, installed });
    else for (const f of installed) out(`installed ${join(s.tftpRoot, f.name)} (${f.bytes} bytes, sha256 ${f.sha256})`);
    return 0;
  },

  async wake(a) {
    const r = await wake(context(a), a.words[0]);
    if (a.json) json(r);
    else (r.ok ? out : err)(`netboot: ${r.message}`);
    return r.ok ? 0 : 1;
  },

  async hosts(a) {
    const r = hostsReport(context(a));
    if (a.json) json(r);
    else for (const h of r.hosts) out(hostLine(h));
    return 0;
  },

  async task(a) {
    const [host, action, installer = ''] = a.words;
    const r = await setTask(context(a), { host: host!, action: action!, installer });
    if (a.json) json(r);
    else (r.ok ? out : err)(`netboot: ${r.message}`);
    return r.ok ? 0 : 1;
  },

  /** rpcd reads the reply and ignores the exit status; failures are in the reply. */
  async rpcd(a) {
    const input = a.words[0] === 'call' ? platform.readStdin() : '';
    out(await pluginReply(operations(context(a)), a.words, input));
    return 0;
  },
};

/**
 * Before a command that does not take the apply lock: say whether an apply is
 * under way or was interrupted. Only a lock holder restores (docs/design.md).
 */
export function announce(a: Args): void {
  if (['apply', 'disable', 'render', 'task', 'rpcd'].includes(a.command!)) return;
  const said = applyNotice(new RouterRoot(a.root));
  if (said) err(`netboot: ${said}`);
}
