// `netboot task HOST install INSTALLER | menu | boot | clear`: the edit of
// /etc/config/netboot that sets or clears a host's task, checked the way the
// config is (pure). A request that would make the config invalid is refused
// with the errors it would cause, each naming netboot.SECTION.OPTION.

import { loadConfig } from '../config/load';
import { checkMac } from '../config/values';
import type { StoreEdit } from '../store';
import type { UciPackage, UciSection } from '../uci';
import { hostMac } from './meaning';

export const TASK_ACTIONS = ['install', 'menu', 'boot', 'clear'] as const;
const TASK_OPTIONS = ['next_action', 'next_installer', 'next_since'];

export interface TaskRequest {
  /** A host section's name (uci's cfgNNHHHH for an anonymous one), its @host[N], or its MAC. */
  host: string;
  action: string;
  /** Only with install; '' otherwise. */
  installer: string;
}

export type TaskEdit = { ok: true; edit: StoreEdit; host: string; message: string } | { ok: false; message: string };

/** The host section a request names, and how uci shows it. */
export function findHost(netboot: UciPackage, ref: string): { section: UciSection; label: string } | undefined {
  const hosts = netboot.sections.filter((s) => s.type === 'host');
  const label = (s: UciSection) => (s.anonymous ? `@host[${hosts.indexOf(s)}]` : s.name);
  const mac = checkMac(ref);
  const section = hosts.find((s) => s.name === ref || label(s) === ref) ?? (mac.ok ? hosts.find((s) => hostMac(s) === mac.value) : undefined);
  return section && { section, label: label(section) };
}

const describe = (r: TaskRequest) => (r.action === 'install' ? `install ${r.installer}` : r.action);

export function taskEdit(netboot: UciPackage, dhcp: UciPackage | undefined, r: TaskRequest, now: number): TaskEdit {
  if (!(TASK_ACTIONS as readonly string[]).includes(r.action)) return { ok: false, message: `${JSON.stringify(r.action)} is no task; use one of ${TASK_ACTIONS.join(', ')}` };
  if (r.action === 'install' && !r.installer) return { ok: false, message: 'install needs an installer: netboot task HOST install INSTALLER' };
  if (r.action !== 'install' && r.installer) return { ok: false, message: `an installer goes only with install, not with ${r.action}` };
  const found = findHost(netboot, r.host);
  if (!found) {
    const names = netboot.sections.filter((s) => s.type === 'host').map((s) => (s.anonymous ? `${s.name} (${String(s.options.get('mac'))})` : s.name));
    return { ok: false, message: `no host ${JSON.stringify(r.host)}; use a host section's name or MAC: ${names.length ? names.join(', ') : 'none are configured'}` };
  }
  const { section, label } = found;
  const options: Record<string, string | undefined> =
    r.action === 'clear'
      ? Object.fromEntries(TASK_OPTIONS.map((o) => [o, undefined]))
      : { next_action: r.action, next_installer: r.installer || undefined, next_since: String(Math.floor(now / 1000)) };
  // The config as it would be: every error it adds is the request's.
  const edited = new Map(section.options);
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) edited.delete(k);
    else edited.set(k, v);
  }
  const after: UciPackage = { ...netboot, sections: netboot.sections.map((s) => (s === section ? { ...s, options: edited } : s)) };
  const key = (p: { where: string; message: string }) => `${p.where}: ${p.message}`;
  const before = new Set(loadConfig(netboot, dhcp).errors.map(key));
  const added = loadConfig(after, dhcp).errors.map(key).filter((e) => !before.has(e));
  if (added.length) return { ok: false, message: `host ${label}: ${describe(r)} is refused: ${added.join('; ')}` };
  const message = r.action === 'clear' ? `host ${label}: task cleared` : `host ${label}: ${describe(r)} on its next network boot`;
  return { ok: true, edit: { options: { [section.name]: options } }, host: label, message };
}
