#!/usr/bin/env node
// `node scripts/qjs.mjs FILE ARGS…` runs FILE as `qjs --std FILE ARGS…` would on
// OpenWrt 25.12, with QuickJS compiled to WebAssembly: see test/helpers/qjs-host.mjs.
import { runQjsFile } from '../test/helpers/qjs-host.mjs';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node scripts/qjs.mjs FILE [ARGS...]\n');
  process.exit(2);
}
await runQjsFile(file, args);
