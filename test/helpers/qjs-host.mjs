// Runs a script the way `qjs --std FILE ARGS…` (QuickJS 2025-09-13, OpenWrt
// 25.12's /usr/bin/qjs) runs it, with QuickJS itself compiled to WebAssembly
// (@jitl/quickjs-wasmfile-release-sync 0.32.0: bellard/quickjs f1139494,
// "2025-09-13+f1139494", not quickjs-ng). The wasm engine has no std/os; this
// file is their node half, test/helpers/qjs-libc.js their in-engine half, both
// following bellard/quickjs quickjs-libc.c and qjs.c at commit fa628f8 (the
// 2025-09-13 release). It runs in a process of its own (scripts/qjs.mjs), so
// std.exit() ends that process exactly where C's exit() would.
//
// Emulated: the globals qjs --std defines (std, os, scriptArgs, print,
// console.log, performance.now, __loadScript) and nothing else; std and os are
// real module namespaces, made by the same `import * as std from 'std'` qjs
// evaluates. FILE streams buffer like musl's stdio (1 KiB, stdout line-buffered
// until its first write finds no tty, stderr unbuffered), because a missing
// flush is a bug the router would show. Files, directories, stat, rename,
// environment, timers, os.sleep and the job loop go to the host. os.exec runs
// its child to completion (spawnSync); os.pipe gives pipes held in memory that
// os.exec, os.read/os.write, std.fdopen, os.waitpid, os.setReadHandler and
// std.popen all use. A child whose stdin pipe is still open for writing starts
// when that end is closed, with a placeholder pid (above Linux's pid_max).
//
// Refused loudly (exit 99 and a "qjs-harness: refused" line, never a silent
// fake): seeking other than to the current position (node has no lseek), dup,
// dup2, signal handlers, setWriteHandler, ttySetRaw, urlGet, parseExtJSON,
// Worker, printf's floating conversions, printing non-Error objects the way
// JS_PrintValue does, and every pipe pattern that would block forever or
// interleave with a running child on a real router (the message says which).
// Not observable here: unhandled promise rejections (the wasm build exposes no
// rejection tracker, so qjs's "Possibly unhandled promise rejection" exit(1)
// cannot happen): netboot's entry must catch its promise itself. The wasm
// engine also lacks Atomics, which real qjs has: stricter, never hiding a gap.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { constants as osc } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';

const ERRNO = osc.errno;
const REFUSED = 99;
const BUFSIZ = 1024; // musl's BUFSIZ: the buffer of every FILE (src/stdio/__fdopen.c, stdout.c)
const PIPE_BUF_CAPACITY = 65536; // Linux's default pipe capacity
const PLACEHOLDER_PID = 4194305; // above /proc/sys/kernel/pid_max's maximum

// musl's strerror() text (src/errno/__strerror.h), for the errors file and
// process calls produce; the router's libc is musl, not glibc.
const MUSL_STRERROR = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', ESRCH: 'No such process', EINTR: 'Interrupted system call',
  EIO: 'I/O error', ENXIO: 'No such device or address', E2BIG: 'Argument list too long', ENOEXEC: 'Exec format error',
  EBADF: 'Bad file number', ECHILD: 'No child processes', EAGAIN: 'Operation would block', ENOMEM: 'Out of memory',
  EACCES: 'Permission denied', EBUSY: 'Device or resource busy', EEXIST: 'File exists', EXDEV: 'Cross-device link',
  ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', EINVAL: 'Invalid argument', EMFILE: 'Too many open files',
  ENOTTY: 'Not a tty', ETXTBSY: 'Text file busy', EFBIG: 'File too large', ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek', EROFS: 'Read-only file system', EPIPE: 'Broken pipe', ENAMETOOLONG: 'Filename too long',
  ENOSYS: 'Function not supported', ENOTEMPTY: 'Directory not empty', ELOOP: 'Too many levels of symbolic links',
};

function refuse(why) {
  fs.writeSync(2, `qjs-harness: refused: ${why}\n`);
  process.exit(REFUSED);
}

const errnoOf = (e) => (typeof e.errno === 'number' && e.errno < 0 ? -e.errno : ERRNO[e.code] ?? ERRNO.EIO);
/** A call that returns 0 or -errno, like js_get_errno() around a syscall. */
const sys = (fn) => {
  try {
    fn();
    return 0;
  } catch (e) {
    return -errnoOf(e);
  }
};

// ------------------------------------------------------------ UTF-8 as QuickJS
/** JS_NewStringLen (quickjs.c) with unicode_from_utf8 (cutils.c): how std turns bytes into a string. */
export function decodeUtf8(b) {
  const MIN = [0x80, 0x800, 0x10000, 0x200000, 0x4000000];
  const MASK = [0x1f, 0xf, 0x7, 0x3, 0x1];
  let out = '';
  let chunk = [];
  const put = (u) => {
    chunk.push(u);
    if (chunk.length > 8192) {
      out += String.fromCharCode(...chunk);
      chunk = [];
    }
  };
  let p = 0;
  while (p < b.length) {
    const c0 = b[p];
    if (c0 < 0x80) {
      put(c0);
      p++;
      continue;
    }
    const l = c0 >= 0xc0 && c0 <= 0xdf ? 1 : c0 >= 0xe0 && c0 <= 0xef ? 2 : c0 >= 0xf0 && c0 <= 0xf7 ? 3 : c0 >= 0xf8 && c0 <= 0xfb ? 4 : c0 >= 0xfc && c0 <= 0xfd ? 5 : 0;
    let c = -1;
    if (l && l <= b.length - p - 1) {
      c = c0 & MASK[l - 1];
      for (let i = 1; i <= l; i++) {
        const x = b[p + i];
        if (x < 0x80 || x >= 0xc0) {
          c = -1;
          break;
        }
        c = c * 64 + (x & 0x3f);
      }
      if (c !== -1 && c < MIN[l - 1]) c = -1;
    }
    if (c >= 0 && c < 0x10000) {
      put(c);
      p += l + 1;
    } else if (c >= 0 && c <= 0x10ffff) {
      put(0xd800 + ((c - 0x10000) >> 10));
      put(0xdc00 + ((c - 0x10000) & 0x3ff));
      p += l + 1;
    } else {
      // invalid: U+FFFD, then skip the lead byte's continuation bytes, twice as quickjs.c does
      while (p < b.length && b[p] >= 0x80 && b[p] < 0xc0) p++;
      if (p < b.length) {
        p++;
        while (p < b.length && b[p] >= 0x80 && b[p] < 0xc0) p++;
      }
      put(0xfffd);
    }
  }
  return out + String.fromCharCode(...chunk);
}

/** JS_ToCStringLen: UTF-8, with a lone surrogate encoded as its own 3 bytes (not as U+FFFD like node). */
export function encodeUtf8(s) {
  if (!/[\ud800-\udfff]/.test(s)) return Buffer.from(s, 'utf8');
  const out = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    out.push(Buffer.from(c >= 0xd800 && c < 0xe000 ? [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)] : String.fromCodePoint(c)));
  }
  return Buffer.concat(out);
}

// ----------------------------------------------------------------- the system
class Host {
  constructor() {
    /** fd -> { pipe, end: 'r' | 'w' } for os.pipe()'s ends; the numbers are real fds on /dev/null, so they never collide. */
    this.pipes = new Map();
    /** pid -> { status (raw wait status) | null while deferred, waited, run() } */
    this.children = new Map();
    this.nextPlaceholder = PLACEHOLDER_PID;
    /** FILE id -> stream; 0, 1, 2 are std.in, std.out, std.err */
    this.streams = new Map();
    this.nextStream = 3;
    this.streams.set(0, this.stream(0, { read: true }));
    this.streams.set(1, this.stream(1, { write: true, lbf: true, stdout: true }));
    this.streams.set(2, this.stream(2, { write: true, bufSize: 0 }));
  }

  // ---- file descriptors: real ones through node, pipe ends in memory
  newPipe() {
    const pipe = { chunks: [], size: 0, readOpen: true, writeOpen: true, deferredReaders: [] };
    const r = fs.openSync('/dev/null', 'r');
    const w = fs.openSync('/dev/null', 'r');
    this.pipes.set(r, { pipe, end: 'r' });
    this.pipes.set(w, { pipe, end: 'w' });
    return [r, w];
  }

  take(pipe, n) {
    const out = [];
    let got = 0;
    while (got < n && pipe.chunks.length) {
      const c = pipe.chunks[0];
      const k = Math.min(n - got, c.length);
      out.push(c.subarray(0, k));
      got += k;
      if (k === c.length) pipe.chunks.shift();
      else pipe.chunks[0] = c.subarray(k);
    }
    pipe.size -= got;
    return Buffer.concat(out);
  }

  /** read(2): bytes, or -errno. */
  sysRead(fd, n) {
    const p = this.pipes.get(fd);
    if (p) {
      if (p.end !== 'r') return -ERRNO.EBADF;
      if (p.pipe.size === 0 && p.pipe.deferredWriter) refuse(`read from a pipe whose writer (pid ${p.pipe.deferredWriter}) waits for its own stdin to be closed: a real qjs would block here`);
      if (p.pipe.size === 0 && p.pipe.writeOpen) refuse('read from an empty pipe whose write end is still open in this process: a real qjs would block forever (close the write end after os.exec)');
      return this.take(p.pipe, n);
    }
    const buf = Buffer.alloc(n);
    for (;;) {
      try {
        return buf.subarray(0, fs.readSync(fd, buf, 0, n, null));
      } catch (e) {
        if (e.code === 'EAGAIN' && fd === 0) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // node left our stdin non-blocking
          continue;
        }
        return -errnoOf(e);
      }
    }
  }

  /** write(2): bytes written, or -errno. */
  sysWrite(fd, data) {
    const p = this.pipes.get(fd);
    if (p) {
      if (p.end !== 'w') return -ERRNO.EBADF;
      if (!p.pipe.readOpen && !p.pipe.deferredReader) refuse('write to a pipe with no reader: a real qjs dies of SIGPIPE here');
      if (p.pipe.size + data.length > PIPE_BUF_CAPACITY && !p.pipe.deferredReader)
        refuse(`more than ${PIPE_BUF_CAPACITY} bytes written into a pipe nobody reads yet: a real qjs would block forever`);
      p.pipe.chunks.push(Buffer.from(data));
      p.pipe.size += data.length;
      return data.length;
    }
    let done = 0;
    while (done < data.length) {
      try {
        done += fs.writeSync(fd, data, done, data.length - done);
      } catch (e) {
        if (e.code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        return done > 0 ? done : -errnoOf(e);
      }
    }
    return done;
  }

  sysClose(fd) {
    const p = this.pipes.get(fd);
    if (p) {
      this.pipes.delete(fd);
      fs.closeSync(fd);
      if (p.end === 'r') {
        if (p.pipe.size > PIPE_BUF_CAPACITY) refuse('closed a pipe with more unread output than a pipe holds: the real writer would have died of SIGPIPE');
        p.pipe.readOpen = false;
      } else {
        p.pipe.writeOpen = false;
        const child = p.pipe.deferredReader;
        if (child) {
          p.pipe.deferredReader = null;
          child.run();
        }
      }
      return 0;
    }
    return sys(() => fs.closeSync(fd));
  }

  /** The kernel's file offset of fd (lseek(fd, 0, SEEK_CUR)), or -errno. */
  tell(fd) {
    if (this.pipes.has(fd)) return -ERRNO.ESPIPE;
    try {
      const st = fs.fstatSync(fd);
      if (st.isFIFO() || st.isSocket() || (st.isCharacterDevice() && isatty(fd))) return -ERRNO.ESPIPE;
      return Number(/^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1]);
    } catch (e) {
      return -errnoOf(e);
    }
  }

  // ---- FILE streams with musl's buffering (src/stdio/__fwritex.c, __stdio_write.c, __uflow.c)
  stream(fd, { read = false, write = false, bufSize = BUFSIZ, lbf = false, stdout = false, child = null }) {
    return { fd, read, write, bufSize, lbf: lbf || (!stdout && write && isatty(fd)), stdout, wbuf: [], wlen: 0, rbuf: Buffer.alloc(0), eof: false, err: false, child };
  }

  physicalWrite(s, parts) {
    if (s.stdout) {
      s.stdout = false;
      s.lbf = isatty(s.fd); // musl's __stdout_write: line buffering ends at the first write that finds no tty
    }
    const data = Buffer.concat(parts);
    if (data.length === 0) return true;
    const r = this.sysWrite(s.fd, data);
    if (r < 0 || r < data.length) {
      s.err = true;
      return false;
    }
    return true;
  }

  fflush(s) {
    if (s.wlen === 0) return 0;
    const parts = s.wbuf;
    s.wbuf = [];
    s.wlen = 0;
    return this.physicalWrite(s, parts) ? 0 : -1;
  }

  fwrite(s, data) {
    if (!s.write) {
      s.err = true;
      return 0;
    }
    s.rbuf = Buffer.alloc(0);
    if (data.length > s.bufSize - s.wlen) {
      const parts = [...s.wbuf, data];
      s.wbuf = [];
      s.wlen = 0;
      return this.physicalWrite(s, parts) ? data.length : 0;
    }
    let rest = data;
    if (s.lbf) {
      const nl = data.lastIndexOf(10) + 1;
      if (nl > 0) {
        const parts = [...s.wbuf, data.subarray(0, nl)];
        s.wbuf = [];
        s.wlen = 0;
        if (!this.physicalWrite(s, parts)) return 0;
        rest = data.subarray(nl);
      }
    }
    if (rest.length) {
      s.wbuf.push(Buffer.from(rest));
      s.wlen += rest.length;
    }
    return data.length;
  }

  /** Up to n bytes, fewer only at end of file or on error (fread). */
  fread(s, n) {
    if (!s.read) {
      s.err = true;
      return Buffer.alloc(0);
    }
    this.fflush(s);
    const out = [];
    let got = 0;
    while (got < n) {
      if (s.rbuf.length === 0) {
        if (s.eof) break;
        const r = this.sysRead(s.fd, Math.max(s.bufSize, n - got));
        if (typeof r === 'number') {
          s.err = true;
          break;
        }
        if (r.length === 0) {
          s.eof = true;
          break;
        }
        s.rbuf = r;
      }
      const k = Math.min(n - got, s.rbuf.length);
      out.push(s.rbuf.subarray(0, k));
      s.rbuf = s.rbuf.subarray(k);
      got += k;
    }
    return Buffer.concat(out);
  }

  getc(s) {
    const b = this.fread(s, 1);
    return b.length ? b[0] : -1;
  }

  fclose(s, id) {
    const r = this.fflush(s);
    this.streams.delete(id);
    const c = this.sysClose(s.fd);
    if (s.child) {
      // pclose(): the pipe is closed, then the child is waited for; the result is the raw wait status
      const [, status] = this.waitpid(s.child, 0);
      return status;
    }
    return r < 0 || c < 0 ? -1 : 0; // fclose() -> EOF, as js_get_errno() passes it on
  }

  fopenFd(fd, mode, child = null) {
    const id = this.nextStream++;
    this.streams.set(id, this.stream(fd, { read: mode.includes('r') || mode.includes('+'), write: !mode.startsWith('r') || mode.includes('+'), child }));
    return id;
  }

  // ---- processes
  /** The path the child execs, or null when exec fails (the child then does _exit(127)). */
  resolveExec(file, usePath, cwd) {
    if (file.includes('/')) return file;
    // execve() of a bare name is relative to the child's cwd; node would search PATH, so make it explicit
    if (!usePath) return resolve(cwd ?? '.', file);
    // my_execvpe: PATH from this process's environment (not the child's env option), default /bin:/usr/bin
    if (file === '') return null;
    for (const dir of (process.env.PATH ?? '/bin:/usr/bin').split(':')) {
      const p = join(dir, file);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return p;
      } catch {
        // ENOENT, ENOTDIR, EACCES: my_execvpe goes on to the next folder
      }
    }
    return null;
  }

  exec(argv, o) {
    const stdio = [];
    let input;
    const outPipes = [];
    for (let i = 0; i < 3; i++) {
      const fd = o.fds[i];
      const p = this.pipes.get(fd);
      if (!p) {
        stdio.push(fd);
        continue;
      }
      if (i === 0) {
        if (p.end !== 'r') refuse('os.exec stdin is the write end of a pipe');
        stdio.push('pipe');
      } else {
        if (p.end !== 'w') refuse(`os.exec ${i === 1 ? 'stdout' : 'stderr'} is the read end of a pipe`);
        stdio.push('pipe');
        outPipes.push([i, p.pipe]);
      }
    }
    const stdinPipe = this.pipes.get(o.fds[0])?.pipe;
    const file = this.resolveExec(o.file ?? argv[0], o.usePath, o.cwd);
    const env = o.env ? Object.fromEntries(o.env) : process.env;
    const child = { status: null, waited: false, pid: 0 };
    const run = () => {
      if (stdinPipe) input = this.take(stdinPipe, stdinPipe.size);
      let r;
      let exitCode = 127; // the child's _exit(127) when dup2, chdir or exec fails
      let signal = 0;
      if (file !== null) {
        r = spawnSync(file, argv.slice(1), {
          argv0: argv[0],
          cwd: o.cwd ?? undefined,
          env,
          input,
          stdio,
          uid: o.uid ?? undefined,
          gid: o.gid ?? undefined,
          maxBuffer: Infinity,
        });
        if (!r.error) {
          exitCode = r.status ?? 0;
          signal = r.signal ? osc.signals[r.signal] : 0;
        }
        if (!child.pid) child.pid = r.pid;
      }
      for (const [i, pipe] of outPipes) {
        const data = r?.output?.[i];
        if (data?.length) {
          if (o.block && pipe.size + data.length > PIPE_BUF_CAPACITY) refuse(`a blocking os.exec wrote ${data.length} bytes into a pipe nobody reads meanwhile: a real qjs would deadlock`);
          pipe.chunks.push(data);
          pipe.size += data.length;
        }
        if (pipe.deferredWriter === child.pid) pipe.deferredWriter = null;
      }
      child.status = signal ? signal : (exitCode & 0xff) << 8;
      return signal ? -signal : exitCode;
    };
    if (stdinPipe && stdinPipe.writeOpen) {
      if (o.block) refuse('a blocking os.exec whose stdin pipe is still open for writing in this process: a real qjs would deadlock once the child reads it');
      child.pid = this.nextPlaceholder++;
      stdinPipe.deferredReader = { run };
      for (const [, pipe] of outPipes) pipe.deferredWriter = child.pid;
      this.children.set(child.pid, child);
      return child.pid;
    }
    const ret = run();
    if (o.block) return ret;
    if (!child.pid) child.pid = this.nextPlaceholder++;
    this.children.set(child.pid, child);
    return child.pid;
  }

  waitpid(pid, options) {
    const nohang = (options & 1) !== 0; // WNOHANG
    let entry;
    if (pid === -1) entry = [...this.children.entries()].find(([, c]) => !c.waited && (c.status !== null || !nohang));
    else entry = this.children.has(pid) && !this.children.get(pid).waited ? [pid, this.children.get(pid)] : undefined;
    if (!entry) return pid === -1 && [...this.children.values()].some((c) => !c.waited) ? [0, 0] : [-ERRNO.ECHILD, 0];
    const [p, c] = entry;
    if (c.status === null) {
      if (nohang) return [0, 0];
      refuse(`os.waitpid(${p}) on a child still waiting for its stdin pipe to be closed: a real qjs would deadlock`);
    }
    c.waited = true;
    return [p, c.status];
  }
}

// --------------------------------------------------------------- the engine
/** JS_DetectModule (quickjs.c): after a #! line, whitespace and comments, `import` not followed by `.` or `(`, or `export`. */
export function detectModule(code) {
  const rest = code.replace(/^#![^\n]*/, '').replace(/^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
  return /^export(?![\w$])/.test(rest) || /^import(?![\w$])(?!(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*[.(])/.test(rest);
}

const here = dirname(fileURLToPath(import.meta.url));

/** The operations qjs-libc.js calls, by name. Arguments and results are JSON. */
function operations(host, flushAll) {
  const S = (id) => {
    const s = host.streams.get(id);
    if (!s) throw new Error(`qjs-harness: no stream ${id}`);
    return s;
  };
  const openFlags = (mode) => {
    // musl fopen(): the first letter decides, '+' reads and writes (src/stdio/__fmodeflags.c)
    let f = mode.includes('+') ? fs.constants.O_RDWR : mode[0] === 'r' ? fs.constants.O_RDONLY : fs.constants.O_WRONLY;
    if (mode[0] !== 'r') f |= fs.constants.O_CREAT;
    if (mode[0] === 'w') f |= fs.constants.O_TRUNC;
    if (mode[0] === 'a') f |= fs.constants.O_APPEND;
    if (mode.includes('x')) f |= fs.constants.O_EXCL;
    return f;
  };
  const strerror = (n) => {
    const name = Object.keys(ERRNO).find((k) => ERRNO[k] === n && MUSL_STRERROR[k]);
    if (n === 0) return 'No error information';
    if (!name) refuse(`std.strerror(${n}): musl's text for this errno is not in the harness table`);
    return MUSL_STRERROR[name];
  };
  const statObject = (st) => ({
    dev: Number(st.dev), ino: Number(st.ino), mode: Number(st.mode), nlink: Number(st.nlink), uid: Number(st.uid), gid: Number(st.gid),
    rdev: Number(st.rdev), size: Number(st.size), blocks: Number(st.blocks),
    atime: Number(st.atimeNs / 1000000n), mtime: Number(st.mtimeNs / 1000000n), ctime: Number(st.ctimeNs / 1000000n),
  });
  const C = fs.constants;
  return {
    refuse,
    exit(status) {
      flushAll();
      process.exit(status);
    },
    stdConstants: () => ({
      SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2,
      Error: Object.fromEntries(['EINVAL', 'EIO', 'EACCES', 'EEXIST', 'ENOSPC', 'ENOSYS', 'EBUSY', 'ENOENT', 'EPERM', 'EPIPE', 'EBADF'].map((k) => [k, ERRNO[k]])),
    }),
    osConstants: () => ({
      ...Object.fromEntries(['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_APPEND', 'O_CREAT', 'O_EXCL', 'O_TRUNC'].map((k) => [k, C[k]])),
      ...Object.fromEntries(['SIGINT', 'SIGABRT', 'SIGFPE', 'SIGILL', 'SIGSEGV', 'SIGTERM', 'SIGQUIT', 'SIGPIPE', 'SIGALRM', 'SIGUSR1', 'SIGUSR2', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'].map((k) => [k, osc.signals[k]])),
      ...Object.fromEntries(['S_IFMT', 'S_IFIFO', 'S_IFCHR', 'S_IFDIR', 'S_IFBLK', 'S_IFREG', 'S_IFSOCK', 'S_IFLNK'].map((k) => [k, C[k]])),
      S_ISGID: 0o2000, S_ISUID: 0o4000, // <sys/stat.h>; node's fs.constants lacks them
      WNOHANG: 1,
    }),
    // std
    getenv: (name) => process.env[name] ?? null,
    setenv: (name, value) => void (process.env[name] = value),
    unsetenv: (name) => void delete process.env[name],
    getenviron: () => Object.entries(process.env),
    loadFile(name) {
      try {
        if (fs.statSync(name).isDirectory()) return null; // js_load_file: EISDIR
        return decodeUtf8(fs.readFileSync(name));
      } catch {
        return null;
      }
    },
    strerror,
    fopen(name, mode) {
      try {
        return [host.fopenFd(fs.openSync(name, openFlags(mode), 0o666), mode), 0];
      } catch (e) {
        return [null, errnoOf(e)];
      }
    },
    popen(cmd, mode) {
      // musl popen(): /bin/sh -c CMD with one end of a pipe; the first letter of the mode decides
      if (mode[0] !== 'r' && mode[0] !== 'w') return [null, ERRNO.EINVAL];
      const [r, w] = host.newPipe();
      if (mode[0] === 'r') {
        const pid = host.exec(['sh', '-c', cmd], { block: false, usePath: false, file: '/bin/sh', cwd: null, fds: [0, w, 2], env: null });
        host.sysClose(w);
        return [host.fopenFd(r, 'r', pid), 0];
      }
      const pid = host.exec(['sh', '-c', cmd], { block: false, usePath: false, file: '/bin/sh', cwd: null, fds: [r, 1, 2], env: null });
      host.sysClose(r);
      return [host.fopenFd(w, 'w', pid), 0];
    },
    fdopen(fd, mode) {
      if (!host.pipes.has(fd) && sys(() => fs.fstatSync(fd)) < 0) return [null, ERRNO.EBADF];
      return [host.fopenFd(fd, mode), 0];
    },
    tmpfile() {
      const dir = fs.mkdtempSync('/tmp/qjs-tmpfile-');
      const p = join(dir, 'f');
      const fd = fs.openSync(p, 'w+');
      fs.rmSync(dir, { recursive: true }); // tmpfile(): already unlinked
      return [host.fopenFd(fd, 'w+'), 0];
    },
    fwrite: (id, text) => host.fwrite(S(id), encodeUtf8(text)),
    fwriteBytes: (id, bytes) => host.fwrite(S(id), bytes),
    fflush: (id) => void host.fflush(S(id)),
    fclose: (id, finalizer) => (host.streams.has(id) || !finalizer ? host.fclose(S(id), id) : 0),
    fread: (id, n) => host.fread(S(id), n),
    ftell(id) {
      const s = S(id);
      const pos = host.tell(s.fd);
      return pos < 0 ? -1 : pos - s.rbuf.length + s.wlen;
    },
    fseek(id, offset, whence) {
      const s = S(id);
      if (offset === 0 && whence === 1 && s.rbuf.length === 0) return host.fflush(s) < 0 ? -ERRNO.EIO : 0;
      refuse('FILE.seek other than seek(0, SEEK_CUR) with nothing read ahead: node has no lseek');
    },
    feof: (id) => S(id).eof,
    ferror: (id) => S(id).err,
    clearerr(id) {
      const s = S(id);
      s.eof = false;
      s.err = false;
    },
    fileno: (id) => S(id).fd,
    getline(id) {
      const s = S(id);
      const bytes = [];
      for (;;) {
        const c = host.getc(s);
        if (c < 0) {
          if (bytes.length === 0) return null;
          break;
        }
        if (c === 10) break;
        bytes.push(c);
      }
      return decodeUtf8(Buffer.from(bytes));
    },
    readAsString(id, max) {
      const s = S(id);
      const parts = [];
      let left = max < 0 ? Infinity : max;
      while (left > 0) {
        const b = host.fread(s, Math.min(left, 65536));
        if (b.length === 0) break;
        parts.push(b);
        left -= b.length;
      }
      return decodeUtf8(Buffer.concat(parts));
    },
    getByte: (id) => host.getc(S(id)),
    putByte(id, c) {
      const n = host.fwrite(S(id), Buffer.from([c & 0xff]));
      return n === 1 ? c & 0xff : -1;
    },
    // os
    open: (name, flags, mode) => {
      try {
        return fs.openSync(name, flags, mode);
      } catch (e) {
        return -errnoOf(e);
      }
    },
    close: (fd) => host.sysClose(fd),
    lseek(fd, offset, whence) {
      if (offset === 0 && whence === 1) return host.tell(fd);
      if (host.pipes.has(fd)) return -ERRNO.ESPIPE;
      refuse('os.seek other than seek(fd, 0, SEEK_CUR): node has no lseek');
    },
    read: (fd, n) => host.sysRead(fd, n),
    write: (fd, bytes) => host.sysWrite(fd, bytes),
    isatty: (fd) => !host.pipes.has(fd) && isatty(fd),
    ttyGetWinSize: (fd) => (isatty(fd) ? refuse('os.ttyGetWinSize on a tty is not emulated') : null),
    remove(path) {
      // remove(3): unlink, or rmdir for a directory
      try {
        fs.unlinkSync(path);
        return 0;
      } catch (e) {
        if (e.code !== 'EISDIR' && e.code !== 'EPERM') return -errnoOf(e);
        return sys(() => fs.rmdirSync(path));
      }
    },
    rename: (a, b) => sys(() => fs.renameSync(a, b)),
    now: () => Number(process.hrtime.bigint()) / 1e6, // CLOCK_MONOTONIC (libuv's hrtime) in ms, as js_os_now gives it
    sleep(ms) {
      if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return 0;
    },
    selectRead(fds, timeout) {
      for (const fd of fds) {
        const p = host.pipes.get(fd);
        if (p) {
          if (p.end === 'r' && (p.pipe.size > 0 || (!p.pipe.writeOpen && !p.pipe.deferredWriter))) return fd;
          continue;
        }
        const st = fs.fstatSync(fd);
        if (st.isFile()) return fd; // select() reports regular files readable
        refuse(`os.setReadHandler on fd ${fd} (not a regular file or an os.pipe): readiness is not observable from node synchronously`);
      }
      if (timeout < 0) refuse('the event loop waits for pipes that can never become readable: a real qjs would hang');
      if (timeout > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, timeout);
      return null;
    },
    getcwd: () => [process.cwd(), 0],
    chdir: (path) => sys(() => process.chdir(path)),
    mkdir: (path, mode) => sys(() => fs.mkdirSync(path, mode)),
    readdir(path) {
      // readdir(3) order (node's opendir reads the directory as it is), with "." and ".." as the kernel lists them first
      try {
        const d = fs.opendirSync(path);
        const names = ['.', '..'];
        for (let e = d.readSync(); e; e = d.readSync()) names.push(e.name);
        d.closeSync();
        return [names, 0];
      } catch (e) {
        return [[], errnoOf(e)];
      }
    },
    stat(path, l) {
      try {
        return [statObject((l ? fs.lstatSync : fs.statSync)(path, { bigint: true })), 0];
      } catch (e) {
        return [null, errnoOf(e)];
      }
    },
    utimes: (path, a, m) => sys(() => fs.utimesSync(path, a / 1000, m / 1000)),
    realpath(path) {
      try {
        return [fs.realpathSync.native(path), 0];
      } catch (e) {
        return ['', errnoOf(e)];
      }
    },
    symlink: (t, l) => sys(() => fs.symlinkSync(t, l)),
    readlink(path) {
      try {
        return [fs.readlinkSync(path), 0];
      } catch (e) {
        return ['', errnoOf(e)];
      }
    },
    exec: (argv, o) => host.exec(argv, o),
    getpid: () => process.pid,
    waitpid: (pid, options) => host.waitpid(pid, options),
    pipe: () => host.newPipe(),
    kill(pid, sig) {
      const c = host.children.get(pid);
      if (c && !c.waited && c.status !== null) return 0; // a zombie takes signals without effect
      if (c && c.status === null) refuse(`os.kill(${pid}) on a child that has not started (it waits for its stdin pipe)`);
      return sys(() => process.kill(pid, sig));
    },
  };
}

/** Runs FILE as `qjs --std FILE ...args` would, then exits this process with qjs's status. */
export async function runQjsFile(file, args) {
  const [{ default: variant }, { newQuickJSWASMModuleFromVariant }] = await Promise.all([import('@jitl/quickjs-wasmfile-release-sync'), import('quickjs-emscripten-core')]);
  let source;
  try {
    source = fs.readFileSync(file);
  } catch (e) {
    fs.writeSync(2, `${file}: ${MUSL_STRERROR[e.code] ?? e.code}\n`); // perror(filename); exit(1)
    process.exit(1);
  }
  const QuickJS = await newQuickJSWASMModuleFromVariant(variant);
  const rt = QuickJS.newRuntime();
  const ctx = rt.newContext();
  const host = new Host();
  const flushAll = () => {
    for (const s of host.streams.values()) host.fflush(s); // exit() flushes every open FILE
  };
  const ops = operations(host, flushAll);
  const guard = (name, fn) => {
    try {
      return fn();
    } catch (e) {
      fs.writeSync(2, `qjs-harness: internal error in ${name}: ${e?.stack ?? e}\n`);
      process.exit(98);
    }
  };
  const H = ctx.newObject();
  const fn = (name, impl) => ctx.newFunction(name, impl).consume((f) => ctx.setProp(H, name, f));
  fn('call', (nameH, argsH) => {
    const name = ctx.getString(nameH);
    const args = JSON.parse(ctx.getString(argsH));
    const result = guard(name, () => ops[name](...args));
    return ctx.newString(JSON.stringify(result === undefined ? null : result));
  });
  fn('write', (nameH, argsH, bufH) => {
    const name = ctx.getString(nameH);
    const args = JSON.parse(ctx.getString(argsH));
    const bytes = ctx.getArrayBuffer(bufH).consume((l) => Buffer.from(l.value));
    return ctx.newString(JSON.stringify(guard(name, () => ops[name](...args, bytes))));
  });
  fn('read', (nameH, argsH) => {
    const name = ctx.getString(nameH);
    const args = JSON.parse(ctx.getString(argsH));
    const r = guard(name, () => ops[name](...args));
    return typeof r === 'number' ? ctx.newNumber(r) : ctx.newArrayBuffer(r.buffer.slice(r.byteOffset, r.byteOffset + r.byteLength));
  });

  const libcSource = fs.readFileSync(join(here, 'qjs-libc.js'), 'utf8');
  const libc = ctx.callFunction(ctx.unwrapResult(ctx.evalCode(libcSource, 'qjs-libc.js', { type: 'global' })), ctx.undefined, H);
  const L = ctx.unwrapResult(libc);
  H.dispose();

  // js_std_add_helpers (console, performance, scriptArgs, print, __loadScript),
  // then qjs.c's own `import * as std from 'std'` for --std. Iterator.concat
  // came after 2025-09-13 (bellard/quickjs 4bd485d) and goes.
  const setup = ctx.unwrapResult(
    ctx.evalCode(
      `(function (L, args) {
        globalThis.console = { log: L.consoleLog };
        globalThis.performance = { now: L.performanceNow };
        globalThis.scriptArgs = args;
        globalThis.print = L.print;
        globalThis.__loadScript = L.std.loadScript;
        globalThis.__qjsHarness = L;
        delete Iterator.concat;
      })`,
      '<harness>',
      { type: 'global' },
    ),
  );
  const argsH = ctx.unwrapResult(ctx.evalCode(JSON.stringify([file, ...args]), '<args>', { type: 'global' }));
  ctx.unwrapResult(ctx.callFunction(setup, ctx.undefined, L, argsH)).dispose();
  setup.dispose();
  argsH.dispose();
  const exportsOf = (name) => {
    const keys = JSON.parse(ctx.getString(ctx.unwrapResult(ctx.evalCode(`JSON.stringify(Object.keys(globalThis.__qjsHarness.${name}))`, '<harness>', { type: 'global' }))));
    return (
      `const m = globalThis.__qjsHarness.${name};\n` +
      keys.map((k, i) => `const v${i} = m[${JSON.stringify(k)}];\nexport { v${i} as ${k} };`).join('\n')
    );
  };
  const modules = { std: exportsOf('std'), os: exportsOf('os') };
  rt.setModuleLoader((name) => modules[name] ?? { error: new Error(`qjs-harness: module '${name}' is not emulated`) });
  const stdImport = "import * as std from 'std';\nimport * as os from 'os';\nglobalThis.std = std;\nglobalThis.os = os;\n";
  ctx.unwrapResult(ctx.evalCode(stdImport, '<input>', { type: 'module' })).dispose();
  const poll = ctx.getProp(L, 'poll');
  const dumpError = ctx.getProp(L, 'dumpError');
  ctx.unwrapResult(ctx.evalCode('delete globalThis.__qjsHarness', '<harness>', { type: 'global' })).dispose();

  const dump = (errH) => {
    ctx.unwrapResult(ctx.callFunction(dumpError, ctx.undefined, errH)).dispose();
    errH.dispose();
  };
  const runJobs = () => {
    for (;;) {
      const r = rt.executePendingJobs(1);
      if (r.error) {
        dump(r.error);
        return;
      }
      if (r.value === 0) return;
    }
  };
  const pollOnce = () => {
    const h = ctx.unwrapResult(ctx.callFunction(poll, ctx.undefined));
    const n = ctx.getNumber(h);
    h.dispose();
    return n;
  };

  // eval_file(): a module by its suffix or JS_DetectModule, else global code whose value is dropped
  const code = decodeUtf8(source);
  const isModule = file.endsWith('.mjs') || detectModule(code);
  const result = ctx.evalCode(code, file, { type: isModule ? 'module' : 'global' });
  if (result.error) {
    dump(result.error);
    flushAll();
    process.exit(1);
  }
  const value = result.value;
  // js_std_await() for a module's promise
  while (isModule) {
    const state = ctx.getPromiseState(value);
    if (state.type !== 'pending') {
      if (state.type === 'rejected') {
        dump(state.error);
        flushAll();
        process.exit(1);
      }
      break;
    }
    const r = rt.executePendingJobs(1);
    if (r.error) dump(r.error);
    else if (r.value === 0) pollOnce();
  }
  value.dispose();
  // js_std_loop()
  for (;;) {
    runJobs();
    if (pollOnce() < 0) break;
  }
  flushAll();
  process.exit(0);
}

export const HARNESS_DIR = resolve(here);
