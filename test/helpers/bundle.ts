import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error: a plain .mjs script shared with npm scripts
import { ensureNode18 } from '../../scripts/node18.mjs';

export const BUNDLE = resolve(__dirname, '../../dist/netboot.js');

/** The node binaries the bundle must run under: this one (20) and OpenWrt 23.05's 18. */
export const NODES: [string, string][] = [
  ['node 20', process.execPath],
  ['node 18', ensureNode18() as string],
];

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function netboot(args: string[], node = process.execPath): Run {
  const r: SpawnSyncReturns<string> = spawnSync(node, [BUNDLE, ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const DHCP_2410 = readFileSync(resolve(__dirname, '../fixtures/uci/dhcp-24.10'), 'utf8');

/** A fresh folder laid out like a router, with the given UCI files (dhcp: OpenWrt 24.10's default unless given). */
export function makeRoot(configs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'netboot-root-'));
  mkdirSync(join(dir, 'etc/config'), { recursive: true });
  for (const [name, text] of Object.entries({ dhcp: DHCP_2410, ...configs })) writeFileSync(join(dir, 'etc/config', name), text);
  return dir;
}

/** The rpcd plugin's answer to `call METHOD` with `args` on stdin, as rpcd runs it (`netboot rpcd call METHOD`). */
export function pluginCall(root: string, method: string, args: object = {}, node = process.execPath): unknown {
  const r = spawnSync(node, [BUNDLE, '--root', root, 'rpcd', 'call', method], { input: JSON.stringify(args), encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`netboot rpcd call ${method}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
