// The half of quickjs-libc that runs INSIDE the wasm QuickJS: argument
// conversion, return shapes and error conventions of `std` and `os` as
// bellard/quickjs quickjs-libc.c has them at the 2025-09-13 release (commit
// fa628f8, the version OpenWrt 25.12 ships). Everything that touches the
// system is one call to the node half, test/helpers/qjs-host.mjs, through
//   H.call(name, argsJson) -> resultJson
//   H.write(name, argsJson, arrayBuffer) -> resultJson   (bytes into the host)
//   H.read(name, argsJson) -> ArrayBuffer | number        (bytes out, or -errno)
// This file is one function expression; the host evaluates it and calls it
// with H. It returns what qjs.c's js_std_add_helpers and the 'std' / 'os'
// modules define.
(function (H) {
  'use strict';
  const call = (name, ...args) => JSON.parse(H.call(name, JSON.stringify(args)));
  const str = (v) => {
    // JS_ToCString: a Symbol throws, everything else is converted.
    if (typeof v === 'symbol') throw new TypeError('cannot convert symbol to string');
    return String(v);
  };
  const int32 = (v) => Number(v) | 0; // JS_ToInt32 (throws for Symbol/BigInt like QuickJS)
  const int64 = (v) => (typeof v === 'bigint' ? Number(v) : Math.trunc(Number(v)) || 0); // JS_ToInt64Ext (no 64-bit wrap: offsets stay small)
  const index = (v) => {
    // JS_ToIndex
    const n = v === undefined ? 0 : Math.trunc(Number(v)) || 0;
    if (n < 0 || n > Number.MAX_SAFE_INTEGER) throw new RangeError('invalid array index');
    return n;
  };
  const bytesOf = (buf) => {
    // JS_GetArrayBuffer: an ArrayBuffer (or SharedArrayBuffer), not a view
    const tag = Object.prototype.toString.call(buf);
    if (tag !== '[object ArrayBuffer]' && tag !== '[object SharedArrayBuffer]') throw new TypeError('not an ArrayBuffer');
    return buf;
  };
  const setErrorObject = (obj, err) => {
    if (obj !== undefined) obj.errno = err; // js_set_error_object
  };
  const boolOption = (obj, name, dflt) => {
    const v = obj[name];
    return v === undefined ? dflt : !!v;
  };

  // ---------------------------------------------------------------- printing
  // js_print_value / js_print_error (quickjs.c) for what netboot can print:
  // primitives and Error objects. Anything else is refused by the host.
  const propString = (o, key) => {
    // get_prop_string: own property, else one level up the prototype chain
    let d = Object.getOwnPropertyDescriptor(o, key);
    if (!d) {
      const p = Object.getPrototypeOf(o);
      if (!p) return null;
      d = Object.getOwnPropertyDescriptor(p, key);
      if (!d) return null;
    }
    return 'value' in d && typeof d.value === 'string' ? d.value : null;
  };
  const printValue = (v) => {
    switch (typeof v) {
      case 'string':
        return null; // callers print top-level strings raw; quoting nested ones is not emulated
      case 'number':
        return Object.is(v, -0) ? '-0' : String(v);
      case 'boolean':
      case 'undefined':
        return String(v);
      case 'bigint':
        return `${v}n`;
      case 'symbol':
        return v.toString();
      default:
        if (v === null) return 'null';
        if (Object.prototype.toString.call(v) === '[object Error]') {
          const name = propString(v, 'name');
          const message = propString(v, 'message');
          const stack = propString(v, 'stack');
          let s = name === null ? 'Error' : name;
          if (message) s += `: ${message}`;
          if (stack !== null) s += `\n${stack.endsWith('\n') ? stack.slice(0, -1) : stack}`;
          return s;
        }
        return undefined;
    }
  };
  const printed = (v, where) => {
    const s = printValue(v);
    if (s === null) return `"${v}"`;
    if (s === undefined) call('refuse', `${where}: printing ${Object.prototype.toString.call(v)} the way JS_PrintValue does is not emulated; print a string`);
    return s;
  };
  const print = function print(...args) {
    // js_print: strings raw, other values through JS_PrintValue, ' ' between, '\n' after
    const parts = args.map((v) => (typeof v === 'string' ? v : printed(v, 'print')));
    call('fwrite', 1, parts.join(' ') + '\n');
  };
  const consoleLog = function log(...args) {
    print(...args);
    call('fflush', 1);
  };
  const dumpError = (v) => {
    // js_std_dump_error1: JS_PrintValue(exception) then '\n', on stderr
    call('fwrite', 2, (typeof v === 'string' ? `"${v}"` : printed(v, 'uncaught exception')) + '\n');
  };

  // ------------------------------------------------------------------ printf
  // js_printf_internal: the conversions it accepts, with C's flags, width and
  // precision for integers, strings and %c. Floating conversions are refused
  // (C's %g/%e rounding is not reproduced here).
  const formatPrintf = (args) => {
    if (args.length === 0) return '';
    const fmt = str(args[0]);
    let i = 1;
    let out = '';
    let pos = 0;
    const next = () => {
      if (i >= args.length) throw new ReferenceError('missing argument for conversion specifier');
      return args[i++];
    };
    while (pos < fmt.length) {
      const pct = fmt.indexOf('%', pos);
      if (pct < 0) {
        out += fmt.slice(pos);
        break;
      }
      out += fmt.slice(pos, pct);
      let p = pct + 1;
      let flags = '';
      while ('0#+- \''.includes(fmt[p]) && p < fmt.length) flags += fmt[p++];
      let width = '';
      if (fmt[p] === '*') {
        width = String(int32(next()));
        p++;
      } else while (fmt[p] >= '0' && fmt[p] <= '9') width += fmt[p++];
      let prec;
      if (fmt[p] === '.') {
        p++;
        prec = '';
        if (fmt[p] === '*') {
          prec = String(int32(next()));
          p++;
        } else while (fmt[p] >= '0' && fmt[p] <= '9') prec += fmt[p++];
      }
      let long = false;
      if (fmt[p] === 'l') {
        long = true;
        p++;
      }
      const c = fmt[p++];
      pos = p;
      if (width.startsWith('-')) {
        flags += '-';
        width = width.slice(1);
      }
      const w = width === '' ? 0 : Number(width);
      const pr = prec === undefined || prec === '' || Number(prec) < 0 ? (prec === '' ? 0 : undefined) : Number(prec);
      const pad = (body, sign, zeroOk) => {
        const len = sign.length + body.length;
        if (len >= w) return sign + body;
        if (flags.includes('-')) return sign + body + ' '.repeat(w - len);
        if (flags.includes('0') && zeroOk) return sign + '0'.repeat(w - len) + body;
        return ' '.repeat(w - len) + sign + body;
      };
      switch (c) {
        case '%':
          out += '%';
          break;
        case 'c': {
          const v = next();
          let cp = typeof v === 'string' ? v.codePointAt(0) ?? 0 : int32(v);
          if (cp >>> 0 > 0x10ffff) cp = 0xfffd;
          out += String.fromCodePoint(cp >>> 0 > 0x10ffff ? 0xfffd : cp);
          break;
        }
        case 's': {
          let s = str(next());
          if (pr !== undefined) s = s.slice(0, pr); // counts UTF-16 units, C counts bytes: same for ASCII
          out += pad(s, '', false);
          break;
        }
        case 'd':
        case 'i':
        case 'o':
        case 'u':
        case 'x':
        case 'X': {
          const v = next();
          // wrapped by hand: QuickJS's BigInt.asUintN returns a negative BigInt unchanged when
          // bits >= its short BigInt width (32 in wasm and on 32-bit routers, 64 on x86_64)
          const wrap = (x, bits, signed) => {
            const m = 1n << BigInt(bits);
            const u = ((x % m) + m) % m;
            return signed && u >= m >> 1n ? u - m : u;
          };
          const unsigned = c !== 'd' && c !== 'i';
          const n64 = wrap(typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)) || 0), 64, true);
          let n = wrap(n64, long ? 64 : 32, !unsigned);
          let sign = '';
          if (n < 0n) {
            sign = '-';
            n = -n;
          } else if (!unsigned && flags.includes('+')) sign = '+';
          else if (!unsigned && flags.includes(' ')) sign = ' ';
          let body = n.toString(c === 'o' ? 8 : c === 'x' || c === 'X' ? 16 : 10);
          if (c === 'X') body = body.toUpperCase();
          if (pr !== undefined) body = pr === 0 && n === 0n ? '' : body.padStart(pr, '0');
          if (flags.includes('#') && n !== 0n && (c === 'x' || c === 'X')) sign += c === 'x' ? '0x' : '0X';
          if (flags.includes('#') && c === 'o' && !body.startsWith('0')) body = '0' + body;
          out += pad(body, sign, pr === undefined);
          break;
        }
        case 'e':
        case 'f':
        case 'g':
        case 'a':
        case 'E':
        case 'F':
        case 'G':
        case 'A':
          call('refuse', `printf %${c}: C's floating-point formatting is not emulated`);
          break;
        default:
          throw new TypeError('invalid conversion specifier in format string');
      }
    }
    return out;
  };

  // -------------------------------------------------------------------- FILE
  const handles = new WeakMap(); // FILE object -> host stream id (the C JSSTDFile)
  const registry = new FinalizationRegistry((id) => call('fclose', id, true)); // close_in_finalizer
  const fileGet = (f) => {
    const id = handles.get(f);
    if (id === undefined) throw new TypeError('invalid object class');
    if (id === null) throw new TypeError('invalid file handle');
    return id;
  };
  const FILE = {
    close() {
      const id = fileGet(this);
      handles.set(this, null);
      registry.unregister(this);
      return call('fclose', id, false);
    },
    puts(...args) {
      const id = fileGet(this);
      for (const a of args) call('fwrite', id, str(a));
    },
    printf(...args) {
      const id = fileGet(this);
      return call('fwrite', id, formatPrintf(args));
    },
    flush() {
      call('fflush', fileGet(this));
    },
    tell() {
      return call('ftell', fileGet(this));
    },
    tello() {
      return BigInt(call('ftell', fileGet(this)));
    },
    seek(offset, whence) {
      const id = fileGet(this);
      return call('fseek', id, int64(offset), int32(whence));
    },
    eof() {
      return call('feof', fileGet(this));
    },
    fileno() {
      return call('fileno', fileGet(this));
    },
    error() {
      return call('ferror', fileGet(this));
    },
    clearerr() {
      call('clearerr', fileGet(this));
    },
    read(buffer, position, length) {
      const id = fileGet(this);
      const pos = index(position);
      const len = index(length);
      const buf = bytesOf(buffer);
      if (pos + len > buf.byteLength) throw new RangeError('read/write array buffer overflow');
      const got = H.read('fread', JSON.stringify([id, len]));
      new Uint8Array(buf, pos, got.byteLength).set(new Uint8Array(got));
      return got.byteLength;
    },
    write(buffer, position, length) {
      const id = fileGet(this);
      const pos = index(position);
      const len = index(length);
      const buf = bytesOf(buffer);
      if (pos + len > buf.byteLength) throw new RangeError('read/write array buffer overflow');
      return JSON.parse(H.write('fwriteBytes', JSON.stringify([id]), buf.slice(pos, pos + len)));
    },
    getline() {
      return call('getline', fileGet(this));
    },
    readAsString(maxSize) {
      const id = fileGet(this);
      return call('readAsString', id, maxSize === undefined ? -1 : index(maxSize));
    },
    getByte() {
      return call('getByte', fileGet(this));
    },
    putByte(c) {
      const id = fileGet(this);
      return call('putByte', id, int32(c));
    },
  };
  for (const k of Object.keys(FILE)) Object.defineProperty(FILE, k, { enumerable: false });
  const newFile = (id, closeInFinalizer) => {
    const f = Object.create(FILE);
    handles.set(f, id);
    if (closeInFinalizer) registry.register(f, id, f);
    return f;
  };
  const openResult = ([id, err], errorObj, argc) => {
    if (argc >= 3) setErrorObject(errorObj, err);
    return id === null ? null : newFile(id, true);
  };

  // --------------------------------------------------------------------- std
  const std = {
    exit(status) {
      let s;
      try {
        s = int32(status);
      } catch {
        s = -1;
      }
      call('exit', s);
    },
    gc() {},
    evalScript(source, options) {
      if (options !== undefined && (options.async || options.backtrace_barrier)) call('refuse', 'std.evalScript options are not emulated');
      return (0, eval)(str(source));
    },
    loadScript(filename) {
      const name = str(filename);
      const text = call('loadFile', name);
      if (text === null) throw new ReferenceError(`could not load '${name}'`);
      return (0, eval)(text);
    },
    getenv(name) {
      const v = call('getenv', str(name));
      return v === null ? undefined : v;
    },
    setenv(name, value) {
      call('setenv', str(name), str(value));
    },
    unsetenv(name) {
      call('unsetenv', str(name));
    },
    getenviron() {
      const o = {};
      for (const [k, v] of call('getenviron')) o[k] = v;
      return o;
    },
    urlGet() {
      call('refuse', 'std.urlGet runs curl, which netboot does not use: not emulated');
    },
    loadFile(filename) {
      return call('loadFile', str(filename));
    },
    strerror(err) {
      return call('strerror', int32(err));
    },
    parseExtJSON() {
      call('refuse', 'std.parseExtJSON (JSON5 parser of quickjs.c) is not emulated');
    },
    open(filename, mode, errorObj) {
      const name = str(filename);
      const m = str(mode);
      if (!/^[rwa+b]*$/.test(m)) throw new TypeError('invalid file mode');
      return openResult(call('fopen', name, m), errorObj, arguments.length);
    },
    popen(command, mode, errorObj) {
      const cmd = str(command);
      const m = str(mode);
      if (!/^[rw]*$/.test(m)) throw new TypeError('invalid file mode');
      return openResult(call('popen', cmd, m), errorObj, arguments.length);
    },
    fdopen(fd, mode, errorObj) {
      const n = int32(fd);
      const m = str(mode);
      if (!/^[rwa+]*$/.test(m)) throw new TypeError('invalid file mode');
      return openResult(call('fdopen', n, m), errorObj, arguments.length);
    },
    tmpfile(errorObj) {
      return openResult(call('tmpfile'), errorObj, arguments.length >= 1 ? 3 : 0);
    },
    puts(...args) {
      for (const a of args) call('fwrite', 1, str(a));
    },
    printf(...args) {
      return call('fwrite', 1, formatPrintf(args));
    },
    sprintf(...args) {
      return formatPrintf(args);
    },
    __printObject() {
      call('refuse', 'std.__printObject (JS_PrintValue) is not emulated');
    },
    in: newFile(0, false),
    out: newFile(1, false),
    err: newFile(2, false),
    ...call('stdConstants'),
  };

  // ---------------------------------------------------------------------- os
  const os = {
    open(filename, flags, mode) {
      const name = str(filename);
      return call('open', name, int32(flags), mode === undefined ? 0o666 : int32(mode));
    },
    close(fd) {
      return call('close', int32(fd));
    },
    seek(fd, offset, whence) {
      const big = typeof offset === 'bigint';
      const r = call('lseek', int32(fd), int64(offset), int32(whence));
      return big ? BigInt(r) : r;
    },
    read(fd, buffer, offset, length) {
      const n = int32(fd);
      const pos = index(offset);
      const len = index(length);
      const buf = bytesOf(buffer);
      if (pos + len > buf.byteLength) throw new RangeError('read/write array buffer overflow');
      const got = H.read('read', JSON.stringify([n, len]));
      if (typeof got === 'number') return got;
      new Uint8Array(buf, pos, got.byteLength).set(new Uint8Array(got));
      return got.byteLength;
    },
    write(fd, buffer, offset, length) {
      const n = int32(fd);
      const pos = index(offset);
      const len = index(length);
      const buf = bytesOf(buffer);
      if (pos + len > buf.byteLength) throw new RangeError('read/write array buffer overflow');
      return JSON.parse(H.write('write', JSON.stringify([n]), buf.slice(pos, pos + len)));
    },
    isatty(fd) {
      return call('isatty', int32(fd));
    },
    ttyGetWinSize(fd) {
      return call('ttyGetWinSize', int32(fd));
    },
    ttySetRaw() {
      call('refuse', 'os.ttySetRaw is not emulated');
    },
    remove(filename) {
      return call('remove', str(filename));
    },
    rename(oldpath, newpath) {
      const a = str(oldpath);
      return call('rename', a, str(newpath));
    },
    setReadHandler(fd, func) {
      const n = int32(fd);
      if (func !== null && typeof func !== 'function') throw new TypeError('not a function');
      loop.setReadHandler(n, func);
    },
    setWriteHandler() {
      call('refuse', 'os.setWriteHandler is not emulated');
    },
    signal() {
      call('refuse', 'os.signal is not emulated (node cannot take a signal synchronously)');
    },
    now() {
      return call('now');
    },
    setTimeout(func, delay) {
      if (typeof func !== 'function') throw new TypeError('not a function');
      return loop.setTimeout(func, int64(delay));
    },
    clearTimeout(id) {
      loop.clearTimeout(int32(id));
    },
    sleepAsync(delay) {
      const d = int64(delay);
      return new Promise((resolve) => loop.addTimer(-1, resolve, d));
    },
    platform: 'linux',
    getcwd() {
      return call('getcwd');
    },
    chdir(path) {
      return call('chdir', str(path));
    },
    mkdir(path, mode) {
      const m = arguments.length >= 2 ? int32(mode) : 0o777;
      return call('mkdir', str(path), m);
    },
    readdir(path) {
      return call('readdir', str(path));
    },
    stat(path) {
      return call('stat', str(path), false);
    },
    lstat(path) {
      return call('stat', str(path), true);
    },
    utimes(path, atime, mtime) {
      const a = int64(atime);
      const m = int64(mtime);
      return call('utimes', str(path), a, m);
    },
    sleep(delay) {
      return call('sleep', int64(delay));
    },
    realpath(path) {
      return call('realpath', str(path));
    },
    symlink(target, linkpath) {
      const t = str(target);
      return call('symlink', t, str(linkpath));
    },
    readlink(path) {
      return call('readlink', str(path));
    },
    exec(args, options) {
      // js_os_exec: argv from args[0..length), options read in this order
      const argc = Number(args.length) >>> 0;
      if (argc < 1 || argc > 65535) throw new TypeError('invalid number of arguments');
      const argv = [];
      for (let i = 0; i < argc; i++) argv.push(str(args[i]));
      const o = { block: true, usePath: true, file: null, cwd: null, fds: [0, 1, 2], env: null, uid: null, gid: null };
      if (arguments.length >= 2) {
        o.block = boolOption(options, 'block', true);
        o.usePath = boolOption(options, 'usePath', true);
        if (options.file !== undefined) o.file = str(options.file);
        if (options.cwd !== undefined) o.cwd = str(options.cwd);
        ['stdin', 'stdout', 'stderr'].forEach((k, i) => {
          if (options[k] !== undefined) o.fds[i] = int32(options[k]);
        });
        if (options.env !== undefined) {
          o.env = [];
          for (const k of Object.keys(options.env)) o.env.push([k, str(options.env[k])]);
        }
        if (options.uid !== undefined) o.uid = Number(options.uid) >>> 0;
        if (options.gid !== undefined) o.gid = Number(options.gid) >>> 0;
      }
      return call('exec', argv, o);
    },
    getpid() {
      return call('getpid');
    },
    waitpid(pid, options) {
      const p = int32(pid);
      return call('waitpid', p, int32(options));
    },
    pipe() {
      return call('pipe');
    },
    kill(pid, sig) {
      const p = int32(pid);
      return call('kill', p, int32(sig));
    },
    dup() {
      call('refuse', 'os.dup is not emulated (node has no dup)');
    },
    dup2() {
      call('refuse', 'os.dup2 is not emulated (node has no dup2)');
    },
    ...call('osConstants'),
  };

  // ------------------------------------------------------ timers and the loop
  // js_os_setTimeout / js_os_poll / js_std_loop: timers in a list in creation
  // order, ids from 1, sleepAsync timers with id -1; one handler per poll.
  const loop = {
    nextId: 1,
    timers: [],
    readHandlers: new Map(),
    addTimer(id, func, delay) {
      this.timers.push({ id, func, timeout: Math.floor(call('now')) + delay });
    },
    setTimeout(func, delay) {
      const id = this.nextId;
      this.nextId = id === 2147483647 ? 1 : id + 1;
      this.addTimer(id, func, delay);
      return id;
    },
    clearTimeout(id) {
      if (id <= 0) return;
      const i = this.timers.findIndex((t) => t.id === id);
      if (i >= 0) this.timers.splice(i, 1);
    },
    setReadHandler(fd, func) {
      if (func === null) this.readHandlers.delete(fd);
      else this.readHandlers.set(fd, func);
    },
    callHandler(func) {
      try {
        func();
      } catch (e) {
        dumpError(e); // call_handler: the error is printed and the loop goes on
      }
    },
    /** js_os_poll: -1 when nothing is left, else 0 after one handler or a wait. */
    poll() {
      if (this.timers.length === 0 && this.readHandlers.size === 0) return -1;
      let minDelay = 10000;
      if (this.timers.length) {
        const now = Math.floor(call('now'));
        for (const t of this.timers) {
          const delay = t.timeout - now;
          if (delay <= 0) {
            this.timers.splice(this.timers.indexOf(t), 1);
            this.callHandler(t.func);
            return 0;
          }
          if (delay < minDelay) minDelay = delay;
        }
      }
      if (this.readHandlers.size) {
        const ready = call('selectRead', [...this.readHandlers.keys()], this.timers.length ? minDelay : -1);
        if (ready !== null) {
          this.callHandler(this.readHandlers.get(ready));
          return 0;
        }
        return 0;
      }
      call('sleep', minDelay);
      return 0;
    },
  };

  return {
    std,
    os,
    print,
    consoleLog,
    performanceNow: function now() {
      return call('now');
    },
    dumpError,
    poll: () => loop.poll(),
  };
});
