// Gathers what every command needs from the router root: the config, its
// validation, the files netboot would write and the ones on disk now.

import { join } from 'node:path';
import { loadConfig } from '../config/load';
import type { LoadResult, Problem } from '../config/model';
import { readTree } from '../fs/tree';
import type { RouterRoot } from '../fs/root';
import { OWNED_DIR, renderFiles } from '../ipxe/render';
import { planFiles, type FilePlan } from '../plan/files';
import { parseUci, UciParseError, type UciPackage } from '../uci';

export interface State extends LoadResult {
  /** The TFTP root as the router sees it (e.g. /srv/tftp). */
  tftpRoot: string;
  /** Where that is on this machine (under --root). */
  tftpDir: string;
  desired: Map<string, string>;
  plan: FilePlan;
}

function parse(root: RouterRoot, name: string, required: boolean, errors: Problem[]): UciPackage | undefined {
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

export function readState(root: RouterRoot): State {
  const errors: Problem[] = [];
  const netboot = parse(root, 'netboot', true, errors);
  const dhcp = parse(root, 'dhcp', false, errors);
  const loaded: LoadResult = netboot && !errors.length ? loadConfig(netboot, dhcp) : { errors, warnings: [] };
  const tftpRoot = loaded.model?.settings.tftpRoot ?? '/srv/tftp';
  const tftpDir = root.path(tftpRoot);
  const desired = loaded.model?.settings.enabled ? renderFiles(loaded.model) : new Map<string, string>();
  const current = readTree(join(tftpDir, OWNED_DIR), OWNED_DIR);
  return { ...loaded, tftpRoot, tftpDir, desired, plan: planFiles(desired, current) };
}
