// A dhcp plan as one edit (and the edit that undoes it). Pure.

import type { DhcpEdit } from './backend';
import type { DhcpPlan } from './plan';
import { isMenuEntry } from './desired';

export function editFromPlan(plan: DhcpPlan): DhcpEdit {
  const set = plan.sections.filter((c) => c.action !== 'remove').map((c) => c.after!);
  const last = plan.sections.filter((c) => c.action === 'move').map((c) => c.name);
  // A boot section appended now would land after netboot's iPXE menu entries, which must stay last.
  const menus = set.filter(isMenuEntry);
  const creatingBoot = plan.sections.some((c) => c.action === 'create' && c.type === 'boot' && !menus.includes(c.after!));
  if (creatingBoot) for (const m of menus) if (!last.includes(m.name)) last.push(m.name);
  // Appended sections keep the order of `set`, so the menu entries go last there too.
  set.sort((a, b) => Number(menus.includes(a)) - Number(menus.includes(b)));
  const edit: DhcpEdit = { set, remove: plan.sections.filter((c) => c.action === 'remove').map((c) => c.name), last };
  if (plan.dnsmasq?.changes.length) {
    edit.dnsmasq = { section: plan.dnsmasq.name, options: Object.fromEntries(plan.dnsmasq.changes.map((c) => [c.option, c.after])) };
  }
  return edit;
}

export function undoFromPlan(plan: DhcpPlan): DhcpEdit {
  const edit: DhcpEdit = {
    set: plan.sections.filter((c) => c.action !== 'create').map((c) => c.before!),
    remove: plan.sections.filter((c) => c.action === 'create').map((c) => c.name),
    last: [],
  };
  if (plan.dnsmasq?.changes.length) {
    edit.dnsmasq = { section: plan.dnsmasq.name, options: Object.fromEntries(plan.dnsmasq.changes.map((c) => [c.option, c.before])) };
  }
  return edit;
}
