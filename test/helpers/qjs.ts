// runQjs: a script run as `qjs --std FILE ARGS…` (QuickJS 2025-09-13, OpenWrt
// 25.12) would run, with QuickJS compiled to WebAssembly and std/os provided by
// test/helpers/qjs-host.mjs, in a process of its own (cwd, env, stdin, exit
// status are that process's, as they would be qjs's).
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const QJS_CLI = resolve(__dirname, '../../scripts/qjs.mjs');

export interface QjsRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface QjsOptions {
  cwd?: string;
  /** The whole environment of the run (default: this process's). */
  env?: NodeJS.ProcessEnv;
  stdin?: string | Uint8Array;
}

/** The host node's arguments and environment for a run. */
function hostRun(bundlePath: string, args: string[], opts: QjsOptions) {
  // NODE_OPTIONS (vitest sets some) is for the host node, not for the script.
  const env = { ...(opts.env ?? process.env) };
  delete env.NODE_OPTIONS;
  // V8's baseline wasm compiler only: QuickJS starts in about half the time (the
  // optimising compiler's work on the whole engine is most of the start-up), and
  // a CLI run is short. Speed only; what runs is the same.
  return { argv: ['--liftoff-only', QJS_CLI, bundlePath, ...args], env };
}

export function runQjs(bundlePath: string, args: string[] = [], opts: QjsOptions = {}): QjsRun {
  const { argv, env } = hostRun(bundlePath, args, opts);
  const r = spawnSync(process.execPath, argv, {
    cwd: opts.cwd,
    env,
    input: opts.stdin ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** runQjs without blocking, so independent runs can overlap (each is a wasm engine start). */
export function runQjsAsync(bundlePath: string, args: string[] = [], opts: QjsOptions = {}): Promise<QjsRun & { signal: NodeJS.Signals | null }> {
  const { argv, env } = hostRun(bundlePath, args, opts);
  return spawnAsync(process.execPath, argv, { cwd: opts.cwd, env, stdin: opts.stdin });
}

export function spawnAsync(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string | Uint8Array },
): Promise<QjsRun & { signal: NodeJS.Signals | null }> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', fail);
    child.on('close', (status, signal) => done({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(opts.stdin ?? '');
  });
}
