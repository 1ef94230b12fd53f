// Gathers what every operation needs: the config and its validation, the
// files netboot would write and the ones on disk, the dhcp sections it would
// change. Reading only; src/app/apply.ts does the writing.

import { join } from 'node:path';
import { DEFAULT_TFTP_ROOT, loadConfig } from '../config/load';
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

/** A config file parsed, or undefined with the reason in `errors`; an absent optional file is no error. */
function parse(root: RouterRoot, name: string, errors: Problem[], required = true): UciPackage | undefined {
  const text = root.readConfig(name);
  if (text === undefined) {
    if (required) errors.push({ where: name, message: `${root.configPath(name)} does not exist; create it (see "netboot --help")` });
    return undefined;
  }
  try {
    return parseUci(text, name);
  } catch (e) {
    if (!(e instanceof UciParseError)) throw e;
    errors.push({ where: name, message: `${root.configPath(name)} line ${e.line}, column ${e.column}: ${e.reason}` });
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
  // render reads dhcp only for the tftp_root default: a missing file is fine, a broken one is not.
  const dhcpPkg = dhcp === false ? parse(root, 'dhcp', errors, false) : dhcp;
  const loaded: LoadResult = netboot && !errors.length ? loadConfig(netboot, dhcpPkg) : { errors, warnings: [] };
  const model = loaded.model && disable ? { ...loaded.model, settings: { ...loaded.model.settings, enabled: false } } : loaded.model;
  const tftpRoot = model?.settings.tftpRoot ?? DEFAULT_TFTP_ROOT;
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

/** The full state, dhcp included, through the context's backend. */
export async function readState(ctx: AppContext, disable = false): Promise<State> {
  const backend = await ctx.dhcp();
  try {
    return computeState(ctx.root, await backend.read(), disable);
  } finally {
    backend.close();
  }
}
