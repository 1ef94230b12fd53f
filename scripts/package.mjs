// npm run package: netboot's .ipk files (opkg, OpenWrt 23.05/24.10) and .apk
// files (apk-tools 3, 25.12+) without the OpenWrt SDK, in exactly the form
// each package manager installs (see scripts/package/ipk.mjs, apk.mjs). Same
// tree, same SOURCE_DATE_EPOCH → same bytes. Usage: node scripts/package.mjs [--out DIR]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages } from './package/packages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : join(root, 'dist');
if ((outIndex >= 0 && !out) || args.length !== (outIndex >= 0 ? 2 : 0)) {
  console.error('usage: node scripts/package.mjs [--out DIR]');
  process.exit(2);
}

// Every tar entry gets this time: SOURCE_DATE_EPOCH when set (as in the
// OpenWrt buildroot), else the last commit's, never the clock.
function sourceDateEpoch() {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined) {
    if (!/^\d+$/.test(env)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds, not "${env}"`);
    return Number(env);
  }
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    throw new Error('no SOURCE_DATE_EPOCH and no git history to take the time from: set SOURCE_DATE_EPOCH');
  }
}

const bundle = join(root, 'dist/netboot.js');
if (!existsSync(bundle)) {
  console.error('package: dist/netboot.js is missing; run npm run build first');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
for (const { name, bytes } of buildPackages({ root, bundle, epoch: sourceDateEpoch() })) {
  writeFileSync(join(out, name), bytes);
  console.log(`${createHash('sha256').update(bytes).digest('hex')}  ${join(out, name)}`);
}
