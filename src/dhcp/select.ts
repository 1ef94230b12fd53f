// The dhcp backend goes with the store (src/store/select.ts): the store says
// how uci is changed, the backend how dnsmasq then gets the change.

import type { RouterRoot } from '../fs/root';
import { openStore, type StoreOptions } from '../store/select';
import { UciCliStore } from '../store/cli';
import { RpcdStore } from '../store/rpcd';
import type { DhcpBackend } from './backend';
import { FileDhcpBackend } from './file-backend';
import { UbusDhcpBackend } from './ubus-backend';
import { UciCliDhcpBackend } from './uci-cli-backend';

export type BackendOptions = StoreOptions;

export async function openDhcpBackend(root: RouterRoot, opts: BackendOptions = {}): Promise<DhcpBackend> {
  const store = await openStore(root, opts);
  if (store instanceof RpcdStore) return new UbusDhcpBackend(store.ubus);
  if (store instanceof UciCliStore) return new UciCliDhcpBackend(store.uci);
  return new FileDhcpBackend(root);
}
