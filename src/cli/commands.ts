import { join } from 'node:path';
import type { Problem } from '../config/model';
import { applyFilePlan } from '../fs/apply';
import { RouterRoot } from '../fs/root';
import type { FileAction } from '../plan/files';
import type { Args, COMMANDS } from './args';
import { readState, type State } from './state';

export type CommandName = (typeof COMMANDS)[number];

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v, null, 2));

const problemLine = (p: Problem) => `${p.where}: ${p.message}`;

/** Errors and warnings to stderr; true when there were no errors. */
function report(s: State): boolean {
  for (const w of s.warnings) err(`warning: ${problemLine(w)}`);
  for (const e of s.errors) err(`error: ${problemLine(e)}`);
  if (s.errors.length) err(`netboot: ${s.errors.length} error${s.errors.length > 1 ? 's' : ''} in the config; nothing was written`);
  return !s.errors.length;
}

function summary(s: State) {
  const m = s.model;
  return {
    valid: !s.errors.length,
    enabled: m?.settings.enabled ?? false,
    tftp_root: s.tftpRoot,
    targets: m?.targets.map((t) => ({ name: t.name, title: t.title, iqn: t.iqn, server: t.server, port: t.port, lun: t.lun, chap: !!t.chap })) ?? [],
    installers: m?.installers.map((i) => ({ name: i.name, title: i.title, kind: i.spec.kind })) ?? [],
    hosts: m?.hosts.map((h) => ({ name: h.name, mac: h.mac, target: h.target ?? null, action: h.action })) ?? [],
    errors: s.errors,
    warnings: s.warnings,
  };
}

const SIGN: Record<FileAction, string> = { create: '+', update: '~', remove: '-' };

function planText(s: State): string {
  const lines = [`Files under ${s.tftpRoot}:`];
  for (const c of s.plan.changes) lines.push(`  ${SIGN[c.action]} ${c.path} (${c.action})`);
  if (!s.plan.changes.length) lines.push('  no changes');
  lines.push(`  ${s.plan.unchanged} unchanged`);
  return lines.join('\n');
}

const planJson = (s: State) => ({ valid: !s.errors.length, tftp_root: s.tftpRoot, files: s.plan.changes, unchanged: s.plan.unchanged, errors: s.errors, warnings: s.warnings });

export const commands: Record<CommandName, (a: Args) => number> = {
  validate(a) {
    const s = readState(new RouterRoot(a.root));
    if (a.json) {
      json({ valid: !s.errors.length, errors: s.errors, warnings: s.warnings });
      return s.errors.length ? 1 : 0;
    }
    if (!report(s)) return 1;
    const m = s.model!;
    out(`netboot.main: config is valid: ${m.targets.length} targets, ${m.installers.length} installers, ${m.hosts.length} hosts${m.settings.enabled ? '' : ' (disabled)'}`);
    return 0;
  },

  plan(a) {
    const s = readState(new RouterRoot(a.root));
    if (a.json) json(planJson(s));
    else if (report(s)) out(planText(s));
    return s.errors.length ? 1 : 0;
  },

  render(a) {
    const s = readState(new RouterRoot(a.root));
    if (a.json) json(planJson(s));
    if (!a.json && !report(s)) return 1;
    if (s.errors.length) return 1;
    applyFilePlan(s.tftpDir, s.desired, s.plan);
    if (!a.json) {
      const n = s.plan.changes.length;
      out(n ? `${planText(s)}\nnetboot: wrote ${join(s.tftpRoot, 'netboot')} (${n} change${n > 1 ? 's' : ''})` : `netboot: ${join(s.tftpRoot, 'netboot')} is up to date`);
    }
    return 0;
  },

  status(a) {
    const s = readState(new RouterRoot(a.root));
    const sum = { ...summary(s), files_current: !s.plan.changes.length, pending_changes: s.plan.changes.length };
    if (a.json) {
      json(sum);
      return s.errors.length ? 1 : 0;
    }
    report(s);
    out(`netboot: ${sum.valid ? 'config valid' : 'config INVALID'}, ${sum.enabled ? 'enabled' : 'disabled'}, TFTP root ${sum.tftp_root}`);
    out(`files: ${sum.files_current ? 'up to date' : `${sum.pending_changes} pending change(s); run "netboot render"`}`);
    for (const t of sum.targets) out(`target ${t.name}: ${t.title} -> iscsi ${t.server}:${t.port} lun ${t.lun} ${t.iqn}${t.chap ? ' (CHAP)' : ''}`);
    for (const i of sum.installers) out(`installer ${i.name}: ${i.title} (${i.kind})`);
    for (const h of sum.hosts) out(`host ${h.name}: ${h.mac} -> ${h.action}${h.target ? ` ${h.target}` : ''}`);
    return s.errors.length ? 1 : 0;
  },
};
