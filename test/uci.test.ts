import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonymousName,
  editUci,
  parseUci,
  quoteUci,
  serializeSection,
  serializeUci,
  UciParseError,
  type UciPackage,
  type UciSection,
  type UciValue,
} from '../src/uci';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures/uci', name), 'utf8');
const FIXTURES = ['dhcp-23.05', 'dhcp-24.10', 'network-23.05', 'network-24.10', 'dhcp-edited'];

/** A section as [type, name (prefixed `@` when anonymous), options] for compact expectations. */
type Brief = [string, string, Record<string, UciValue>];
const brief = (pkg: UciPackage): Brief[] =>
  pkg.sections.map((s) => [s.type, (s.anonymous ? '@' : '') + s.name, Object.fromEntries(s.options)]);
const read = (text: string) => brief(parseUci(text, 'x'));

function section(type: string, name: string, options: Record<string, UciValue>): UciSection {
  return { type, name, anonymous: false, options: new Map(Object.entries(options)) };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Deterministic generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const string = (pool: readonly string[], max: number) => Array.from({ length: int(max + 1) }, () => pick(pool)).join('');
  return { next, int, pick, string };
}

/*
 * Every row was checked against the uci CLI built from openwrt/uci 66127cd;
 * the `real uci` block below re-checks them when OWRT_PREFIX is set.
 */
const GRAMMAR: [string, string, Brief[]][] = [
  ['long keywords', "config t 'n'\n\toption a 1\n\tlist l x\n", [['t', 'n', { a: '1', l: ['x'] }]]],
  ['one-letter keywords', 'c t n\n o a 1\n l l x\n', [['t', 'n', { a: '1', l: ['x'] }]]],
  ['package statement is checked, then ignored', 'package other\nconfig t n\n', [['t', 'n', {}]]],
  ['`;` after a space separates commands', 'config t n ; option a 1 ; list l x\n', [['t', 'n', { a: '1', l: ['x'] }]]],
  ['`;` right after a quoted word separates commands', "config t n\n\toption a 'b'; option c d\n", [['t', 'n', { a: 'b', c: 'd' }]]],
  // uci NUL-terminates the unquoted word on top of the `;`, hiding the rest of the line.
  ['`;` right after an unquoted word ends the line', 'config t n\n\toption a b; option c d\n', [['t', 'n', { a: 'b' }]]],
  ['an anonymous section needs `\'\'` before `;`', "config t '' ; option a 1\n", [['t', '@' + anonymousName(1, 't'), { a: '1' }]]],
  [
    'comments: whole line, after a command, inside an unquoted word, not inside quotes',
    "# head\nconfig t n # note\n\toption a b#c\n\toption d 'e#f'\n  # indented\n\t#option g h\n",
    [['t', 'n', { a: 'b', d: 'e#f' }]],
  ],
  ['single quotes are literal and span lines', "config t n\n\toption a 'x\\y\"z'\n\toption b 'one\ntwo'\n", [['t', 'n', { a: 'x\\y"z', b: 'one\ntwo' }]]],
  [
    'double quotes: backslash keeps the next character, backslash-newline joins lines',
    'config t n\n\toption a "q\\"b\\\\c\\nd"\n\toption b "ab\\\ncd"\n\toption c "l1\nl2"\n',
    [['t', 'n', { a: 'q"b\\cnd', b: 'abcd', c: 'l1\nl2' }]],
  ],
  ['unquoted backslash escapes one character', "config t n\n\toption a x\\ y\\'z\\#\n", [['t', 'n', { a: "x y'z#" }]]],
  ['adjacent pieces concatenate', "config t n\n\toption a 'a'\"b\"c'd'\n", [['t', 'n', { a: 'abcd' }]]],
  ['tabs and several spaces separate', 'config\tt\t\tn\n\toption  \t a\t\t1\n', [['t', 'n', { a: '1' }]]],
  [
    'a repeated name reopens the section where it first was',
    'config t n\n\toption a 1\nconfig t m\nconfig t n\n\toption b 2\n',
    [['t', 'n', { a: '1', b: '2' }], ['t', 'm', {}]],
  ],
  ['a later option wins, in the first position', 'config t n\n\toption a 1\n\toption b 2\n\toption a 3\n', [['t', 'n', { a: '3', b: '2' }]]],
  ['list after option keeps the option as first item', 'config t n\n\toption a x\n\tlist a y\n\toption b z\n', [['t', 'n', { a: ['x', 'y'], b: 'z' }]]],
  ['option after list replaces the list', 'config t n\n\tlist a x\n\tlist a y\n\toption a z\n', [['t', 'n', { a: 'z' }]]],
  ['an empty option is ignored and deletes nothing', "config t n\n\toption a ''\n\toption b 1\n\toption b ''\n\toption c\n", [['t', 'n', { b: '1' }]]],
  ['a list keeps empty items', "config t n\n\tlist a ''\n\tlist a\n", [['t', 'n', { a: ['', ''] }]]],
  ['CRLF line ends', "config t n\r\n\toption a 'b'\r\n\toption c d\r\n", [['t', 'n', { a: 'b', c: 'd' }]]],
  ['a quoted CRLF stays in the value', "config t n\r\n\toption a 'x\r\ny'\r\n", [['t', 'n', { a: 'x\r\ny' }]]],
  ['no newline at the end', 'config t n\n\toption a b', [['t', 'n', { a: 'b' }]]],
  ['a backslash at the very end', 'config t n\n\toption a b\\', [['t', 'n', { a: 'b' }]]],
  ['types may use any printable ASCII', "config 'my-type.x!'\n", [['my-type.x!', '@' + anonymousName(1, 'my-type.x!'), {}]]],
  [
    'anonymous names count every section before them',
    "config dnsmasq\nconfig interface 'loopback'\nconfig globals g\nconfig device\nconfig dhcp lan\nconfig dhcp\n",
    [
      ['dnsmasq', '@cfg01411c', {}],
      ['interface', 'loopback', {}],
      ['globals', 'g', {}],
      ['device', '@cfg040f15', {}],
      ['dhcp', 'lan', {}],
      ['dhcp', '@cfg06ad04', {}],
    ],
  ],
  [
    'naming an anonymous section by its generated name reopens it',
    `config t\nconfig t '${anonymousName(1, 't')}'\n\toption a 1\n`,
    [['t', '@' + anonymousName(1, 't'), { a: '1' }]],
  ],
  ['empty and blank files', ' \n\t\n\n', []],
];

/** [text, uci's reason, line, column] */
const ERRORS: [string, string, number, number][] = [
  ['option a b\n', 'option/list command found before the first section', 1, 1],
  ['config t n\n\toption a-b c\n', 'invalid character in name field', 2, 9],
  ["config t 'a b'\n", 'invalid character in name field', 1, 10],
  ["config 'a b'\n", 'invalid character in type field', 1, 8],
  ['config t n\nconfig u n\n', 'section of different type overwrites prior section with same name', 2, 8],
  ["config t n\n\toption a 'b\n", "EOF with unterminated '", 2, 11],
  ['config t n\n\toption a "b\n\n', 'EOF with unterminated "', 2, 11],
  ['config t n\n\toption a b c\n', 'too many arguments', 2, 13],
  ['config t n\n\toption a b\\\n  c\n', 'too many arguments', 3, 3],
  ['config t ; option a 1\n', 'too many arguments', 1, 12],
  ['config\n', 'invalid command', 1, 1],
  ['config', 'config without name', 1, 1],
  ['config t n\n\tlist', 'option without name', 2, 2],
  ["config t n\n\toption ''\n", 'insufficient arguments', 2, 12],
  ['package a.b\n', 'invalid character in name field', 1, 9],
  ['config t\n\tbogus x\n', 'invalid command', 2, 2],
  ['config\vt\n', 'invalid command', 1, 1],
  ['config t\0\n', 'NUL character', 1, 9],
];

describe('parseUci: grammar', () => {
  it.each(GRAMMAR)('%s', (_title, text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each(ERRORS)('rejects %j: %s', (text, reason, line, column) => {
    const error = thrown(() => parseUci(text, 'x'));
    expect(error).toBeInstanceOf(UciParseError);
    expect(error).toMatchObject({ reason, line, column, message: `x: line ${line}, column ${column}: ${reason}` });
  });

  it('refuses package names uci would refuse', () => {
    expect(() => parseUci('', 'a/b')).toThrow(RangeError);
    expect(parseUci('', 'my-pkg_1')).toEqual({ name: 'my-pkg_1', sections: [] });
  });

  it('either parses or throws UciParseError on random bytes, quickly', () => {
    const r = random(7);
    const tokens = ['config ', 'option ', 'list ', 'package ', "'", '"', '\\', ';', '#', '\n', '\t', ' '];
    const pool = [...Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)), ...tokens];
    for (let i = 0; i < 3000; i++) {
      const text = r.string(pool, 120);
      try {
        parseUci(text, 'x');
      } catch (e) {
        if (!(e instanceof UciParseError)) throw new Error(`case ${i} ${JSON.stringify(text)}: ${String(e)}`);
        expect(e.line).toBeGreaterThanOrEqual(1);
      }
    }
  });
});

describe('parseUci: OpenWrt default files', () => {
  it('23.05 /rom dhcp (tabs, unquoted values, comments)', () => {
    const pkg = parseUci(fixture('dhcp-23.05'), 'dhcp');
    expect(pkg.sections.map((s) => `${s.type}:${s.name}:${s.anonymous}`)).toEqual([
      'dnsmasq:cfg01411c:true',
      'dhcp:lan:false',
      'dhcp:wan:false',
      'odhcpd:odhcpd:false',
    ]);
    const dnsmasq = pkg.sections[0]!.options;
    expect(dnsmasq.get('filterwin2k')).toBe('0');
    expect(dnsmasq.get('local')).toBe('/lan/');
    expect(dnsmasq.has('rebind_domain')).toBe(false);
    expect(dnsmasq.size).toBe(20);
    expect(Object.fromEntries(pkg.sections[1]!.options)).toEqual({ interface: 'lan', start: '100', limit: '150', leasetime: '12h' });
  });

  it('24.10 dhcp as uci commit leaves it', () => {
    const text = fixture('dhcp-24.10');
    const pkg = parseUci(text, 'dhcp');
    expect(pkg.sections[1]!.options.get('ra_flags')).toEqual(['managed-config', 'other-config']);
    expect(serializeUci(pkg)).toBe(text);
  });

  it.each(['network-23.05', 'network-24.10'])('%s names its bridge device cfg030f15, as `uci show` does', (file) => {
    const text = fixture(file);
    const pkg = parseUci(text, 'network');
    expect(pkg.sections.map((s) => s.name)).toEqual(['loopback', 'globals', 'cfg030f15', 'lan', 'wan', 'wan6']);
    expect(pkg.sections[2]).toMatchObject({ type: 'device', anonymous: true });
    expect(serializeUci(pkg)).toBe(text);
  });

  it.each(FIXTURES)('%s: spans cover each section and nothing else', (file) => {
    const text = fixture(file);
    const pkg = parseUci(text, 'x');
    let last = 0;
    for (const s of pkg.sections) {
      const { start, end } = s.span!;
      expect(start).toBeGreaterThanOrEqual(last);
      // What lies between sections holds no commands.
      expect(parseUci(text.slice(last, start), 'x').sections).toEqual([]);
      const own = parseUci(text.slice(start, end), 'x').sections;
      expect(own.map((o) => [o.type, o.options])).toEqual([[s.type, s.options]]);
      last = end;
    }
  });
});

describe('anonymousName', () => {
  it('matches names uci gives on real routers', () => {
    expect(anonymousName(1, 'dnsmasq')).toBe('cfg01411c');
    expect(anonymousName(3, 'device')).toBe('cfg030f15');
    expect(anonymousName(6, 'dhcp')).toBe('cfg06ad04');
  });

  it('widens the index past 255 as printf %02x does', () => {
    expect(anonymousName(256, 'dnsmasq')).toBe('cfg100411c');
  });
});

describe('serializeUci', () => {
  it('writes exactly what uci commit writes', () => {
    const pkg: UciPackage = {
      name: 'x',
      sections: [
        { type: 'dnsmasq', name: 'ignored', anonymous: true, options: new Map([['a', "it's"]]) },
        section('host', 'h1', { mac: 'aa', tag: ['x', ''], empty: '', none: [] }),
      ],
    };
    expect(serializeUci(pkg)).toBe("\nconfig dnsmasq\n\toption a 'it'\\''s'\n\nconfig host 'h1'\n\toption mac 'aa'\n\tlist tag 'x'\n\tlist tag ''\n\n");
    expect(serializeUci({ name: 'x', sections: [] })).toBe('\n');
  });

  it('quotes like uci export', () => {
    expect(quoteUci("it's")).toBe("'it'\\''s'");
    expect(quoteUci('')).toBe("''");
  });

  it.each([
    ['a type uci would write unreadably', { type: "a'b", name: 'n', anonymous: false }],
    ['a bad section name', { type: 't', name: 'a-b', anonymous: false }],
    ['a bad option name', { type: 't', name: 'n', anonymous: false, options: new Map([['a.b', 'v']]) }],
    ['a NUL in a value', { type: 't', name: 'n', anonymous: false, options: new Map([['a', 'x\0']]) }],
  ])('refuses %s', (_title, s) => {
    expect(() => serializeSection({ options: new Map(), ...s })).toThrow(RangeError);
  });

  it('refuses two sections of one name', () => {
    expect(() => serializeUci({ name: 'x', sections: [section('t', 'n', {}), section('t', 'n', {})] })).toThrow(RangeError);
  });

  const NASTY = ["'", '"', '\\', '$', '#', ';', '\n', '\t', '\r', ' ', "'\\''", '\\\n', 'é', '😀', '${x}', 'a', 'Z'];
  it('reads back nasty values', () => {
    const values = [...NASTY, NASTY.join(''), "''", '\\', ' lead', 'trail ', '#start', ';start'];
    const s = section('t', 'n', Object.fromEntries(values.map((v, i) => [`o${i}`, v])));
    s.options.set('l', ['', ...values]);
    expect(read(serializeUci({ name: 'x', sections: [s] }))).toEqual([['t', 'n', Object.fromEntries(s.options)]]);
  });

  it('reads back a few hundred random packages', () => {
    const r = random(42);
    for (let i = 0; i < 300; i++) {
      const sections: UciSection[] = Array.from({ length: r.int(5) }, (_, k) => {
        const options = new Map<string, UciValue>();
        for (let k = r.int(6); k > 0; k--) {
          const value = r.string(NASTY, 6);
          options.set(`o_${r.int(9)}`, r.next() < 0.3 ? Array.from({ length: 1 + r.int(3) }, () => r.string(NASTY, 3)) : value || 'x');
        }
        return { type: r.pick(['dnsmasq', 'host', 'my-type.1', 'T']), name: `s${k}`, anonymous: r.next() < 0.4, options };
      });
      const text = serializeUci({ name: 'x', sections });
      const back = parseUci(text, 'x').sections;
      expect(back.map((s) => [s.type, s.anonymous, s.anonymous || s.name, s.options]), text).toEqual(
        sections.map((s) => [s.type, s.anonymous, s.anonymous || s.name, s.options]),
      );
      expect(serializeUci({ name: 'x', sections: back })).toBe(text);
    }
  });
});

describe('editUci', () => {
  const text = fixture('dhcp-edited');
  const spans = new Map(parseUci(text, 'dhcp').sections.map((s) => [s.name, s.span!]));
  const bios = section('boot', 'netboot_bios', { filename: 'ipxe/undionly.kpxe', serveraddress: '192.168.1.1', force: '1' });

  it('replaces a section in place and leaves every other byte alone', () => {
    const { start, end } = spans.get('netboot_bios')!;
    const out = editUci(text, 'dhcp', { set: [bios] });
    expect(out).toBe(text.slice(0, start) + serializeSection(bios) + text.slice(end));
    // The comment above the section belongs to the gap, so it stays.
    expect(out).toContain('# bootloader for BIOS clients (netboot owns this section)\nconfig boot');
  });

  it('replaces a section written on one line with `;`', () => {
    const wan = section('dhcp', 'wan', { interface: 'wan', ignore: '1', dhcpv6: 'disabled' });
    const { start, end } = spans.get('wan')!;
    expect(editUci(text, 'dhcp', { set: [wan] })).toBe(text.slice(0, start) + serializeSection(wan) + text.slice(end));
  });

  it('removes sections with the blank lines after them', () => {
    const out = editUci(text, 'dhcp', { remove: ['netboot_ipxe', 'netboot_efi', 'absent'] });
    const ipxe = spans.get('netboot_ipxe')!;
    const efi = spans.get('netboot_efi')!;
    expect(out).toBe(text.slice(0, ipxe.start) + text.slice(ipxe.end + 1, efi.start) + text.slice(efi.end + 1));
    expect(parseUci(out, 'dhcp').sections.map((s) => s.name)).toEqual(['cfg01411c', 'lan', 'wan', 'cfg04fe63', 'netboot_bios', 'nas']);
  });

  it('appends new sections after one blank line, in uci style', () => {
    const a = section('tag', 'netboot_a', { dhcp_option: ['66,x'] });
    const b = section('tag', 'netboot_b', { force: '1' });
    const out = editUci(text, 'dhcp', { set: [a, b] });
    expect(out).toBe(`${text}\n${serializeSection(a)}\n${serializeSection(b)}`);
    // A file that already ends in a blank line keeps that ending; one that lacks its last newline gets it.
    expect(editUci('config t n\n\n', 'x', { set: [a] })).toBe(`config t n\n\n${serializeSection(a)}\n`);
    expect(editUci('config t n', 'x', { set: [a] })).toBe(`config t n\n\n${serializeSection(a)}`);
    expect(editUci('', 'x', { set: [a] })).toBe(`\n${serializeSection(a)}`);
  });

  it('is idempotent', () => {
    const once = editUci(text, 'dhcp', { set: [bios, section('tag', 'netboot_new', { force: '1' })], remove: ['netboot_efi'] });
    expect(editUci(once, 'dhcp', { set: [bios, section('tag', 'netboot_new', { force: '1' })], remove: ['netboot_efi'] })).toBe(once);
  });

  it('keeps odd formatting and CRLF in untouched sections', () => {
    const odd = "config t a # c\r\n\toption x 'multi\r\nline' ; list y \"q\\\"\"\r\n\r\nconfig t b\r\n\toption z 1\r\n";
    const out = editUci(odd, 'x', { set: [section('t', 'b', { z: '2' })] });
    expect(out).toBe("config t a # c\r\n\toption x 'multi\r\nline' ; list y \"q\\\"\"\r\n\r\nconfig t 'b'\n\toption z '2'\n");
  });

  it.each([
    ['a section repeated further down', 'config t a\nconfig t b\nconfig t a\n', { remove: ['a'] }],
    ['a section sharing a line', "config t a ; config t b\n", { set: [section('t', 'b', {})] }],
    ['a package command on the section line', "package x ; config t a\n", { remove: ['a'] }],
    ['an anonymous section', '', { set: [{ type: 't', name: 'n', anonymous: true, options: new Map() }] }],
    ['a name both set and removed', '', { set: [section('t', 'a', {})], remove: ['a'] }],
    ['a name set twice', '', { set: [section('t', 'a', {}), section('t', 'a', {})] }],
  ])('refuses %s', (_title, input, edits) => {
    expect(() => editUci(input, 'x', edits)).toThrow(RangeError);
  });

  it('refuses an edit uci would read differently', () => {
    // Removing `a` renumbers the anonymous section to the name the last one
    // has, so uci would merge the two.
    const tricky = `config x a\nconfig t\nconfig t '${anonymousName(1, 't')}'\n\toption o 1\n`;
    expect(read(tricky)).toHaveLength(3);
    expect(() => editUci(tricky, 'x', { remove: ['a'] })).toThrow(/would change/);
  });

  it('throws UciParseError for a file uci cannot read', () => {
    expect(() => editUci('config t n\n\toption a b c\n', 'x', { remove: ['n'] })).toThrow(UciParseError);
  });
});

/*
 * Differential checks against the real uci CLI. Build openwrt/uci outside this
 * repository and point OWRT_PREFIX at its install prefix ($OWRT_PREFIX/bin/uci).
 */
const prefix = process.env.OWRT_PREFIX;
describe.skipIf(!prefix)('real uci (skipped: set OWRT_PREFIX to a build of openwrt/uci to run)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-uci-'));
    for (const sub of ['conf', 'conf2', 'save']) mkdirSync(join(dir, sub));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const uci = (args: string[], input?: string) =>
    execFileSync(`${prefix}/bin/uci`, ['-c', join(dir, 'conf'), '-C', join(dir, 'conf2'), '-t', join(dir, 'save'), ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });

  /** `uci export` of our model: unescaped type as uci writes it, names of anonymous sections if `named`. */
  const exportOf = (pkg: UciPackage, named: boolean) =>
    `package x\n${pkg.sections
      .map((s) => {
        const head = `\nconfig ${s.type.replaceAll("'", "'\\''")}${!s.anonymous || named ? ` ${quoteUci(s.name)}` : ''}\n`;
        const body = [...s.options].flatMap(([k, v]) =>
          typeof v === 'string' ? [`\toption ${k} ${quoteUci(v)}\n`] : v.map((item) => `\tlist ${k} ${quoteUci(item)}\n`),
        );
        return head + body.join('');
      })
      .join('')}\n`;

  /** What uci makes of a file: its export with and without generated names, or its parse error. */
  function theirs(text: string): string {
    writeFileSync(join(dir, 'conf', 'x'), text);
    try {
      return uci(['-n', 'export', 'x']) + uci(['-N', 'export', 'x']);
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr);
      return `error: ${/Parse error \((.*)\) at line/.exec(stderr)?.[1] ?? stderr}`;
    }
  }
  function ours(text: string): string {
    try {
      const pkg = parseUci(text, 'x');
      return exportOf(pkg, true) + exportOf(pkg, false);
    } catch (e) {
      if (e instanceof UciParseError) return `error: ${e.reason}`;
      throw e;
    }
  }

  it.each([...GRAMMAR.map((g) => g[1]), ...ERRORS.filter((e) => !e[0].includes('\0')).map((e) => e[0]), ...FIXTURES.map(fixture)])(
    'reads %j as uci does',
    (text) => {
      expect(ours(text)).toBe(theirs(text));
    },
  );

  it('reads generated files as uci does, and writes them as uci commit does', () => {
    const r = random(2024);
    const ws = () => r.pick([' ', '\t', ' \t', '  ']);
    const piece = () =>
      r.pick([
        () => `'${r.string(['a', ' ', '"', '\\', '#', ';', '\n', 'é'], 4)}'`,
        () => `"${r.string(['a', ' ', "'", '\\\\', '\\"', '\\\n', '#', ';', '\n'], 4)}"`,
        () => r.string(['a', 'b', '_', '-', '.', '$', '\\', '\\ ', '#', ';', "'x'"], 4),
        () => r.pick(["''", '""', ';', '#c', '\\', '\\\n', '\\\r\n', "'a\nb'", 'x;', "'x';", 'lan', 'cfg01411c']),
      ])();
    const word = () => piece() + (r.next() < 0.25 ? piece() : '');
    const line = (first: boolean) => {
      const tail = r.next() < 0.15 ? r.pick([' # c', '#c', ' ; option q 1', '; option q 1', ' ; list q 2', ' ;', '\\']) : '';
      if (first || r.next() < 0.2) {
        const name = r.next() < 0.5 ? ws() + r.pick(['lan', "'wan'", '"x"', "''", 'cfg01411c', 'n1', word()]) : '';
        return `${r.pick(['config', 'c'])}${ws()}${r.pick(['dnsmasq', 'dhcp', 'host', word()])}${name}${tail}`;
      }
      const keyword = r.pick(['option', 'list', 'o', 'l', 'package', 'bogus', '#', '']);
      const args = Array.from({ length: r.int(3) }, () => ws() + word()).join('');
      return `${r.next() < 0.5 ? '\t' : ''}${keyword}${ws()}${r.pick(['a', 'b', 'ra', word()])}${args}${tail}`;
    };
    let parsed = 0;
    for (let i = 0; i < 400; i++) {
      const eol = r.next() < 0.2 ? '\r\n' : '\n';
      const text = Array.from({ length: 1 + r.int(7) }, (_, k) => line(k === 0)).join(eol) + (r.next() < 0.8 ? eol : '');
      expect(ours(text), JSON.stringify(text)).toBe(theirs(text));
      let written: string;
      try {
        written = serializeUci(parseUci(text, 'x'));
      } catch {
        continue;
      }
      parsed++;
      // `uci import` without -m rewrites the file through uci's commit path.
      uci(['import', 'x'], text);
      expect(readFileSync(join(dir, 'conf', 'x'), 'utf8'), JSON.stringify(text)).toBe(written);
    }
    expect(parsed).toBeGreaterThan(50);
  });
});

describe('editUci options: single option lines in a section that otherwise stays as it is', () => {
  const text = "# top\nconfig dnsmasq\n\toption domainneeded '1'\n\t# keep me\n\toption tftp_root '/old'\n\nconfig dhcp 'lan'\n\toption interface 'lan'\n";
  const anon = parseUci(text, 'dhcp').sections[0].name;

  it('replaces, appends and deletes only those lines, comments kept', () => {
    const out = editUci(text, 'dhcp', { options: { [anon]: { tftp_root: '/srv/tftp', enable_tftp: '1' } } });
    expect(out).toBe("# top\nconfig dnsmasq\n\toption domainneeded '1'\n\t# keep me\n\toption tftp_root '/srv/tftp'\n\toption enable_tftp '1'\n\nconfig dhcp 'lan'\n\toption interface 'lan'\n");
    const back = editUci(out, 'dhcp', { options: { [anon]: { tftp_root: '/old', enable_tftp: undefined } } });
    expect(back).toBe(text);
  });

  it('refuses an unknown section and a section edited twice', () => {
    expect(() => editUci(text, 'dhcp', { options: { nope: { a: 'b' } } })).toThrow(RangeError);
    expect(() => editUci(text, 'dhcp', { remove: ['lan'], options: { lan: { a: 'b' } } })).toThrow(RangeError);
  });
});
