// The platform under `qjs --std`: only the globals std, os and scriptArgs
// (src/platform/qjs-libc.ts lists the calls). quickjs-libc has no fsync and
// no sockets; what it lacks is done by the router's own programs, run through
// exec().

import { ERROR_TEXT, PlatformError } from './errors';
import type { QjsOs, QjsStd } from './qjs-libc';
import type { FileKind, Platform } from './types';

declare const std: QjsStd;
declare const os: QjsOs;
declare const scriptArgs: string[];

// errno 1-34 are asm-generic/errno-base.h on every Linux architecture (MIPS
// included); past them the numbers differ, so they are told by musl's text.
const BASE_ERRNO = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD', 'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY',
  'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS', 'EMLINK', 'EPIPE', 'EDOM', 'ERANGE',
];
const ENOENT = 2;
const EEXIST = 17;
const EPERM = 1;
/** SIGKILL is 9 on every Linux architecture; quickjs-libc exports no constant for it. */
const SIGKILL = 9;

function codeOf(errno: number): string {
  if (BASE_ERRNO[errno]) return BASE_ERRNO[errno];
  const text = std.strerror(errno);
  return Object.keys(ERROR_TEXT).find((k) => ERROR_TEXT[k] === text) ?? `E${errno}`;
}

/** Throws for a negative result of an os call; returns it otherwise. */
function check(result: number, operation: string, path: string): number {
  if (result < 0) throw new PlatformError(codeOf(-result), operation, path);
  return result;
}

function checkPair<T>([value, errno]: [T, number], operation: string, path: string): T {
  if (errno) throw new PlatformError(codeOf(errno), operation, path);
  return value;
}

/** UTF-8 as node's Buffer.from(text) makes it: a lone surrogate becomes U+FFFD. */
function utf8(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c < 0xe000) {
      const d = text.charCodeAt(i + 1);
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x800) out.set([0xc0 | (c >> 6), 0x80 | (c & 63)], n);
    else if (c < 0x10000) out.set([0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)], n);
    else out.set([0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)], n);
    n += c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return out.subarray(0, n);
}

function kindOf(mode: number): FileKind {
  const t = mode & os.S_IFMT;
  return t === os.S_IFREG ? 'file' : t === os.S_IFDIR ? 'dir' : t === os.S_IFLNK ? 'link' : 'other';
}

function writeAll(fd: number, bytes: Uint8Array, path: string): void {
  const buf = bytes.buffer as ArrayBuffer;
  for (let done = 0; done < bytes.length; ) done += check(os.write(fd, buf, bytes.byteOffset + done, bytes.length - done), 'write', path);
}

function writeFile(path: string, data: string | Uint8Array, mode: number, flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC): void {
  const fd = check(os.open(path, flags, mode), 'write', path);
  try {
    writeAll(fd, typeof data === 'string' ? utf8(data) : data, path);
  } finally {
    check(os.close(fd), 'write', path);
  }
}

function readText(path: string): string {
  const e: { errno?: number } = {};
  const f = std.open(path, 'r', e);
  if (!f) throw new PlatformError(codeOf(e.errno ?? 5), 'read', path);
  try {
    const text = f.readAsString();
    if (f.error()) throw new PlatformError(stat(path)?.kind === 'dir' ? 'EISDIR' : 'EIO', 'read', path);
    return text;
  } finally {
    f.close();
  }
}

function readBytes(path: string): Uint8Array {
  const fd = check(os.open(path, os.O_RDONLY), 'read', path);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const buf = new ArrayBuffer(65536);
      const n = check(os.read(fd, buf, 0, buf.byteLength), 'read', path);
      if (n === 0) break;
      chunks.push(new Uint8Array(buf, 0, n));
      size += n;
    }
  } finally {
    os.close(fd);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function stat(path: string) {
  const [st, errno] = os.lstat(path);
  if (errno === ENOENT) return undefined;
  checkPair([st, errno], 'stat', path);
  return { kind: kindOf(st.mode), mode: st.mode & 0o7777, size: st.size, mtimeMs: st.mtime };
}

function mkdirp(path: string, mode = 0o755): void {
  const r = os.mkdir(path, mode);
  if (r === -ENOENT && path.lastIndexOf('/') > 0) {
    mkdirp(path.slice(0, path.lastIndexOf('/')), mode);
    mkdirp(path, mode);
  } else if (r < 0 && !(r === -EEXIST && stat(path)?.kind === 'dir')) check(r, 'mkdir', path);
}

let temps = 0;

/**
 * Runs a program with its stdin, stdout and stderr on files in /tmp (RAM on a
 * router): unlike pipes, files cannot fill up and block the child while this
 * process waits for it.
 */
function exec(argv: string[], opts: { stdin?: string; timeoutMs?: number } = {}) {
  const base = `/tmp/.netboot-exec-${os.getpid()}-${temps++}`;
  const names = { in: `${base}.in`, out: `${base}.out`, err: `${base}.err` };
  const fds: number[] = [];
  const open = (name: string, flags: number) => {
    const fd = check(os.open(name, flags, 0o600), 'open', name);
    fds.push(fd);
    return fd;
  };
  try {
    if (opts.stdin !== undefined) writeFile(names.in, opts.stdin, 0o600, os.O_WRONLY | os.O_CREAT | os.O_EXCL);
    const stdin = open(opts.stdin === undefined ? '/dev/null' : names.in, os.O_RDONLY);
    const stdout = open(names.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL);
    const stderr = open(names.err, os.O_WRONLY | os.O_CREAT | os.O_EXCL);
    const status = opts.timeoutMs === undefined ? os.exec(argv, { block: true, usePath: true, stdin, stdout, stderr }) : waitAtMost(os.exec(argv, { block: false, usePath: true, stdin, stdout, stderr }), opts.timeoutMs);
    return { status: status < 0 ? 128 - status : status, stdout: readText(names.out), stderr: readText(names.err) };
  } finally {
    for (const fd of fds) os.close(fd);
    for (const name of Object.values(names)) os.remove(name);
  }
}

/**
 * Waits for a child for at most `ms`, then kills it; the status as a blocking
 * os.exec gives it (exit status, or -N for signal N).
 */
function waitAtMost(pid: number, ms: number): number {
  const deadline = os.now() + ms;
  for (;;) {
    const [done, raw] = os.waitpid(pid, os.WNOHANG);
    if (done === pid) return (raw & 0x7f) === 0 ? (raw >> 8) & 0xff : -(raw & 0x7f);
    if (os.now() >= deadline) {
      os.kill(pid, SIGKILL);
      os.waitpid(pid, 0);
      return -SIGKILL;
    }
    os.sleep(10);
  }
}

export function quickjsPlatform(): Platform {
  return {
    engine: 'quickjs',
    argv: scriptArgs.slice(1),
    pid: os.getpid(),
    env: (name) => std.getenv(name),
    cwd: () => checkPair(os.getcwd(), 'getcwd', '.'),
    readStdin: () => std.in.readAsString(),
    write(stream, text) {
      (stream === 'stdout' ? std.out : std.err).puts(text);
    },
    exit(code) {
      std.out.flush();
      std.exit(code);
    },

    readText,
    readBytes,
    writeFile: (path, data, mode) => writeFile(path, data, mode),
    rename(from, to) {
      check(os.rename(from, to), 'rename', `${from} to ${to}`);
    },
    remove(path) {
      const r = os.remove(path);
      if (r !== -ENOENT) check(r, 'remove', path);
    },
    mkdirp,
    readdir: (path) =>
      checkPair(os.readdir(path), 'read folder', path)
        .filter((name) => name !== '.' && name !== '..')
        .map((name) => ({ name, kind: stat(`${path}/${name}`)?.kind ?? 'other' })),
    stat,
    symlink(target, path) {
      check(os.symlink(target, path), 'link', path);
    },
    readlink: (path) => checkPair(os.readlink(path), 'read link', path),
    flush(paths) {
      if (!paths.length) return;
      // quickjs-libc has no fsync: busybox's sync applet (sync(2)) flushes every file system at once.
      const r = exec(['sync']);
      if (r.status !== 0) throw new PlatformError('EIO', 'sync', paths.join(' '), `sync exited with status ${r.status}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
    },

    exec,
    alive(pid) {
      const r = os.kill(pid, 0);
      return r === 0 || r === -EPERM;
    },
    killSelf(signal) {
      os.kill(os.getpid(), signal === 'SIGKILL' ? SIGKILL : os.SIGSTOP);
    },
    sleep: (ms) => new Promise((resolve) => os.setTimeout(resolve, ms)),
    now: () => os.now(),
  };
}
