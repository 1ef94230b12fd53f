// The platform under node: the only file that imports node's modules (the
// sockets, TLS and hashing behind `net` load on first use, so commands that
// never touch them never pay for them).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { constants } from 'node:os';
import { PlatformError } from './errors';
import type { FileKind, NodeNet, Platform } from './types';

/** node's error as the one both engines throw. */
function converted(e: unknown, operation: string, path: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code.startsWith('E') ? new PlatformError(code, operation, path) : e;
}

function attempt<T>(operation: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw converted(e, operation, path);
  }
}

const kindOf = (d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileKind =>
  d.isFile() ? 'file' : d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'link' : 'other';

const net: NodeNet = {
  get net() {
    return require('node:net') as typeof import('node:net');
  },
  get http() {
    return require('node:http') as typeof import('node:http');
  },
  get https() {
    return require('node:https') as typeof import('node:https');
  },
  get crypto() {
    return require('node:crypto') as typeof import('node:crypto');
  },
  get dgram() {
    return require('node:dgram') as typeof import('node:dgram');
  },
  tftpClient: async () => (await import('tftp/lib/client')).default,
};

export function nodePlatform(): Platform {
  return {
    engine: 'node',
    argv: process.argv.slice(2),
    pid: process.pid,
    env: (name) => process.env[name],
    cwd: () => process.cwd(),
    readStdin: () => attempt('read', 'stdin', () => fs.readFileSync(0, 'utf8')),
    write(stream, text) {
      process[stream].write(text);
    },
    exit(code) {
      // Not process.exit(): stdout to a pipe drains first.
      process.exitCode = code;
    },

    readText: (path) => attempt('read', path, () => fs.readFileSync(path, 'utf8')),
    readBytes: (path) => attempt('read', path, () => new Uint8Array(fs.readFileSync(path))),
    writeFile(path, data, mode) {
      attempt('write', path, () => fs.writeFileSync(path, data, { mode }));
    },
    rename(from, to) {
      attempt('rename', `${from} to ${to}`, () => fs.renameSync(from, to));
    },
    remove(path) {
      attempt('remove', path, () => fs.rmSync(path, { force: true }));
    },
    mkdirp(path, mode = 0o755) {
      attempt('mkdir', path, () => fs.mkdirSync(path, { recursive: true, mode }));
    },
    readdir: (path) => attempt('read folder', path, () => fs.readdirSync(path, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOf(d) }))),
    stat(path) {
      const st = attempt('stat', path, () => fs.lstatSync(path, { throwIfNoEntry: false }));
      if (!st) return undefined;
      return { kind: kindOf(st), mode: st.mode & 0o7777, size: st.size, mtimeMs: st.mtimeMs };
    },
    symlink(target, path) {
      attempt('link', path, () => fs.symlinkSync(target, path));
    },
    readlink: (path) => attempt('read link', path, () => fs.readlinkSync(path)),
    flush(paths) {
      for (const path of paths) {
        let fd: number | undefined;
        try {
          fd = fs.openSync(path, 'r');
          fs.fsyncSync(fd);
        } catch (e) {
          // Some file systems refuse fsync on folders; the renames in them are atomic all the same.
          if (!fs.statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw converted(e, 'sync', path);
        } finally {
          if (fd !== undefined) fs.closeSync(fd);
        }
      }
    },

    exec(argv, opts = {}) {
      const r = spawnSync(argv[0], argv.slice(1), { input: opts.stdin ?? '', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs, killSignal: 'SIGKILL' });
      if (r.error) {
        if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 127, stdout: '', stderr: '' };
        if ((r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { status: 128 + constants.signals.SIGKILL, stdout: r.stdout, stderr: r.stderr };
        throw r.error;
      }
      return { status: r.status ?? 128 + constants.signals[r.signal!], stdout: r.stdout, stderr: r.stderr };
    },
    alive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    killSelf(signal) {
      process.kill(process.pid, signal);
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Number(process.hrtime.bigint()) / 1e6,
    net,
  };
}
