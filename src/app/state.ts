// Gathers what every operation needs: the config and its validation, the
// files netboot would write and the ones on disk, the dhcp sections it would
// change. Reading only; src/app/apply.ts does the writing.

import { DEFAULT_TFTP_ROOT, loadConfig, mainSection, resolveTftpRoot } from '../config/load';
import type { LoadResult, Problem } from '../config/model';
import type { DhcpBackend } from '../dhcp/backend';
import { desiredDhcp, OWNED_MARK } from '../dhcp/desired';
import { planDhcp, type DhcpPlan } from '../dhcp/plan';
import type { RouterRoot } from '../fs/root';
import { join } from '../fs/path';
import { readTree } from '../fs/tree';
import { OWNED_DIR, renderFiles } from '../ipxe/render';
import { planFiles, type FilePlan } from '../plan/files';
import { readLog } from '../register/log';
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
  if (disable) return disabledState(root, dhcp || undefined);
  const errors: Problem[] = [];
  const netboot = parse(root, 'netboot', errors);
  // render reads dhcp only for the tftp_root default: a missing file is fine, a broken one is not.
  const dhcpPkg = dhcp === false ? parse(root, 'dhcp', errors, false) : dhcp;
  const loaded: LoadResult = netboot && !errors.length ? loadConfig(netboot, dhcpPkg) : { errors, warnings: [] };
  const model = loaded.model;
  const tftpRoot = model?.settings.tftpRoot ?? DEFAULT_TFTP_ROOT;
  const tftpDir = root.path(tftpRoot);
  // Answers to registration requests are files like the rest: status sees them too.
  const desired = model?.settings.enabled ? renderFiles(model, readLog(root).answers) : new Map<string, string>();
  const state: State = { ...loaded, tftpRoot, tftpDir, desired, files: planFiles(desired, readOwned(tftpDir)) };
  if (dhcp !== false && model) {
    state.dhcp = planDhcp(desiredDhcp(model, dhcp), dhcp);
    state.errors = [...state.errors, ...state.dhcp.errors];
    state.warnings = [...state.warnings, ...state.dhcp.warnings];
  }
  return state;
}

const readOwned = (tftpDir: string) => readTree(join(tftpDir, OWNED_DIR), OWNED_DIR);

/**
 * netboot switched off: none of its files, none of its dhcp sections, the
 * dnsmasq options as they were before it. Nothing here needs a valid
 * /etc/config/netboot, so disable (which the package's removal runs) works
 * with a broken, empty or missing one. The files are where the last apply put
 * them: the TFTP root it gave dnsmasq, else where the config points.
 */
function disabledState(root: RouterRoot, dhcp: UciPackage | undefined): State {
  const applied = dhcp?.sections.some((s) => s.name === OWNED_MARK);
  const tftpRoot = applied ? resolveTftpRoot(undefined, dhcp) : tftpRootOf(root, dhcp);
  const tftpDir = root.path(tftpRoot);
  const desired = new Map<string, string>();
  const plan = planDhcp({ sections: [], dnsmasq: {}, warnings: [] }, dhcp);
  return { errors: plan.errors, warnings: plan.warnings, tftpRoot, tftpDir, desired, files: planFiles(desired, readOwned(tftpDir)), dhcp: plan };
}

/** A config file as uci would read it, without validating; undefined when missing or unreadable. */
function parseLoosely(root: RouterRoot, name: string): UciPackage | undefined {
  try {
    return parseUci(root.readConfig(name) ?? '', name);
  } catch {
    return undefined;
  }
}

/**
 * The TFTP root by the loader's own rule, read cheaply and without validating
 * anything else: for the journeys `clients` folds, which LuCI polls, and for
 * disable, which must work whatever the config holds.
 */
export function tftpRootOf(root: RouterRoot, dhcp = parseLoosely(root, 'dhcp')): string {
  const netboot = parseLoosely(root, 'netboot');
  return resolveTftpRoot(netboot && mainSection(netboot)?.options.get('tftp_root'), dhcp);
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
