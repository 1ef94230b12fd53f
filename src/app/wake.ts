// `netboot wake HOST|MAC` and the ubus method `wake` (docs/design.md, "Wake-on-LAN").
// A PC can only network-boot where netboot serves DHCP, so the packet goes out
// on each interface netboot serves (netboot.main.interfaces, default lan): no
// per-host setting to keep right.

import { checkMac } from '../config/values';
import type { Host } from '../config/model';
import { parseUci, UciParseError, type UciPackage } from '../uci';
import { interfaceSubnet } from '../wol/network';
import { sendMagicPacket } from '../wol/send';
import { computeState, type AppContext } from './state';

export interface WakeReply {
  ok: boolean;
  message: string;
}

const refused = (message: string): WakeReply => ({ ok: false, message });

/** The host `who` names (its section name, else its hostname), or why there is none. */
function findHost(hosts: Host[], who: string): Host | string {
  const byName = hosts.find((h) => h.name === who) ?? hosts.filter((h) => h.hostname === who);
  if (!Array.isArray(byName)) return byName;
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) return `${byName.length} hosts have the hostname ${JSON.stringify(who)} (${byName.map((h) => h.name).join(', ')}); name one by its section`;
  const known = hosts.map((h) => h.name).join(', ') || 'none';
  return `no host ${JSON.stringify(who)} in /etc/config/netboot (hosts: ${known}); give a host's section name or hostname, or a MAC address like 52:54:00:12:34:56`;
}

/** /etc/config/network parsed (undefined when the router has none), or why it cannot be read. */
function readNetwork(ctx: AppContext): UciPackage | undefined | string {
  const text = ctx.root.readConfig('network');
  try {
    return text === undefined ? undefined : parseUci(text, 'network');
  } catch (e) {
    if (!(e instanceof UciParseError)) throw e;
    return `${ctx.root.configPath('network')} line ${e.line}, column ${e.column}: ${e.reason}`;
  }
}

export async function wake(ctx: AppContext, who: string): Promise<WakeReply> {
  const mac = checkMac(who);
  if (!mac.ok && /^[0-9a-f]{2}([:-][0-9a-f]{2}){2,}$/i.test(who)) return refused(`${JSON.stringify(who)} is not allowed; use ${mac.allowed}`);
  const s = computeState(ctx.root, false);
  if (!s.model) return refused('the config has errors; run "netboot validate"');
  const host = mac.ok ? s.model.hosts.find((h) => h.mac === mac.value) : findHost(s.model.hosts, who);
  if (typeof host === 'string') return refused(host);
  const target = host?.mac ?? (mac as { value: string }).value;
  const named = host ? `${host.name} (${host.mac})` : target;

  const network = readNetwork(ctx);
  if (typeof network === 'string') return refused(`cannot wake ${named}: ${network}`);
  const sent: string[] = [];
  const notSent: string[] = [];
  for (const iface of s.model.settings.interfaces) {
    const subnet = interfaceSubnet(network, iface);
    try {
      if (typeof subnet === 'string') throw new Error(subnet);
      sent.push(await sendMagicPacket(target, subnet));
    } catch (e) {
      notSent.push((e as Error).message);
    }
  }
  // Sent on one interface is enough to wake the PC, if it is there; the others are said.
  if (!sent.length) return refused(`cannot wake ${named}: ${notSent.join('; ')}`);
  const also = notSent.length ? `; not on the other interfaces: ${notSent.join('; ')}` : '';
  return { ok: true, message: `sent the magic packet for ${named} ${sent.join(', ')}${also}` };
}
