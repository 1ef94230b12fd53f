// runQjs: a script run as `qjs --std FILE ARGS…` (QuickJS 2025-09-13, OpenWrt
// 25.12) would run, with QuickJS compiled to WebAssembly and std/os provided by
// test/helpers/qjs-host.mjs, in a process of its own (cwd, env, stdin, exit
// status are that process's, as they would be qjs's).
import { spawnSync } from 'node:child_process';
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

export function runQjs(bundlePath: string, args: string[] = [], opts: QjsOptions = {}): QjsRun {
  // NODE_OPTIONS (vitest sets some) is for the host node, not for the script.
  const env = { ...(opts.env ?? process.env) };
  delete env.NODE_OPTIONS;
  // V8's baseline wasm compiler only: QuickJS starts in about half the time (the
  // optimising compiler's work on the whole engine is most of the start-up), and
  // a CLI run is short. Speed only; what runs is the same.
  const r = spawnSync(process.execPath, ['--liftoff-only', QJS_CLI, bundlePath, ...args], {
    cwd: opts.cwd,
    env,
    input: opts.stdin ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
