// Picks how dhcp is read and changed (docs/design.md): a --root folder's file;
// on a router, rpcd over ubus with netboot's own session; else the uci command.

import type { RouterRoot } from '../fs/root';
import { platform } from '../platform';
import { DEFAULT_SOCKET_PATHS, UbusClient } from '../ubus';
import type { DhcpBackend } from './backend';
import { FileDhcpBackend } from './file-backend';
import { UbusDhcpBackend } from './ubus-backend';
import { UciCliDhcpBackend } from './uci-cli-backend';

export interface BackendOptions {
  ubusSocket?: string;
}

export async function openDhcpBackend(root: RouterRoot, opts: BackendOptions = {}): Promise<DhcpBackend> {
  if (root.dir !== '/') return new FileDhcpBackend(root);
  const exists = (p: string) => platform.stat(p) !== undefined;
  // The native ubus client needs node's sockets; under qjs the uci command stands in.
  const socket = platform.net && (opts.ubusSocket ?? DEFAULT_SOCKET_PATHS.find(exists));
  if (socket) return new UbusDhcpBackend(await UbusClient.connect({ path: socket }));
  if (['/sbin/uci', '/usr/sbin/uci', '/bin/uci'].some(exists)) return new UciCliDhcpBackend();
  return new FileDhcpBackend(root);
}
