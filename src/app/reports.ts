// The JSON objects of the ubus API (docs/design.md), built from a State. The
// CLI prints them with --json and as text; the rpcd plugin returns them.

import type { Problem } from '../config/model';
import { httpBoot, httpBootLine } from '../dhcp/http-boot';
import { changeCount } from '../dhcp/plan';
import type { LastApply } from './last-apply';
import type { State } from './state';

/**
 * What UEFI HTTP Boot clients get: the folder they fetch their loader from
 * (null when none) and validate's line saying it, or why nothing. null while
 * netboot offers no boot options at all (errors, or disabled).
 */
export function httpBootReport(s: State): { url: string | null; message: string } | null {
  const settings = s.model?.settings;
  if (!settings?.enabled) return null;
  return { url: httpBoot(settings).base ?? null, message: httpBootLine(settings) };
}

export const validateReport = (s: State) => ({ valid: !s.errors.length, errors: s.errors, warnings: s.warnings, http_boot: httpBootReport(s) });

export function planReport(s: State) {
  return {
    valid: !s.errors.length,
    tftp_root: s.tftpRoot,
    files: s.files.changes,
    unchanged: s.files.unchanged,
    dhcp: s.dhcp
      ? {
          sections: s.dhcp.sections.map((c) => ({ name: c.name, type: c.type, action: c.action })),
          dnsmasq: s.dhcp.dnsmasq ? { section: s.dhcp.dnsmasq.name, label: s.dhcp.dnsmasq.label, changes: s.dhcp.dnsmasq.changes } : null,
        }
      : null,
    errors: s.errors,
    warnings: s.warnings,
  };
}

export function statusReport(s: State, lastApply: LastApply | null) {
  const m = s.model;
  const dhcpCurrent = s.dhcp ? !changeCount(s.dhcp) : null;
  return {
    valid: !s.errors.length,
    enabled: m?.settings.enabled ?? false,
    tftp_root: s.tftpRoot,
    files_current: !s.files.changes.length,
    dhcp_current: dhcpCurrent,
    pending_changes: s.files.changes.length + (s.dhcp ? changeCount(s.dhcp) : 0),
    targets: m?.targets.map((t) => ({ name: t.name, title: t.title, iqn: t.iqn, server: t.server, port: t.port, lun: t.lun, chap: !!t.chap })) ?? [],
    installers: m?.installers.map((i) => ({ name: i.name, title: i.title, kind: i.spec.kind })) ?? [],
    hosts: m?.hosts.map((h) => ({ name: h.name, mac: h.mac, target: h.target ?? null, action: h.action })) ?? [],
    http_boot: httpBootReport(s),
    errors: s.errors,
    warnings: s.warnings,
    last_apply: lastApply,
  };
}

export const problemLine = (p: Problem) => `${p.where}: ${p.message}`;
