// Picks how dhcp is read and changed (docs/design.md): a --root folder's file;
// on a router, rpcd over ubus with netboot's own session (the native client
// under node, the ubus command under qjs); else the uci command.

import type { RouterRoot } from '../fs/root';
import { platform, which } from '../platform';
import { DEFAULT_SOCKET_PATHS, UbusCli, UbusClient } from '../ubus';
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
  const socket = opts.ubusSocket ?? DEFAULT_SOCKET_PATHS.find(exists);
  if (socket && platform.net) return new UbusDhcpBackend(await UbusClient.connect({ path: socket }));
  // qjs has no sockets: the same rpcd calls, with the same own session, through the ubus command.
  const ubus = socket && which('ubus');
  if (ubus) return new UbusDhcpBackend(new UbusCli(socket, ubus));
  if (['/sbin/uci', '/usr/sbin/uci', '/bin/uci'].some(exists)) return new UciCliDhcpBackend();
  return new FileDhcpBackend(root);
}
