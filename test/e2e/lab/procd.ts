// What procd does with the event dnsmasq's script raises for a beacon that
// changes the config, for the lab (no ubusd or procd in it): a `ubus` first
// on the script's PATH that answers `ubus call service event MSG` as procd's
// `service` object and its triggers would (openwrt/procd 2c1834a):
//  - service/service.c service_handle_event: MSG needs `type` (a string) and
//    `data` (a table), else UBUS_STATUS_INVALID_ARGUMENT, which the ubus
//    command (openwrt/ubus cli.c) exits with (2);
//  - service/trigger.c trigger_event → trigger_command_add: a trigger on that
//    type queues its run_script after the trigger's timeout; netboot's init
//    script registers ["netboot.beacon", [["run_script", "/etc/init.d/netboot",
//    "reload"]], 1000] (procd.sh _procd_add_raw_trigger), and its reload is
//    `netboot apply`, here on the lab's router folder. procd would fold a burst
//    into one run; each run here is its own apply, which the apply lock
//    serializes and which has nothing left to do after the first.
// The calls and the applies' output are logged in the work dir.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETBOOT_CLI } from './env';

const STATUS_INVALID_ARGUMENT = 2;
const STATUS_METHOD_NOT_FOUND = 3;
const TRIGGER_DELAY_MS = 1000;

/** Writes the stand-in into `dir`; returns the folder to put first on dnsmasq's PATH. */
export function procdStandIn(dir: string, labRoot: string): { bin: string; calls: string; applies: string } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const calls = join(dir, 'ubus-calls.log');
  const applies = join(dir, 'trigger-applies.log');
  const script = join(dir, 'ubus.mjs');
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
const [verb, object, method, message] = process.argv.slice(2);
appendFileSync(${JSON.stringify(calls)}, JSON.stringify(process.argv.slice(2)) + '\\n');
if (verb !== 'call' || object !== 'service' || method !== 'event') process.exit(${STATUS_METHOD_NOT_FOUND});
let msg;
try { msg = JSON.parse(message ?? ''); } catch { process.exit(${STATUS_INVALID_ARGUMENT}); }
const table = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
if (!table(msg) || typeof msg.type !== 'string' || !table(msg.data)) process.exit(${STATUS_INVALID_ARGUMENT});
if (msg.type === 'netboot.beacon') {
  const run = 'sleep ${TRIGGER_DELAY_MS / 1000}; exec "$0" ${NETBOOT_CLI} --root ${labRoot} apply >> ${applies} 2>&1';
  spawn('sh', ['-c', run, process.execPath], { detached: true, stdio: 'ignore' }).unref();
}
`,
  );
  writeFileSync(join(bin, 'ubus'), `#!/bin/sh\nexec ${process.execPath} ${script} "$@"\n`);
  chmodSync(join(bin, 'ubus'), 0o755);
  return { bin, calls, applies };
}
