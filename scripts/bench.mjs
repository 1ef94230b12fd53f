// `npm run bench`: performance figures, each with a baseline measured in the
// same run (the machine is shared and noisy, so every figure is a median).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadBenchCore } from './bench-core.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const bundle = here('../dist/netboot.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

const core = await loadBenchCore();

console.log('render: parse + validate + render, in process (baseline: the UCI parse alone)');
for (const r of core.benchRender()) {
  console.log(`  ${String(r.hosts).padStart(6)} hosts: ${fmt(r.fullMs).padStart(10)}  (${r.files} files; parse alone ${fmt(r.parseMs)}, ratio ${(r.fullMs / r.parseMs).toFixed(1)}x)`);
}

// The same render under QuickJS (in wasm: slower than the router's native qjs) against node, in one run.
const engineBench = here('../.cache/bench-engines.js');
await build({ entryPoints: [here('../bench/engine-render.ts')], outfile: engineBench, bundle: true, platform: 'node', target: 'node18', format: 'iife', logLevel: 'warning' });
const underEngine = (args) => {
  const r = spawnSync(process.execPath, [...args, engineBench], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};
const nodeRows = underEngine([]);
const qjsRows = underEngine([here('./qjs.mjs')]);
console.log('render under QuickJS 2025-09-13 in wasm vs node, in process (target: 1,000 hosts <= 200 ms under QuickJS)');
for (const [i, q] of qjsRows.entries()) {
  console.log(`  ${String(q.hosts).padStart(6)} hosts: qjs ${fmt(q.ms).padStart(10)}  node ${fmt(nodeRows[i].ms).padStart(9)}  (${(q.ms / nodeRows[i].ms).toFixed(1)}x)`);
}

// The whole CLI, writing files, on 1,000 hosts: first render and a no-op second render.
const root = mkdtempSync(join(tmpdir(), 'netboot-bench-'));
mkdirSync(join(root, 'etc/config'), { recursive: true });
writeFileSync(join(root, 'etc/config/netboot'), core.configWith(1000));
const wall = (args) => {
  const s = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bundle, '--root', root, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(process.hrtime.bigint() - s) / 1e6;
};
const first = wall(['render']);
const noop = median(Array.from({ length: 7 }, () => wall(['render'])));
console.log(`cli render, 1,000 hosts to disk: first ${fmt(first)}, unchanged re-render ${fmt(noop)} (median of 7)`);

const bytes = statSync(bundle).size;
console.log(`bundle: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB; target <= 150 KiB)`);

const startup = (args) =>
  median(
    Array.from({ length: 21 }, () => {
      const s = process.hrtime.bigint();
      spawnSync(process.execPath, args);
      return Number(process.hrtime.bigint() - s) / 1e6;
    }),
  );
const bare = startup(['-e', '0']);
const cold = startup([bundle, '--version']);
console.log(`cold start: netboot --version ${fmt(cold)} vs node -e 0 ${fmt(bare)}: ${(cold / bare).toFixed(2)}x (target <= 1.5x; median of 21)`);

const ubus = await core.benchUbus(readFileSync(here('../test/fixtures/dhcp/openwrt-24.10'), 'utf8'));
if (ubus) {
  console.log(`ubus uci get: native client ${ubus.nativeMs.toFixed(3)} ms/call (mean of 1,000) vs spawned \`ubus call\` ${ubus.spawnedMs.toFixed(2)} ms/call (mean of 100): ${(ubus.spawnedMs / ubus.nativeMs).toFixed(0)}x (target >= 20x)`);
} else console.log('ubus uci get: skipped (set OWRT_PREFIX to a build of ubusd, rpcd and the ubus CLI)');

const p = core.benchPlugin({ bundle, example: here('../example/router'), plugin: here('../files/usr/libexec/rpcd/netboot'), initScript: here('../files/etc/init.d/netboot') });
console.log(`idle memory: no process (the init script starts ${p.instances} procd instances; rpcd runs the plugin per call)`);
console.log(`rpcd plugin call status (node ${process.versions.node}, spawn to JSON): ${fmt(p.statusMs)} vs node -e 0 ${fmt(p.bareMs)}: ${(p.statusMs / p.bareMs).toFixed(2)}x (target <= 1.5x; median of 21)`);
console.log(`rpcd plugin call clients on a full spool (${p.spoolEvents} events in 2 x 64 KiB): ${fmt(p.clientsFullSpoolMs)} (median of 11)`);

const iscsi = await core.benchIscsi();
if (typeof iscsi === 'string') console.log(`check, iSCSI per portal: skipped (${iscsi})`);
else console.log(`check, iSCSI per portal against tgt on loopback (discovery + login + REPORT LUNS + READ CAPACITY, 1 target): ${fmt(iscsi.checkMs)} vs a bare TCP connect ${fmt(iscsi.connectMs)} (median of 21)`);
