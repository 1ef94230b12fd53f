// What apply must change in /etc/config/dhcp, and what in the user's own dhcp
// config would fight netboot's entries. Pure.

import type { Problem } from '../config/model';
import type { UciPackage, UciSection, UciValue } from '../uci';
import { DHCP_SCRIPT, type DesiredDhcp, isMenuEntry, isOwned, OWNED_MARK, section } from './desired';

/** 'move': same content, but it must become the last section of its type. */
export type SectionAction = 'create' | 'update' | 'remove' | 'move';

export interface SectionChange {
  name: string;
  type: string;
  action: SectionAction;
  before?: UciSection;
  after?: UciSection;
}

export interface OptionChange {
  option: string;
  before?: string;
  after?: string;
}

export interface DhcpPlan {
  sections: SectionChange[];
  /** The dnsmasq section netboot sets options on, as uci names it. */
  dnsmasq?: { name: string; label: string; changes: OptionChange[] };
  warnings: Problem[];
  errors: Problem[];
}

const same = (a: UciValue | undefined, b: UciValue | undefined) => JSON.stringify(a) === JSON.stringify(b);

function sameSection(a: UciSection, b: UciSection): boolean {
  return a.type === b.type && a.options.size === b.options.size && [...a.options].every(([k, v]) => same(v, b.options.get(k)));
}

const str = (v: UciValue | undefined) => (typeof v === 'string' ? v : undefined);

/** Where netboot's own bookkeeping keeps the values the dnsmasq options had before it set them. */
function restoreValues(mark: UciSection | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const v = mark?.options.get('restore');
  for (const item of Array.isArray(v) ? v : v ? [v] : []) {
    const eq = item.indexOf('=');
    if (eq > 0) out.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return out;
}

/** A user's dhcp config that would shadow or fight netboot's entries, in plain words. */
function conflicts(dhcp: UciPackage, dnsmasq: UciSection, label: string, desired: DesiredDhcp): Problem[] {
  const w: Problem[] = [];
  const where = (o: string) => `dhcp.${label}.${o}`;
  const boot = str(dnsmasq.options.get('dhcp_boot'));
  if (boot) {
    w.push({ where: where('dhcp_boot'), message: `${JSON.stringify(boot)} is handed to every client that none of netboot's tagged entries matches (netboot's win for BIOS, UEFI x64, arm64 and iPXE clients)` });
  }
  const root = str(dnsmasq.options.get('tftp_root'));
  if (root && desired.dnsmasq.tftp_root && root.replace(/\/+$/, '') !== desired.dnsmasq.tftp_root) {
    w.push({ where: where('tftp_root'), message: `is ${JSON.stringify(root)} but netboot.main.tftp_root is ${JSON.stringify(desired.dnsmasq.tftp_root)}: apply points dnsmasq's TFTP server at ${desired.dnsmasq.tftp_root}, and files under ${root} will no longer be served` });
  }
  const script = str(dnsmasq.options.get('dhcpscript'));
  if (script && script !== DHCP_SCRIPT) {
    w.push({
      where: where('dhcpscript'),
      message: `is your own script ${JSON.stringify(script)}, so netboot leaves it and sees no boot journeys; to see them, add the line \`. ${DHCP_SCRIPT} "$@"\` to it and \`list addnmount '${DHCP_SCRIPT}'\` to this section (dnsmasq runs in a jail)`,
    });
  }
  if (str(dnsmasq.options.get('tftp_unique_root'))) {
    w.push({ where: where('tftp_unique_root'), message: 'gives each client its own TFTP folder, so clients will not find netboot/menu.ipxe or the boot loaders; remove it' });
  }
  if (dnsmasq.options.has('pxe_service')) {
    w.push({ where: where('pxe_service'), message: "PXE service entries make dnsmasq answer as a PXE boot server, which breaks UEFI boot outside proxy mode; netboot's boot entries do not need them" });
  }
  for (const s of dhcp.sections) {
    if (s.type !== 'boot' || isOwned(s.name)) continue;
    const file = str(s.options.get('filename'));
    const tag = str(s.options.get('networkid'));
    const l = s.anonymous ? `@boot[${dhcp.sections.filter((x) => x.type === 'boot').indexOf(s)}]` : s.name;
    w.push({
      where: `dhcp.${l}`,
      message: tag
        ? `your boot entry (${JSON.stringify(file)} for tag ${tag}) also answers PXE clients; if that tag matches the same clients as netboot's, dnsmasq may pick either`
        : `your untagged boot entry (${JSON.stringify(file)}) is used only for clients that no tagged entry matches`,
    });
  }
  if (dhcp.sections.filter((s) => s.type === 'dnsmasq').length > 1) {
    w.push({ where: `dhcp.${label}`, message: 'there are several dnsmasq instances; netboot configures this one (the first)' });
  }
  return w;
}

export function planDhcp(desired: DesiredDhcp, dhcp: UciPackage | undefined): DhcpPlan {
  const plan: DhcpPlan = { sections: [], warnings: [], errors: [] };
  const current = dhcp?.sections ?? [];
  const dnsmasq = current.find((s) => s.type === 'dnsmasq');
  const mark = current.find((s) => s.name === OWNED_MARK);
  const enabling = desired.sections.length > 0;

  if (enabling && !dnsmasq) {
    plan.errors.push({ where: 'dhcp', message: 'no "config dnsmasq" section in /etc/config/dhcp: netboot needs dnsmasq as the DHCP and TFTP server' });
    return plan;
  }

  // The dnsmasq options: set what netboot needs, remembering what was there; when
  // disabling, put back what was there.
  const restore = restoreValues(mark);
  const wanted = new Map<string, string | undefined>(Object.entries(desired.dnsmasq));
  // A dhcpscript of the user's own (also one set after netboot's) is theirs: it stays, and stays on disable.
  const userScript = str(dnsmasq?.options.get('dhcpscript'));
  if (userScript && userScript !== DHCP_SCRIPT) {
    wanted.delete('dhcpscript');
    restore.delete('dhcpscript');
  }
  if (!enabling) for (const [k, v] of restore) wanted.set(k, v === '' ? undefined : v);
  const optionChanges: OptionChange[] = [];
  for (const [option, after] of wanted) {
    const before = str(dnsmasq?.options.get(option));
    if (before !== after) optionChanges.push({ option, before, after });
    if (enabling && !restore.has(option)) restore.set(option, before ?? '');
  }
  if (dnsmasq) {
    const label = dnsmasq.anonymous ? '@dnsmasq[0]' : dnsmasq.name;
    plan.dnsmasq = { name: dnsmasq.name, label, changes: optionChanges };
    if (enabling) plan.warnings.push(...desired.warnings, ...conflicts(dhcp!, dnsmasq, label, desired));
  }

  const want = enabling
    ? [...desired.sections, section('netboot', OWNED_MARK, { restore: [...restore].map(([k, v]) => `${k}=${v}`) })]
    : [];
  const wantNames = new Set(want.map((s) => s.name));
  const have = new Map(current.filter((s) => isOwned(s.name)).map((s) => [s.name, s]));
  for (const s of want) {
    const before = have.get(s.name);
    if (!before) plan.sections.push({ name: s.name, type: s.type, action: 'create', after: s });
    else if (!sameSection(before, s)) plan.sections.push({ name: s.name, type: s.type, action: 'update', before, after: s });
  }
  for (const [name, before] of have) if (!wantNames.has(name)) plan.sections.push({ name, type: before.type, action: 'remove', before });

  // dnsmasq tries the last dhcp-boot first: netboot's iPXE menu entries must stay the last boot sections, in their order.
  const menus = desired.sections.filter(isMenuEntry);
  const tail = current.filter((s) => s.type === 'boot').slice(-menus.length).map((s) => s.name);
  if (menus.length && menus.some((m, i) => tail[i] !== m.name) && menus.some((m) => have.has(m.name))) {
    // Re-listed in their own order at the end: sections are appended in plan order.
    for (const m of menus) {
      const i = plan.sections.findIndex((c) => c.name === m.name);
      const change = i < 0 ? { name: m.name, type: 'boot', action: 'move' as const, before: have.get(m.name), after: m } : plan.sections.splice(i, 1)[0]!;
      if (change.action === 'update') change.action = 'move';
      plan.sections.push(change);
    }
  }
  return plan;
}

/** Sections and dnsmasq options apply would change. */
export const changeCount = (p: DhcpPlan) => p.sections.length + (p.dnsmasq?.changes.length ?? 0);
