// A dhcp plan as one edit (and the edit that undoes it). Pure.

import type { DhcpEdit } from './backend';
import type { DhcpPlan } from './plan';
import { IPXE_TAG } from './desired';

export function editFromPlan(plan: DhcpPlan): DhcpEdit {
  const set = plan.sections.filter((c) => c.action !== 'remove').map((c) => c.after!);
  const last = plan.sections.filter((c) => c.action === 'move').map((c) => c.name);
  // A boot section appended now would land after netboot's iPXE entry, which must stay last.
  const ipxe = set.find((s) => s.type === 'boot' && s.options.get('networkid') === IPXE_TAG);
  const creatingBoot = plan.sections.some((c) => c.action === 'create' && c.type === 'boot' && c.name !== ipxe?.name);
  if (ipxe && creatingBoot && !last.includes(ipxe.name)) last.push(ipxe.name);
  // Appended sections keep the order of `set`, so the iPXE entry goes last there too.
  set.sort((a, b) => Number(a === ipxe) - Number(b === ipxe));
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
