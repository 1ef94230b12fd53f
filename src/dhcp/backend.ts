// Where /etc/config/dhcp is read and changed. The plan is the same for every
// backend; only the way changes reach uci differs (see docs/design.md).

import type { StoreEdit, UciStore } from '../store';
import type { UciPackage, UciSection } from '../uci';
import type { DnsmasqInstance } from './settle';

/** What one apply (or a rollback) does to dhcp: whole owned sections and single dnsmasq options. */
export interface DhcpEdit {
  /** Owned sections to create or replace, in order; `last` ones must end up after every other section of their type. */
  set: UciSection[];
  remove: string[];
  /** Names of owned sections to move to the end of their type. */
  last: string[];
  /** Options on the dnsmasq section (by uci name); undefined deletes the option. */
  dnsmasq?: { section: string; options: Record<string, string | undefined> };
}

export interface DhcpBackend {
  /** Shown in reports, e.g. "files under /tmp/lab" or "rpcd session". */
  readonly name: string;
  /** Where uci is read and changed; netboot's own config goes through it too. */
  readonly store: UciStore;
  read(): Promise<UciPackage | undefined>;
  /** Applies and commits the edit. */
  write(edit: DhcpEdit): Promise<void>;
  /** Makes dnsmasq load the committed config; false when this backend cannot (an off-router root). */
  reloadDnsmasq(): Promise<boolean>;
  /** One look at dnsmasq's processes (src/dhcp/settle.ts judges them); undefined when this backend cannot tell. */
  dnsmasqInstances(): Promise<DnsmasqInstance[] | undefined>;
  close(): void;
}

export const isEmptyEdit = (e: DhcpEdit) =>
  !e.set.length && !e.remove.length && !e.last.length && !Object.keys(e.dnsmasq?.options ?? {}).length;

const storeEdit = (e: DhcpEdit): StoreEdit => ({
  set: e.set,
  remove: e.remove,
  last: e.last,
  options: e.dnsmasq ? { [e.dnsmasq.section]: e.dnsmasq.options } : undefined,
});

/** dhcp read and written through a store; the subclass says how dnsmasq gets the change. */
export abstract class StoreDhcpBackend implements DhcpBackend {
  abstract readonly name: string;

  constructor(readonly store: UciStore) {}

  read(): Promise<UciPackage | undefined> {
    return this.store.read('dhcp');
  }

  write(edit: DhcpEdit): Promise<void> {
    return this.store.write('dhcp', storeEdit(edit));
  }

  abstract reloadDnsmasq(): Promise<boolean>;
  abstract dnsmasqInstances(): Promise<DnsmasqInstance[] | undefined>;

  close(): void {
    this.store.close();
  }
}
