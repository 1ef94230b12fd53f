// Config through rpcd's `uci` object with netboot's own session: changes are
// staged in that session only, so whatever a person has pending in LuCI or
// /tmp/.uci is never committed by netboot. rpcd's commit sends procd
// config.change, which runs the reload triggers of the package (dnsmasq's for
// dhcp, netboot's own for netboot). The same calls go over the native client
// (node) or the ubus command (qjs).

import type { UbusCaller } from '../ubus';
import type { UciPackage } from '../uci';
import type { StoreEdit, UciStore } from '.';
import { optionsObject, packageFromRpcd } from './rpcd-values';

export class RpcdStore implements UciStore {
  readonly name = 'rpcd uci session';

  constructor(readonly ubus: UbusCaller) {}

  async read(config: string): Promise<UciPackage | undefined> {
    return packageFromRpcd(config, await this.ubus.call('uci', 'get', { config }));
  }

  async write(config: string, edit: StoreEdit): Promise<void> {
    const { ubus_rpc_session: sid } = (await this.ubus.call('session', 'create', { timeout: 120 })) as { ubus_rpc_session: string };
    const uci = (method: string, args: Record<string, unknown>) => this.ubus.call('uci', method, { config, ...args, ubus_rpc_session: sid } as never);
    try {
      await this.ubus.call('session', 'grant', { ubus_rpc_session: sid, scope: 'uci', objects: [[config, 'read'], [config, 'write']] });
      const current = packageFromRpcd(config, await uci('get', {}));
      const byName = new Map(current.sections.map((s) => [s.name, s]));
      const last = edit.last ?? [];
      for (const name of [...(edit.remove ?? []), ...last]) if (byName.has(name)) await uci('delete', { section: name });
      for (const [section, options] of Object.entries(edit.options ?? {})) {
        const set = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
        const del = Object.keys(options).filter((k) => options[k] === undefined);
        if (Object.keys(set).length) await uci('set', { section, values: set });
        if (del.length) await uci('delete', { section, options: del });
      }
      for (const s of edit.set ?? []) {
        const old = last.includes(s.name) ? undefined : byName.get(s.name);
        if (!old) {
          await uci('add', { type: s.type, name: s.name, values: optionsObject(s) });
          continue;
        }
        // `set` only adds and changes; options the new section lacks are deleted.
        await uci('set', { section: s.name, values: optionsObject(s) });
        const gone = [...old.options.keys()].filter((k) => !s.options.has(k));
        if (gone.length) await uci('delete', { section: s.name, options: gone });
      }
      await uci('commit', {});
    } finally {
      await this.ubus.call('session', 'destroy', { ubus_rpc_session: sid }).catch(() => undefined);
    }
  }

  close(): void {
    this.ubus.close();
  }
}
