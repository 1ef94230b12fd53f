// The bench's TypeScript (bench/, and the test helpers it shares) bundled into
// .cache and loaded; scripts/bench.mjs prints what it measures.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export async function loadBenchCore() {
  const out = here('../.cache/bench-core.cjs');
  await build({ entryPoints: [here('../bench/index.ts')], outfile: out, bundle: true, platform: 'node', target: 'node18', format: 'cjs', logLevel: 'warning' });
  return import(out);
}
