// The QuickJS engine harness (test/helpers/qjs-host.mjs) against what
// bellard/quickjs quickjs-libc.c and qjs.c (commit fa628f8, the 2025-09-13
// release OpenWrt 25.12 ships) say each call returns. The expected values are
// read from that C source, not from the harness: line references are to
// quickjs-libc.c at fa628f8.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runQjs, type QjsOptions } from './helpers/qjs';

const dir = mkdtempSync(join(tmpdir(), 'netboot-qjs-'));
let n = 0;
/** Runs a small program as `qjs --std prog.js ARGS`. */
function qjs(program: string, args: string[] = [], opts: QjsOptions = {}) {
  const file = join(dir, `prog${n++}.js`);
  writeFileSync(file, program);
  return runQjs(file, args, { cwd: dir, ...opts });
}

describe('the globals are those of qjs --std, and no more', () => {
  it('lacks what real qjs lacks (require, process, Buffer, URL, TextEncoder, setTimeout, ...)', () => {
    const r = qjs(`print(JSON.stringify(['require','process','Buffer','URL','URLSearchParams','TextEncoder','TextDecoder','setTimeout','fetch','crypto','Intl','WebAssembly','global','module','exports'].map((k) => typeof globalThis[k])))`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(Array(15).fill('undefined'));
  });

  it('adds exactly what qjs.c and js_std_add_helpers add: console, performance, scriptArgs, print, __loadScript, std, os', () => {
    // ECMAScript's globals as JS_NewContext creates them, in QuickJS's order (the wasm build has no Atomics, which real qjs has)
    const builtins =
      'Object Function Error EvalError RangeError ReferenceError SyntaxError TypeError URIError InternalError AggregateError Iterator Array parseInt parseFloat isNaN isFinite decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape Infinity NaN undefined eval Number Boolean String Math Reflect Symbol globalThis BigInt Date RegExp JSON Proxy Map Set WeakMap WeakSet ArrayBuffer SharedArrayBuffer Uint8ClampedArray Int8Array Uint8Array Int16Array Uint16Array Int32Array Uint32Array BigInt64Array BigUint64Array Float16Array Float32Array Float64Array DataView Promise WeakRef FinalizationRegistry'.split(' ');
    const r = qjs(`print(JSON.stringify(Object.getOwnPropertyNames(globalThis)))`);
    const names: string[] = JSON.parse(r.stdout);
    expect(names.filter((k) => !builtins.includes(k))).toEqual(['console', 'performance', 'scriptArgs', 'print', '__loadScript', 'std', 'os']);
  });

  it('std and os are module namespaces; Iterator.concat (after 2025-09-13) is gone', () => {
    const r = qjs(`print(Object.prototype.toString.call(std), Object.prototype.toString.call(os), typeof Iterator.concat, typeof Iterator.from, os.platform)`);
    expect(r.stdout).toBe('[object Module] [object Module] undefined function linux\n');
  });

  it('scriptArgs holds the script then its arguments (qjs.c passes argv + optind)', () => {
    const r = qjs(`print(JSON.stringify(scriptArgs.slice(1)), scriptArgs[0].endsWith('.js'))`, ['a', 'b c']);
    expect(r.stdout).toBe('["a","b c"] true\n');
  });
});

describe('exit, errors and the job loop (qjs.c main, js_std_loop, js_os_poll)', () => {
  it('std.exit ends at once with the status, flushing std.out (exit() flushes stdio)', () => {
    const r = qjs(`std.out.puts('kept'); std.exit(3); print('never')`);
    expect([r.status, r.stdout]).toEqual([3, 'kept']);
    expect(qjs('std.exit(-1)').status).toBe(255);
    expect(qjs('std.exit()').status).toBe(0); // JS_ToInt32(undefined) = 0
  });

  it('an uncaught error prints name, message and QuickJS stack on stderr and exits 1 (js_std_dump_error)', () => {
    const r = qjs(`print('before');\nfunction f() { throw new TypeError('boom'); }\nf();`);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/^TypeError: boom\n {4}at f \(.*prog\d+\.js:2:\d+\)\n {4}at <eval> \(.*prog\d+\.js:3:\d+\)\n$/);
  });

  it('an error in a timer is printed and the loop goes on (call_handler); jobs first, then expired timers in creation order', () => {
    // js_os_poll runs the first expired timer of its list, not the earliest deadline
    const r = qjs(`os.setTimeout(() => { throw new Error('in timer'); }, 40);
      os.setTimeout(() => print('second'), 20);
      const id = os.setTimeout(() => print('cleared'), 10); os.clearTimeout(id);
      Promise.resolve().then(() => print('job'));
      os.sleepAsync(1).then(() => print('slept'));
      print('sync', id); os.sleep(60);`);
    expect(r.stdout).toBe('sync 3\njob\nsecond\nslept\n');
    expect(r.stderr).toMatch(/^Error: in timer\n/);
    expect(r.status).toBe(0);
  });

  it('os.sleep blocks; os.now is in milliseconds', () => {
    const r = qjs(`const t = os.now(); os.sleep(50); const d = os.now() - t; print(d >= 49 && d < 1000, os.sleep(0))`);
    expect(r.stdout).toBe('true 0\n');
  });
});

describe('std: environment, files, FILE streams', () => {
  it('getenv/setenv/unsetenv/getenviron, and a set variable reaches children', () => {
    const r = qjs(`std.setenv('NB_X', 'v1'); print(std.getenv('NB_X'), std.getenv('NB_NONE'), std.getenviron().NB_Y);
      os.exec(['sh', '-c', 'echo child:$NB_X']); std.unsetenv('NB_X'); print(std.getenv('NB_X'));`, [], { env: { PATH: process.env.PATH, NB_Y: 'y' } });
    expect(r.stdout).toBe('v1 undefined y\nchild:v1\nundefined\n');
  });

  it('std.open: null and errno in the error object on failure; TypeError on a bad mode (js_std_open)', () => {
    const r = qjs(`const e = {}; print(std.open('missing/file', 'r', e), e.errno, std.Error.ENOENT);
      try { std.open('x', 'rz'); } catch (err) { print(err.name, err.message); }`);
    expect(r.stdout).toBe('null 2 2\nTypeError invalid file mode\n');
  });

  it('loadFile returns a string or null; readAsString/getline/getByte read back what puts/putByte wrote', () => {
    const r = qjs(`const f = std.open('t.txt', 'w'); f.puts('é1\\n', 'line2'); print(f.putByte(65)); print(f.close());
      print(JSON.stringify(std.loadFile('t.txt')), std.loadFile('nope'), std.loadFile('.'));
      const g = std.open('t.txt', 'r'); print(g.getline(), g.getByte(), g.readAsString(3), JSON.stringify(g.readAsString()), g.eof(), g.getline()); g.close();`);
    expect(r.stdout).toBe('65\n0\n"é1\\nline2A" null null\né1 108 ine "2A" true null\n');
  });

  it("FILE output is buffered like musl's: a file renamed before close is empty, flush or close writes it", () => {
    const r = qjs(`const f = std.open('a.tmp', 'w'); f.puts('content');
      print(os.rename('a.tmp', 'a.txt'), std.loadFile('a.txt').length); f.flush(); print(std.loadFile('a.txt'));
      const big = std.open('b.txt', 'w'); big.puts('x'.repeat(2000)); print(std.loadFile('b.txt').length); big.close();`);
    expect(r.stdout).toBe('0 0\ncontent\n2000\n');
  });

  it('FILE.read/write move bytes through ArrayBuffers; RangeError past the end (js_std_file_read_write)', () => {
    const r = qjs(`const f = std.open('bin', 'w'); const b = new Uint8Array([0, 255, 128, 10]).buffer; print(f.write(b, 1, 3)); f.close();
      const g = std.open('bin', 'r'); const out = new ArrayBuffer(8); print(g.read(out, 2, 6), JSON.stringify([...new Uint8Array(out)]));
      try { g.read(out, 4, 5); } catch (e) { print(e.name, e.message); } print(g.tell(), typeof g.tello()); g.close();`);
    expect(r.stdout).toBe('3\n3 [0,0,255,128,10,0,0,0]\nRangeError read/write array buffer overflow\n3 bigint\n');
  });

  it('std.in reads the process stdin (an rpcd plugin gets its arguments this way)', () => {
    const r = qjs(`print(JSON.stringify(JSON.parse(std.in.readAsString())))`, [], { stdin: '{"a": [1, "x"]}' });
    expect(r.stdout).toBe('{"a":[1,"x"]}\n');
  });

  it('strerror is musl text; sprintf/printf follow C for integers and strings', () => {
    const r = qjs(`print(std.strerror(2), '|', std.strerror(17));
      print(std.sprintf('%5d|%-4s|%x|%08.3d|%c|%%|%+d|%lu', 42, 'ab', 255, 7, 65, 3, -1));
      print(std.printf('%s\\n', 'out'));`);
    expect(r.stdout).toBe('No such file or directory | File exists\n   42|ab  |ff|     007|A|%|+3|18446744073709551615\nout\n4\n');
  });
});

describe('os: descriptors, files, directories', () => {
  it('open/write/read/close return counts or -errno; O_EXCL on an existing file gives -EEXIST (js_os_open)', () => {
    const r = qjs(`const fd = os.open('o.txt', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600);
      const b = new Uint8Array([104, 105]).buffer; print(os.write(fd, b, 0, 2), os.close(fd), os.close(fd));
      print(os.open('o.txt', os.O_WRONLY | os.O_CREAT | os.O_EXCL), os.open('missing/x', os.O_RDONLY));
      const r = os.open('o.txt', os.O_RDONLY); const out = new ArrayBuffer(4); print(os.read(r, out, 0, 4), os.seek(r, 0, std.SEEK_CUR), os.read(r, out, 0, 4)); os.close(r);
      print((os.stat('o.txt')[0].mode & 0o777).toString(8));`);
    expect(r.stdout).toBe('2 0 -9\n-17 -2\n2 2 0\n600\n');
  });

  it('stat/lstat give [obj, 0] or [null, errno]; readdir gives [names with . and .., 0] or [[], errno]', () => {
    mkdirSync(join(dir, 'd1'), { recursive: true });
    writeFileSync(join(dir, 'd1/f'), '12345');
    const r = qjs(`const [st, err] = os.stat('d1/f'); print(Object.keys(st).join(','), err, st.size, (st.mode & os.S_IFMT) === os.S_IFREG);
      print(JSON.stringify(os.stat('nope')), JSON.stringify(os.readdir('nope')));
      const [names, e2] = os.readdir('d1'); print(JSON.stringify(names.sort()), e2);
      print(os.symlink('f', 'd1/l'), (os.lstat('d1/l')[0].mode & os.S_IFMT) === os.S_IFLNK, JSON.stringify(os.readlink('d1/l')), os.realpath('d1/l')[0].endsWith('/d1/f'));`);
    expect(r.stdout).toBe('dev,ino,mode,nlink,uid,gid,rdev,size,blocks,atime,mtime,ctime 0 5 true\n[null,2] [[],2]\n[".","..","f"] 0\n0 true ["f",0] true\n');
  });

  it('mkdir/rename/remove/utimes/getcwd/chdir return 0 or -errno', () => {
    const r = qjs(`print(os.mkdir('m'), os.mkdir('m'), os.rename('m', 'm2'), os.remove('m2'), os.remove('m2'));
      std.open('u', 'w').close(); print(os.utimes('u', 1000, 2000000), os.stat('u')[0].mtime);
      const [cwd, e] = os.getcwd(); print(e, os.chdir('/'), os.getcwd()[0], os.chdir(cwd), os.chdir('/nonexistent'));`);
    expect(r.stdout).toBe('0 -17 0 0 -2\n0 2000000\n0 0 / 0 -2\n');
  });
});

describe('os.exec, pipes, waitpid, popen', () => {
  it('blocking exec returns the exit code, -signal, or 127 when exec fails (the child _exit(127))', () => {
    const r = qjs(`print(os.exec(['true']), os.exec(['sh', '-c', 'exit 7']), os.exec(['sh', '-c', 'kill -TERM $$']), os.exec(['no-such-command-x']));
      print(os.exec(['sh', '-c', 'echo $0 $PWD $V'], { cwd: '/', env: { V: 'env' } }), os.exec(['true'], { usePath: false }), os.exec(['x'], { file: '/bin/true' }));`);
    expect(r.stdout).toBe('0 7 -15 127\nsh / env\n0 127 0\n');
  });

  it('exec with stdout into os.pipe, non-blocking, read to EOF, waitpid gives [pid, raw status] (js_os_waitpid)', () => {
    const r = qjs(`const [rd, wr] = os.pipe();
      const pid = os.exec(['sh', '-c', 'printf out; exit 3'], { block: false, stdout: wr }); os.close(wr);
      const f = std.fdopen(rd, 'r'); print(JSON.stringify(f.readAsString())); f.close();
      const [p, status] = os.waitpid(pid, 0); print(p === pid, status, status >> 8, JSON.stringify(os.waitpid(pid, 0)));`);
    expect(r.stdout).toBe('"out"\ntrue 768 3 [-10,0]\n');
  });

  it('a child reading a pipe starts when its write end is closed; WNOHANG before that gives [0, 0]', () => {
    const r = qjs(`const [inR, inW] = os.pipe(); const [outR, outW] = os.pipe();
      const pid = os.exec(['sh', '-c', 'tr a-z A-Z'], { block: false, stdin: inR, stdout: outW }); os.close(inR); os.close(outW);
      print(JSON.stringify(os.waitpid(pid, os.WNOHANG)));
      const msg = new Uint8Array([104, 101, 121]).buffer; os.write(inW, msg, 0, 3); os.close(inW);
      const buf = new ArrayBuffer(16); const n = os.read(outR, buf, 0, 16); print(n, String.fromCharCode(...new Uint8Array(buf, 0, n)), os.read(outR, buf, 0, 16));
      print(os.waitpid(pid, 0)[1]);`);
    expect(r.stdout).toBe('[0,0]\n3 HEY 0\n0\n');
  });

  it('popen: "r" reads the command output, "w" feeds its stdin, close returns the raw wait status', () => {
    const r = qjs(`const p = std.popen('echo hi; exit 2', 'r'); print(JSON.stringify(p.getline()), p.close());
      std.out.flush(); const w = std.popen('cat; exit 1', 'w'); w.puts('to cat\\n'); print(w.close());`);
    expect(r.stdout).toBe('"hi" 512\nto cat\n256\n');
  });

  it('setReadHandler fires for a pipe with data or at EOF, and the loop ends when handlers are gone (js_os_poll)', () => {
    const r = qjs(`const [rd, wr] = os.pipe(); os.exec(['sh', '-c', 'printf abc'], { block: false, stdout: wr }); os.close(wr);
      const buf = new ArrayBuffer(2);
      os.setReadHandler(rd, () => { const n = os.read(rd, buf, 0, 2); print('read', n); if (n === 0) { os.setReadHandler(rd, null); os.close(rd); } });
      print('registered');`);
    expect([r.status, r.stdout]).toEqual([0, 'registered\nread 2\nread 1\nread 0\n']);
  });

  it('kill of an exited child not yet waited for is 0 (a zombie); getpid, isatty, tmpfile, evalScript', () => {
    const r = qjs(`const pid = os.exec(['true'], { block: false }); print(os.kill(pid, os.SIGTERM), os.waitpid(pid, 0)[1], os.kill(999999, 0));
      print(os.getpid() > 1, os.isatty(0), os.ttyGetWinSize(0));
      const t = std.tmpfile(); t.puts('tmp'); t.flush(); print(t.tell()); t.close();
      print(std.evalScript('var evalScriptGlobal = 6 * 7; evalScriptGlobal'), typeof evalScriptGlobal);`);
    expect(r.stdout).toBe('0 0 -3\ntrue false null\n3\n42 number\n');
  });

  it('refuses loudly what would hang a real qjs: reading a pipe whose write end is still open', () => {
    const r = qjs(`const [rd, wr] = os.pipe(); os.exec(['true'], { block: false, stdout: wr }); const b = new ArrayBuffer(4); os.read(rd, b, 0, 4); print('not reached');`);
    expect(r.status).toBe(99);
    expect(r.stderr).toMatch(/^qjs-harness: refused: read from an empty pipe whose write end is still open/);
    expect(r.stdout).toBe('');
  });

  it('refuses what it cannot do faithfully rather than faking it: os.dup, seeking', () => {
    expect(qjs('os.dup(1)').stderr).toMatch(/refused: os\.dup is not emulated/);
    const r = qjs(`const fd = os.open('s', os.O_RDWR | os.O_CREAT); os.seek(fd, 4, std.SEEK_SET);`);
    expect([r.status, r.stderr]).toEqual([99, 'qjs-harness: refused: os.seek other than seek(fd, 0, SEEK_CUR): node has no lseek\n']);
  });
});

describe('scripts and modules (eval_file in qjs.c)', () => {
  it('a file starting with import is a module, importing std and os like qjs --std; a missing file is perror + exit 1', () => {
    const r = qjs(`import * as s from 'std';\nimport { getpid } from 'os';\ns.out.puts(String(s === std) + ' ' + (getpid() > 0) + '\\n');`);
    expect([r.stdout, r.stderr]).toEqual(['true true\n', '']);
    const m = runQjs(join(dir, 'absent.js'));
    expect([m.status, m.stderr]).toEqual([1, `${join(dir, 'absent.js')}: No such file or directory\n`]);
  });
});
