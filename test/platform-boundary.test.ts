// The engine boundary (docs/engines.md): only src/platform touches node, and
// what replaced node's modules in the core (paths, URLs) answers as node did.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkUrl, joinUrl } from '../src/config/values';
import { basename, dirname, join as joinPath, normalize, resolve as resolvePath } from '../src/fs/path';
import { random } from './helpers/random';

const SRC = resolve(__dirname, '../src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
const sources = files(SRC).map((f) => ({ path: relative(SRC, f), text: readFileSync(f, 'utf8') }));

// Only code reached through nodeOnly() or on a `platform.net` branch may use
// node's globals: the native ubus client, the probes of `check` and
// `bootloaders install` (their qjs branches use src/tools), the iSCSI socket.
const NODE_ONLY = ['platform/', 'ubus/', 'check/probes.ts', 'iscsi/socket.ts', 'bootloaders/'];

describe('the engine boundary', () => {
  it('node:* and tftp are imported only in src/platform/node*.ts (type-only imports aside)', () => {
    const offenders = sources.flatMap(({ path, text }) =>
      [...text.matchAll(/^import (?!type )[^;]*from '(node:[^']+|tftp[^']*)'|require\('(node:[^']+|tftp[^']*)'\)|(?<!typeof )import\('(node:[^']+|tftp[^']*)'\)/gm)]
        .filter(() => !/^platform\/node[^/]*\.ts$/.test(path))
        .map((m) => `${path}: ${m[0]}`),
    );
    expect(offenders).toEqual([]);
  });

  it('outside node-only code, no global QuickJS lacks: process, Buffer, require, URL, TextEncoder, timers, Intl', () => {
    const GLOBALS = /\b(process\.|Buffer\.|require\(|new URL\(|URLSearchParams|TextEncoder|TextDecoder|setTimeout\(|setInterval\(|setImmediate\(|queueMicrotask\(|structuredClone\(|Intl\.|__dirname|__filename|globalThis\.)/;
    const offenders = sources
      .filter(({ path }) => !NODE_ONLY.some((p) => path.startsWith(p)))
      .flatMap(({ path, text }) =>
        text
          .split('\n')
          .map((line, i) => [line.replace(/\/\/.*$|^\s*\*.*$/, ''), i] as const)
          .filter(([line]) => GLOBALS.test(line))
          .map(([line, i]) => `${path}:${i + 1}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe('src/fs/path answers as node:path (posix) does', () => {
  it('normalize, join, dirname, basename and resolve on 20,000 seeded random paths', () => {
    const r = random(11);
    const atoms = ['', '/', '//', '.', '..', 'a', 'b', '.x', 'a/', '/a', '../', './', '...'];
    const path = () => Array.from({ length: 1 + r.int(4) }, () => r.pick(atoms)).join('');
    const differ: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const [a, b] = [path(), path()];
      const pairs: [string, string, string][] = [
        ['normalize', normalize(a), posix.normalize(a)],
        ['join', joinPath(a, b), posix.join(a, b)],
        ['dirname', dirname(a), posix.dirname(a)],
        ['basename', basename(a), posix.basename(a)],
        ['resolve', resolvePath('/cwd/x', a), posix.resolve('/cwd/x', a)],
      ];
      for (const [f, ours, node] of pairs) if (ours !== node) differ.push(`${f}(${JSON.stringify(a)}, ${JSON.stringify(b)}): ${ours} != ${node}`);
    }
    expect(differ.slice(0, 10)).toEqual([]);
  });
});

describe('URLs are judged as the WHATWG URL parser judges them (node\'s URL, which the LuCI form uses)', () => {
  // The check as it was before QuickJS, on node's URL.
  const whatwg = (s: string) => {
    if (/[\s,]/.test(s)) return false;
    try {
      const u = new URL(s.replaceAll('{arch}', 'arch'));
      return ['http:', 'https:', 'tftp:'].includes(u.protocol) && !!u.hostname;
    } catch {
      return false;
    }
  };

  it('agrees on 50,000 seeded random URLs (hosts, ports, userinfo, IPv4 and IPv6 forms, escapes)', () => {
    const r = random(7);
    const schemes = ['http://', 'HTTPS://', 'tftp://', 'ftp://', 'Tftp://', 'file://', 'x-y://'];
    const atoms = ['nas', 'a', '1', '0x1f', '08', '010', '256', '255', '.', '-', '_', '@', ':', '::', '[', ']', '[::1]', '[fe80::1]', '[1:2:3:4:5:6:7:8]', '[::ffff:1.2.3.4]', '[1::2::3]', '%41', '%', '%zz', '/', '?', '#', '\\', '{arch}', '!', '~', '*', "'", '65535', '65536', ':80', 'user:pw@', '^', '|', '<', '$', '=', '+'];
    const differ: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 50_000; i++) {
      const url = r.pick(schemes) + Array.from({ length: 1 + r.int(5) }, () => r.pick(atoms)).join('');
      // Narrower on purpose: WHATWG skips any slashes after a special scheme's "//"; iPXE would see an empty host.
      if (/^[a-z]+:\/\/[/\\]/i.test(url)) continue;
      const ours = checkUrl(url).ok;
      if (ours) accepted++;
      if (ours !== whatwg(url)) differ.push(`${url}: ours ${ours}, WHATWG ${!ours}`);
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(accepted).toBeGreaterThan(5_000);
  });

  it('the cases that matter, and the ones where netboot is narrower', () => {
    for (const ok of ['http://192.168.1.10/install/', 'https://nas:8443/x?y#z', 'tftp://10.0.0.1/a', 'http://user:pw@nas/', 'http://[fe80::1]:80/', 'http://nas.lan./{arch}/'])
      expect(checkUrl(ok).ok, ok).toBe(true);
    for (const no of ['http://', 'ftp://nas/x', 'http://nas:99999/', 'http://1.2.3.999/', 'http://nas/a b', 'http:///nas/', 'http:nas/x', 'tftp:///x', 'http://ná.lan/'])
      expect(checkUrl(no).ok, no).toBe(false);
  });

  it('joins a /path to the server part of the base as written, tftp included (node gave "null/x" for tftp)', () => {
    expect(joinUrl('http://nas:8080/install/', '/x/y')).toBe('http://nas:8080/x/y');
    expect(joinUrl('tftp://10.0.0.1/i/', '/x')).toBe('tftp://10.0.0.1/x');
    expect(joinUrl('http://u:p@nas/i/', '/x')).toBe('http://u:p@nas/x');
    expect(joinUrl('http://nas/i/', 'a/b')).toBe('http://nas/i/a/b');
  });
});
