// The operations behind both the CLI and the ubus object (docs/design.md,
// "The ubus API"): each returns the JSON object the API documents.

import type { CheckReport } from '../check';
import { checkMac } from '../config/values';
import { hostFile, OWNED_DIR } from '../ipxe/render';
import { applyConfig } from './apply';
import { readLastApply } from './last-apply';
import { planReport, statusReport, validateReport } from './reports';
import { readState, tftpRootOf, type AppContext } from './state';
import { parseUci } from '../uci';
import type { RouterRoot } from '../fs/root';
import type { NetbootApp } from '../rpcd/plugin';
import { clientsReport } from './clients';
import { wake } from './wake';
import { hostsReport, setTask } from './tasks';

export async function previewScript(ctx: AppContext, mac: string) {
  const m = checkMac(mac);
  if (!m.ok) return { ok: false, message: `${JSON.stringify(mac)} is not allowed; use ${m.allowed}` };
  const s = await readState(ctx);
  if (!s.model) return { ok: false, message: 'the config has errors; run "netboot validate"' };
  const host = s.model.hosts.find((h) => h.mac === m.value);
  const path = host ? hostFile(host.mac) : `${OWNED_DIR}/menu.ipxe`;
  return { ok: true, mac: m.value, host: host?.name ?? null, path, script: s.desired.get(path) ?? '', menu: host ? (s.desired.get(`${OWNED_DIR}/menu.ipxe`) ?? '') : undefined };
}

/**
 * Where PCs reach the router's TFTP server: the lan interface's address from
 * /etc/config/network (an address like 192.168.1.1/24 loses its prefix), else
 * loopback.
 */
export function routerAddress(root: RouterRoot): string {
  try {
    const lan = parseUci(root.readConfig('network') ?? '', 'network').sections.find((x) => x.type === 'interface' && x.name === 'lan');
    const ip = lan?.options.get('ipaddr');
    const first = Array.isArray(ip) ? ip[0] : ip;
    if (first) return first.replace(/\/\d+$/, '');
  } catch {
    // An unreadable network config is not check's to report; loopback still answers on a router.
  }
  return '127.0.0.1';
}

export async function checkReport(ctx: AppContext, tftpServer = routerAddress(ctx.root)): Promise<CheckReport> {
  const s = await readState(ctx);
  if (!s.model) return { ok: false, checks: s.errors.map((e) => ({ name: e.where, ok: false, detail: e.message })) };
  // Loaded on demand: the probes pull in http, https, tls and the tftp client,
  // about 4 MB every other command would otherwise load for a rare button press.
  const { runChecks } = await import('../check');
  return runChecks(s.model, s.tftpDir, tftpServer);
}

/** The methods of the ubus object `netboot` (src/rpcd/plugin.ts). */
export function operations(ctx: AppContext): NetbootApp {
  return {
    status: async () => statusReport(await readState(ctx), readLastApply(ctx.root)),
    validate: async () => validateReport(await readState(ctx)),
    plan: async () => planReport(await readState(ctx)),
    apply: () => applyConfig(ctx),
    preview: (mac: string) => previewScript(ctx, mac),
    check: () => checkReport(ctx),
    clients: async (mac) => clientsReport(ctx.root, tftpRootOf(ctx.root), mac),
    wake: (host) => wake(ctx, host),
    hosts: async () => hostsReport(ctx),
    task: (host, action, installer) => setTask(ctx, { host, action, installer }),
  };
}

