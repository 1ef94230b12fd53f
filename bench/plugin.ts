// `npm run bench`: what netboot costs on the router now that no process of
// its own stays up. Idle: nothing runs between calls (the init script starts
// no instance for procd to keep). A call: rpcd spawns the plugin (the
// package's sh file exec'ing the bundle under node) with the arguments on
// stdin and waits for its JSON, measured end to end against bare `node -e 0`
// in the same run; and `clients` folding a full spool (two files at the
// script's 64 KiB cap).

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPOOL, SPOOL_FILE_BYTES } from '../src/journeys/spool';

export interface PluginBench {
  /** Instances the init script asks procd to keep running. */
  instances: number;
  statusMs: number;
  bareMs: number;
  clientsFullSpoolMs: number;
  spoolEvents: number;
}

const RUNS = 21;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timed(cmd: string, args: string[], input?: string): number {
  const s = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  // As rpcd does: the reply is the JSON object on stdout.
  if (input !== undefined && typeof JSON.parse(r.stdout) !== 'object') throw new Error(`no reply object: ${r.stdout}`);
  return ms;
}

/** A spool as a busy LAN leaves it: both files at the cap, PCs booting through PXE and iPXE. */
function fullSpool(dir: string): number {
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  const files = ['undionly.kpxe', 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg', 'netboot/beacon/boot/ubuntu1.ipxe'];
  let n = 0;
  for (const slot of [0, 1]) {
    let text = '';
    for (;;) {
      const pc = n % 200;
      const ip = `10.1.${pc >> 8}.${pc & 255}`;
      const time = `${t0 + n}.000000`;
      const line =
        n % 5 === 0
          ? JSON.stringify({ time, source: 'dhcp', action: 'add', mac: `52:54:01:00:${(pc >> 8).toString(16).padStart(2, '0')}:${(pc & 255).toString(16).padStart(2, '0')}`, ip, hostname: `pc${pc}`, vendorclass: 'PXEClient:Arch:00000:UNDI:002001', tags: 'netboot_bios lan', userclass: [] })
          : JSON.stringify({ time, source: 'tftp', action: 'add', ip, path: `/srv/tftp/${files[n % files.length]}`, size: '1000' });
      if (text.length + line.length + 1 > SPOOL_FILE_BYTES) break;
      text += `${line}\n`;
      n++;
    }
    writeFileSync(join(dir, `${SPOOL}.${slot}`), text);
  }
  writeFileSync(join(dir, `${SPOOL}.slot`), '1\n');
  return n;
}

export function benchPlugin(opts: { bundle: string; example: string; plugin: string; initScript: string }): PluginBench {
  const dir = mkdtempSync(join(tmpdir(), 'netboot-bench-plugin-'));
  try {
    const router = join(dir, 'router');
    cpSync(opts.example, router, { recursive: true });
    const plugin = join(dir, 'netboot');
    writeFileSync(plugin, readFileSync(opts.plugin, 'utf8').replace('exec /usr/bin/netboot rpcd', `exec ${process.execPath} ${opts.bundle} --root ${router} rpcd`), { mode: 0o755 });
    const call = (method: string) => timed(plugin, ['call', method], '{}');
    call('apply');
    const statusMs: number[] = [];
    const bareMs: number[] = [];
    // Interleaved, so that load on the shared machine hits both alike.
    for (let i = 0; i < RUNS; i++) {
      statusMs.push(call('status'));
      bareMs.push(timed(process.execPath, ['-e', '0']));
    }
    mkdirSync(join(router, 'var/run/dnsmasq'), { recursive: true });
    const spoolEvents = fullSpool(router);
    const clientsFullSpoolMs = median(Array.from({ length: 11 }, () => call('clients')));
    const instances = (readFileSync(opts.initScript, 'utf8').match(/procd_open_instance/g) ?? []).length;
    return { instances, statusMs: median(statusMs), bareMs: median(bareMs), clientsFullSpoolMs, spoolEvents };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
