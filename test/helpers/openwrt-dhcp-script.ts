// What OpenWrt does with each event dnsmasq reports to its --dhcp-script, for
// tests that must feed netboot exactly what a router feeds it.
//
// A transcription, in our words, of /usr/lib/dnsmasq/dhcp-script.sh as
// OpenWrt 24.10.4 ships it (openwrt/openwrt package/network/services/dnsmasq/
// files/dhcp-script.sh, unchanged since aed95c4cb8d5 "dnsmasq: switch to
// ubus-based hotplug call"; read from galal201324/openwrt-v24.10.4, which
// carries upstream's history):
//   1. `[ -f "$USER_DHCPSCRIPT" ] && . "$USER_DHCPSCRIPT" "$@"`: the dnsmasq
//      section's `dhcpscript` (dnsmasq.init passes it as the instance's env
//      USER_DHCPSCRIPT), sourced with dnsmasq's arguments and environment;
//   2. then `ubus call hotplug.<dhcp|neigh|tftp> call '{"env":[...]}'` with
//      only these variables: add|old|del MAC IP [HOST] → dhcp with
//      ACTION=add|update|remove, MACADDR, IPADDR, HOSTNAME; arp-add|arp-del
//      MAC IP → neigh with ACTION, MACADDR, IPADDR; tftp SIZE ADDR PATH →
//      tftp with ACTION=add, TFTP_SIZE, TFTP_ADDR, TFTP_PATH.
// procd answers that call by running each /etc/hotplug.d/<obj>/* as
// `/bin/sh -c ". /lib/functions.sh; . SCRIPT"` with its own environment plus
// that list (openwrt/procd hotplug-dispatch.c @2c1834ab, hotplug_exec); the
// transcription runs the hotplug scripts netboot's package ships (today none)
// the same way, minus /lib/functions.sh, which is not here.
//
// OpenWrt's /bin/sh is busybox ash (jshn.sh needs it, not dash), so busybox
// runs all of it. The changes to netboot's script: where jshn.sh is
// (OWRT_PREFIX) and where the spool is (a router folder of the test's).

import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SPOOL } from '../../src/journeys/spool';

const FILES = join(__dirname, '../../files');
const JSHN_LINE = '. /usr/share/libubox/jshn.sh';

/** A copy of one of netboot's shell files whose only change is where it finds jshn.sh. */
export function withJshn(source: string, dest: string, prefix: string): string {
  const text = readFileSync(source, 'utf8');
  if (text.split('\n').filter((l) => l.trim() === JSHN_LINE).length !== 1) throw new Error(`${source} no longer sources ${JSHN_LINE} once`);
  writeFileSync(dest, text.replace(JSHN_LINE, `. ${prefix}/share/libubox/jshn.sh`));
  return dest;
}

/** Whether netboot's package brings dnsmasq.init's has_handler: a file in /etc/hotplug.d/{dhcp,tftp,neigh}. */
export const HAS_HANDLER = ['dhcp', 'tftp', 'neigh'].some((obj) => existsSync(join(FILES, 'etc/hotplug.d', obj)) && readdirSync(join(FILES, 'etc/hotplug.d', obj)).length > 0);

const SPOOL_LINE = `netboot_spool=${SPOOL}\n`;

/**
 * netboot's dnsmasq script (the dhcpscript it sets), ready to be
 * USER_DHCPSCRIPT here, writing its spool under the router folder `root`
 * (whose var/run/dnsmasq/ it creates, as dnsmasq.init does).
 */
export function netbootDhcpScript(dir: string, prefix: string, root: string): string {
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, dirname(SPOOL)), { recursive: true });
  const script = withJshn(join(FILES, 'usr/share/netboot/dhcp-script.sh'), join(dir, 'netboot-dhcp-script.sh'), prefix);
  const text = readFileSync(script, 'utf8');
  if (text.split(SPOOL_LINE).length !== 2) throw new Error(`dhcp-script.sh no longer sets ${SPOOL_LINE.trim()} once`);
  writeFileSync(script, text.replace(SPOOL_LINE, `netboot_spool=${join(root, SPOOL)}\n`));
  return script;
}

/**
 * Writes the transcription as `dir/dhcp-script.sh` (executable, for dnsmasq's
 * --dhcp-script), with netboot's hotplug scripts under `dir/hotplug.d`.
 */
export function openwrtDhcpScript(dir: string, prefix: string): string {
  const hotplug = join(dir, 'hotplug.d');
  for (const obj of ['dhcp', 'neigh', 'tftp']) {
    const from = join(FILES, 'etc/hotplug.d', obj);
    mkdirSync(join(hotplug, obj), { recursive: true });
    if (existsSync(from)) for (const f of readdirSync(from)) withJshn(join(from, f), join(hotplug, obj, f), prefix);
  }
  const script = join(dir, 'dhcp-script.sh');
  writeFileSync(
    script,
    `#!/bin/busybox sh
[ -f "$USER_DHCPSCRIPT" ] && . "$USER_DHCPSCRIPT" "$@"

case "$1" in
add) obj=dhcp; set -- ACTION=add "MACADDR=$2" "IPADDR=$3" "HOSTNAME=$4" ;;
del) obj=dhcp; set -- ACTION=remove "MACADDR=$2" "IPADDR=$3" "HOSTNAME=$4" ;;
old) obj=dhcp; set -- ACTION=update "MACADDR=$2" "IPADDR=$3" "HOSTNAME=$4" ;;
arp-add) obj=neigh; set -- ACTION=add "MACADDR=$2" "IPADDR=$3" ;;
arp-del) obj=neigh; set -- ACTION=remove "MACADDR=$2" "IPADDR=$3" ;;
tftp) obj=tftp; set -- ACTION=add "TFTP_SIZE=$2" "TFTP_ADDR=$3" "TFTP_PATH=$4" ;;
*) exit 0 ;;
esac
# procd's side: its own environment (PATH) plus the forwarded list, nothing of dnsmasq's.
for s in ${hotplug}/$obj/*; do
	[ -f "$s" ] && env -i "PATH=$PATH" "$@" busybox sh -c '. "$0"' "$s" </dev/null >/dev/null 2>&1
done
exit 0
`,
  );
  chmodSync(script, 0o755);
  return script;
}
