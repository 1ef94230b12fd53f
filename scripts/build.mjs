// Bundles src/cli/main.ts into ONE file that runs with no node_modules under
// node 18 and 20 and under qjs --std (docs/engines.md). An iife, not cjs: its
// require() shim is safe where there is no require, and the node side of
// src/platform is reached only through a require() esbuild initialises lazily.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';

// The npm tftp package allocates with `new Buffer(n)`. Node prints DEP0005 for
// that only outside node_modules, which bundled code is; every call passes a
// size, so Buffer.alloc(n) is the same thing without the warning.
const tftpWithoutDeprecatedBuffer = {
  name: 'tftp-buffer-alloc',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]tftp[\\/].*\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/new Buffer\s*\(/g, 'Buffer.alloc('),
      loader: 'js',
    }));
  },
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = new URL('../dist/netboot.js', import.meta.url).pathname;

await build({
  entryPoints: [new URL('../src/cli/main.ts', import.meta.url).pathname],
  outfile,
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node18',
  format: 'iife',
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  define: { NETBOOT_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  plugins: [tftpWithoutDeprecatedBuffer],
});
chmodSync(outfile, 0o755);
