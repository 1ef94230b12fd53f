// Child processes: one-shot commands and long-running daemons whose output goes to a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a command to completion; rejects on a non-zero exit unless allowFail. */
export function run(
  cmd: string,
  args: string[],
  opts: { allowFail?: boolean; env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const r = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (r.code !== 0 && !opts.allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${signal ?? code}: ${stderr.trim() || stdout.trim()}`));
      } else resolve(r);
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a command that does not read its input
      child.stdin.end(opts.input);
    }
  });
}

/** A long-running process with stdout+stderr in a log file; stopped by its own pid only. */
export class Daemon {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private done = false;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    readonly logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const fd = openSync(logFile, 'a');
    this.child = spawn(cmd, args, { env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        this.done = true;
        resolve(code);
      });
      this.child.on('error', () => {
        this.done = true;
        resolve(null);
      });
    });
  }

  get running(): boolean {
    return !this.done;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits for a log line; fails early if the daemon exits or logs `failure`. */
  async waitForLog(ready: RegExp, timeoutMs: number, failure?: RegExp): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const log = this.log();
      if (ready.test(log)) return;
      if (failure?.test(log) || !this.running || Date.now() > end) {
        throw new Error(`${this.name} did not become ready (${ready}):\n${log.slice(-2000)}`);
      }
      await sleep(50);
    }
  }

  /** SIGTERM, then SIGKILL after graceMs. Resolves once the process is gone. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}
