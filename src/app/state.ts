// Gathers what every operation needs: the config and its validation, the
// files netboot would write and the ones on disk, the dhcp sections it would
// change. Reading only; src/app/apply.ts does the writing.

import { join } from 'node:path';
import { loadConfig } from '../config/load';
import type { LoadResult, Problem } from '../config/model';
import type { DhcpBackend } from '../dhcp/backend';
import { desiredDhcp } from '../dhcp/desired';
import { planDhcp, type DhcpPlan } from '../dhcp/plan';
import type { RouterRoot } from '../fs/root';
import { readTree } from '../fs/tree';
import { OWNED_DIR, renderFiles } from '../ipxe/render';
import { planFiles, type FilePlan } from '../plan/files';
import { parseUci, UciParseError, type UciPackage } from '../uci';

export interface AppContext {
  root: RouterRoot;
  /** Opens the dhcp backend; only apply and plan need one. */
  dhcp: () => Promise<DhcpBackend>;
}

export interface State extends LoadResult {
  /** The TFTP root as the router sees it (e.g. /srv/tftp). */
  tftpRoot: string;
  /** Where that is on this machine (under --root). */
  tftpDir: string;
  desired: Map<string, string>;
  files: FilePlan;
  /** Absent for `render`-only reads that do not look at dhcp. */
  dhcp?: DhcpPlan;
}

function parse(root: RouterRoot, name: string, errors: Problem[]): UciPackage | undefined {
  const text = root.readConfig(name);
  if (text === undefined) {
    errors.push({ where: name, message: `${root.configPath(name)} does not exist; create it (see "netboot --help")` });
    return undefined;
  }
  return parseText(text, name, root.configPath(name), errors);
}

function parseText(text: string, name: string, path: string, errors: Problem[]): UciPackage | undefined {
  try {
    return parseUci(text, name);
  } catch (e) {
    if (!(e instanceof UciParseError)) throw e;
    errors.push({ where: name, message: `${path} line ${e.line}, column ${e.column}: ${e.reason}` });
    return undefined;
  }
}

/**
 * `dhcp` is the router's dhcp config as the backend reads it (undefined when
 * there is none); pass `false` to skip everything dhcp (render).
 * `disable` computes the state netboot wants when switched off.
 */
export function computeState(root: RouterRoot, dhcp: UciPackage | undefined | false, disable = false): State {
  const errors: Problem[] = [];
  const netboot = parse(root, 'netboot', errors);
  const dhcpPkg = dhcp === false ? dhcpFromFile(root, errors) : dhcp;
  const loaded: LoadResult = netboot && !errors.length ? loadConfig(netboot, dhcpPkg) : { errors, warnings: [] };
  const model = loaded.model && disable ? { ...loaded.model, settings: { ...loaded.model.settings, enabled: false } } : loaded.model;
  const tftpRoot = model?.settings.tftpRoot ?? '/srv/tftp';
  const tftpDir = root.path(tftpRoot);
  const desired = model?.settings.enabled ? renderFiles(model) : new Map<string, string>();
  const current = readTree(join(tftpDir, OWNED_DIR), OWNED_DIR);
  const state: State = { ...loaded, model, tftpRoot, tftpDir, desired, files: planFiles(desired, current) };
  if (dhcp !== false && model) {
    state.dhcp = planDhcp(desiredDhcp(model), dhcp);
    state.errors = [...state.errors, ...state.dhcp.errors];
    state.warnings = [...state.warnings, ...state.dhcp.warnings];
  }
  return state;
}

/** render reads dhcp only for its tftp_root default; a missing or broken file is not render's problem. */
function dhcpFromFile(root: RouterRoot, errors: Problem[]): UciPackage | undefined {
  const text = root.readConfig('dhcp');
  return text === undefined ? undefined : parseText(text, 'dhcp', root.configPath('dhcp'), errors);
}

/** The full state, dhcp included, through the context's backend. */
export async function readState(ctx: AppContext, disable = false): Promise<State> {
  const backend = await ctx.dhcp();
  try {
    return computeState(ctx.root, await backend.read(), disable);
  } finally {
    backend.close();
  }
}
