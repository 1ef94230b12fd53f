// Picks where config is read and changed (docs/design.md): a --root folder's
// files; on a router, rpcd over ubus with netboot's own session (the native
// client under node, the ubus command under qjs); else the uci command.

import type { RouterRoot } from '../fs/root';
import { platform, which } from '../platform';
import { DEFAULT_SOCKET_PATHS, UbusCli, UbusClient } from '../ubus';
import type { UciStore } from '.';
import { UciCliStore } from './cli';
import { FileStore } from './file';
import { RpcdStore } from './rpcd';

export interface StoreOptions {
  ubusSocket?: string;
}

export async function openStore(root: RouterRoot, opts: StoreOptions = {}): Promise<UciStore> {
  if (root.dir !== '/') return new FileStore(root);
  const exists = (p: string) => platform.stat(p) !== undefined;
  const socket = opts.ubusSocket ?? DEFAULT_SOCKET_PATHS.find(exists);
  if (socket && platform.net) return new RpcdStore(await UbusClient.connect({ path: socket }));
  // qjs has no sockets: the same rpcd calls, with the same own session, through the ubus command.
  const ubus = socket && which('ubus');
  if (ubus) return new RpcdStore(new UbusCli(socket, ubus));
  if (['/sbin/uci', '/usr/sbin/uci', '/bin/uci'].some(exists)) return new UciCliStore();
  return new FileStore(root);
}
