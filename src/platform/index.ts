// Picks the engine's platform once, at start-up. The node side is reached by
// require() inside its branch: esbuild then initialises it (and its node:*
// requires) lazily, so under qjs, which has no require, it is never touched.

import { quickjsPlatform } from './quickjs';
import type { NodeNet, Platform } from './types';

declare const std: unknown;
declare const os: unknown;

function pick(): Platform {
  if (typeof std === 'object' && typeof os === 'object') return quickjsPlatform();
  if (typeof process === 'object') return (require('./node') as typeof import('./node')).nodePlatform();
  throw new Error('netboot: unsupported JavaScript engine: run it with node (18 or newer) or qjs --std');
}

export const platform: Platform = pick();

/** node's sockets, TLS and hashing for `what`; under qjs an error that says so in one line. */
export function nodeOnly(what: string): NodeNet {
  if (!platform.net) throw new Error(`${what} needs node for now: qjs has no sockets, TLS or hashing`);
  return platform.net;
}

/** A program's stdout; when it fails, an error with its exit status and stderr. */
export function run(argv: string[], stdin?: string): string {
  const r = platform.exec(argv, { stdin });
  const said = r.stderr.trim();
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (exit status ${r.status})${said ? `: ${said}` : ''}`);
  return r.stdout;
}
/** Where `name` is on PATH (as execvp finds it), or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (platform.env('PATH') ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const path = `${dir || '.'}/${name}`;
    if (platform.stat(path)) return path;
  }
  return undefined;
}

export { isErrno, PlatformError } from './errors';
export type { ExecResult, FileKind, FileStat, NodeNet, Platform } from './types';
