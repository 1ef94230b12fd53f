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
        // rpcd answers NOT_FOUND for deleting an option that is not there.
        const del = Object.keys(options).filter((k) => options[k] === undefined && byName.get(section)?.options.has(k));
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

  /**
   * The delay of `service`'s procd trigger that reloads it when `config` is
   * committed, or undefined when there is none (no procd, no such service).
   * procd.sh's procd_add_reload_trigger "dhcp" makes ["config.change", ["if",
   * ["eq", "package", "dhcp"], ["run_script", "/etc/init.d/dnsmasq",
   * "reload"]], 1000] (openwrt/openwrt package/system/procd/files/procd.sh,
   * PROCD_RELOAD_DELAY), as `service list` with verbose reports it.
   */
  async reloadTriggerDelay(service: string, config: string): Promise<number | undefined> {
    const reply = (await this.ubus.call('service', 'list', { name: service, verbose: true }).catch(() => ({}))) as Record<string, { triggers?: unknown }>;
    const triggers = reply[service]?.triggers;
    if (!Array.isArray(triggers)) return undefined;
    for (const t of triggers) {
      if (!Array.isArray(t) || t[0] !== 'config.change' || !Array.isArray(t[1])) continue;
      const [op, cond, action] = t[1] as unknown[];
      if (op === 'if' && JSON.stringify(cond) === JSON.stringify(['eq', 'package', config]) && Array.isArray(action) && action[0] === 'run_script') return typeof t[2] === 'number' ? t[2] : 0;
    }
    return undefined;
  }

  close(): void {
    this.ubus.close();
  }
}
