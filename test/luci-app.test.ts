// luci-app-netboot without a browser: every class file compiles the way
// LuCI's loader compiles it, the ACL grants exactly the ubus calls the views
// declare, the menu points at views that exist, and every translatable string
// is in the template and translated for zh_Hans.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBaseUrl, checkHostname, checkHttpBaseUrl, checkInt, checkIqn, checkMac, checkPort, checkServer, checkTftpFile, checkTftpRoot, checkUrl, type Checked } from '../src/config/values';
import { loadConfig } from '../src/config/load';
import { fixedImages, imageName, imageProblem } from '../src/ipxe/images';
import { textProblem } from '../src/ipxe/escape';
import {
  ACL_FILE,
  allTranslatables,
  APP,
  className,
  compileLikeLuci,
  jsFiles,
  MENU_FILE,
  parsePo,
  POT_FILE,
  requires,
  RESOURCES,
  rpcDeclarations,
  untranslatableCalls,
  ZH_PO_FILE,
} from './luci-source';

const read = (file: string) => readFileSync(join(APP, file), 'utf8');
const VIEWS = ['settings', 'targets', 'installers', 'hosts', 'status'];
// Classes luci-base ships (modules/luci-base/htdocs/luci-static/resources).
const LUCI_BASE_CLASSES = ['baseclass', 'dom', 'form', 'poll', 'rpc', 'tools.widgets', 'uci', 'ui', 'view'];

interface Acl {
  [group: string]: {
    description: string;
    read: { ubus?: Record<string, string[]>; uci?: string[]; [scope: string]: unknown };
    write: { ubus?: Record<string, string[]>; uci?: string[]; [scope: string]: unknown };
  };
}

const acl = () => JSON.parse(readFileSync(ACL_FILE, 'utf8')) as Acl;
const pairs = (ubus: Record<string, string[]> | undefined) => Object.entries(ubus ?? {}).flatMap(([o, ms]) => ms.map((m) => `${o}.${m}`));

describe('class files', () => {
  it('are the five views and the shared checks', () => {
    expect(jsFiles()).toEqual([
      'htdocs/luci-static/resources/netboot/validate.js',
      ...[...VIEWS].sort().map((v) => `htdocs/luci-static/resources/view/netboot/${v}.js`),
    ]);
  });

  it.each(jsFiles())('%s compiles as LuCI loads it', (file) => {
    const source = read(file);
    expect(source.startsWith("'use strict';\n")).toBe(true);
    expect(() => compileLikeLuci(source)).not.toThrow();
  });

  it.each(jsFiles())('%s requires only luci-base classes and the app’s own', (file) => {
    const own = jsFiles().map(className);
    for (const r of requires(read(file))) expect([...LUCI_BASE_CLASSES, ...own]).toContain(r.name);
  });

  it('a syntax error would be caught', () => {
    expect(() => compileLikeLuci("'use strict';\nreturn view.extend({ render() { return E('div' }});")).toThrow(SyntaxError);
  });

  it.each(VIEWS)('view/netboot/%s.js is a view', (v) => {
    const source = read(`htdocs/luci-static/resources/view/netboot/${v}.js`);
    expect(requires(source).map((r) => r.name)).toContain('view');
    expect(source).toMatch(/^return view\.extend\(\{$/m);
  });

  it('no _() call hides its text from the scanner', () => {
    expect(jsFiles().flatMap(untranslatableCalls)).toEqual([]);
  });
});

describe('menu.d', () => {
  const menu = () => JSON.parse(readFileSync(MENU_FILE, 'utf8')) as Record<string, { title: string; action: { type: string; path?: string }; depends?: { acl?: string[] } }>;

  it('puts the pages under Services → Network Boot, behind the app’s ACL', () => {
    const m = menu();
    expect(m['admin/services/netboot']).toMatchObject({ title: 'Network Boot', action: { type: 'firstchild' }, depends: { acl: ['luci-app-netboot'] } });
    expect(Object.keys(m)).toEqual(['admin/services/netboot', ...VIEWS.map((v) => `admin/services/netboot/${v}`)]);
  });

  it('every view action names an existing view file', () => {
    for (const node of Object.values(menu())) {
      if (node.action.type !== 'view') continue;
      expect(existsSync(join(RESOURCES, 'view', `${node.action.path}.js`))).toBe(true);
    }
  });
});

describe('ACL', () => {
  it('has one group, named like the package, with only read and write (all rpcd accepts)', () => {
    const a = acl();
    expect(Object.keys(a)).toEqual(['luci-app-netboot']);
    expect(Object.keys(a['luci-app-netboot']!).sort()).toEqual(['description', 'read', 'write']);
  });

  it('grants every rpc.declare of the views, and nothing more', () => {
    const declared = new Set(jsFiles().flatMap(rpcDeclarations).map((d) => `${d.object}.${d.method}`));
    const a = acl()['luci-app-netboot']!;
    expect(new Set([...pairs(a.read.ubus), ...pairs(a.write.ubus)])).toEqual(declared);
  });

  it('reads netboot and the router’s DHCP leases; writes only apply, task and wake', () => {
    const a = acl()['luci-app-netboot']!;
    expect(pairs(a.read.ubus).sort()).toEqual(
      ['luci-rpc.getDHCPLeases', ...['status', 'validate', 'plan', 'preview', 'clients', 'check', 'hosts'].map((m) => `netboot.${m}`)].sort(),
    );
    expect(pairs(a.write.ubus)).toEqual(['netboot.apply', 'netboot.task', 'netboot.wake']);
  });

  it('reads uci netboot, dhcp and network (Settings picks networks with LuCI’s NetworkSelect), writes only netboot, and has no file, exec or cgi-io scope', () => {
    const a = acl()['luci-app-netboot']!;
    expect(a.read.uci).toEqual(['netboot', 'dhcp', 'network']);
    expect(a.write.uci).toEqual(['netboot']);
    expect(Object.keys(a.read).sort()).toEqual(['ubus', 'uci']);
    expect(Object.keys(a.write).sort()).toEqual(['ubus', 'uci']);
  });

  it('the views use uci only for the packages the ACL names', () => {
    const packages = jsFiles().flatMap((file) =>
      [...read(file).matchAll(/uci\.\w+\(\s*(?:\[\s*)?'(\w+)'(?:\s*,\s*'(\w+)'\s*\])?/g)].flatMap((m) => m.slice(1).filter(Boolean)),
    );
    expect(new Set(packages)).toEqual(new Set(['netboot', 'dhcp']));
  });
});

describe('Settings', () => {
  // Every option netboot reads from netboot.main, found by handing loadConfig a section that notes each read.
  const readByNetboot = () => {
    const read = new Set<string>();
    const options = new (class extends Map<string, string> {
      override get(key: string) {
        read.add(key);
        return super.get(key);
      }
    })();
    loadConfig({ name: 'netboot', sections: [{ type: 'netboot', name: 'main', anonymous: false, options }] });
    return read;
  };
  const fields = () => {
    const source = read('htdocs/luci-static/resources/view/netboot/settings.js');
    return new Set([...source.matchAll(/taboption\('\w+', [\w.]+, '(\w+)'|\[ '(bootloader_\w+)', _\(/g)].map((m) => m[1] ?? m[2]!));
  };

  it('has a field for every option netboot reads in netboot.main, and none it does not read', () => {
    expect(fields()).toEqual(readByNetboot());
  });
});

describe('translations', () => {
  const used = allTranslatables();
  const ids = [...new Set(used.map((t) => t.msgid))].sort();
  const pot = () => parsePo(readFileSync(POT_FILE, 'utf8'));
  const zh = () => parsePo(readFileSync(ZH_PO_FILE, 'utf8'));

  it('finds the strings of every file', () => {
    expect(ids.length).toBeGreaterThan(100);
    expect(ids).toContain('Network Boot');
    expect(ids).toContain('Use a MAC address like 52:54:00:12:34:56');
  });

  it('the template holds exactly the strings in use', () => {
    expect(pot().map((e) => e.msgid).sort()).toEqual(ids);
  });

  it('the template’s references point at the lines that use them', () => {
    for (const e of pot()) {
      const at = new Set(used.filter((t) => t.msgid === e.msgid).map((t) => `${t.file}:${t.line}`));
      expect(e.references.sort(), e.msgid).toEqual([...at].sort());
    }
  });

  it('zh_Hans translates every string, none fuzzy', () => {
    const entries = zh();
    expect(entries.map((e) => e.msgid).sort()).toEqual(ids);
    for (const e of entries) {
      expect(e.msgstr, e.msgid).not.toBe('');
      expect(e.flags, e.msgid).not.toContain('fuzzy');
    }
  });

  it('zh_Hans keeps every placeholder and the literal syntax users must type', () => {
    for (const e of zh()) {
      const tokens = (s: string) => (s.match(/%[sdh]|\{mac\}|\{hostname\}|52:54:00:12:34:56|iqn\.[\w.-]+|https?:\/\/|tftp:\/\/|\/srv\/tftp|"[^"]*"/g) ?? []).sort();
      expect(tokens(e.msgstr), e.msgid).toEqual(tokens(e.msgid));
    }
  });

  it('zh_Hans declares UTF-8 and one plural form, as LuCI’s po files do', () => {
    const header = readFileSync(ZH_PO_FILE, 'utf8').split('\n\n')[0]!;
    expect(header).toContain('Content-Type: text/plain; charset=UTF-8');
    expect(header).toContain('Language: zh_Hans');
    expect(header).toContain('Plural-Forms: nplurals=1; plural=0;');
  });
});

describe('the form’s checks (netboot/validate.js) agree with netboot’s own', () => {
  type Check = (value: string) => true | string;
  let checks: Record<string, Check>;
  const proto = String.prototype as unknown as { format?: (...args: unknown[]) => string };

  beforeAll(() => {
    // What luci.js adds to strings; only %s and %d are used here.
    proto.format = function (this: string, ...args: unknown[]) {
      return this.replace(/%[sd]/g, () => String(args.shift()));
    };
    const source = read('htdocs/luci-static/resources/netboot/validate.js');
    const factory = new Function('window', 'document', 'L', 'baseclass', '_', source) as (...a: unknown[]) => Record<string, Check>;
    checks = factory({}, {}, {}, { extend: (o: object) => o }, (s: string) => s);
  });
  afterAll(() => {
    delete proto.format;
  });

  // netboot says '"v" is not allowed; use <allowed>': the form says 'Use <allowed>'.
  const same = (form: true | string, netboot: Checked<unknown>) =>
    netboot.ok ? expect(form).toBe(true) : expect(form).toBe(`Use ${netboot.allowed}`);

  it.each(['52:54:00:12:34:56', '52-54-00-AB-CD-EF', '01:00:5e:00:00:01', '00:00:00:00:00:00', '52:54:00:12:34', 'zz:54:00:12:34:56', '52:54:00:12:34:56:78'])(
    'MAC %s',
    (v) => same(checks.mac!(v), checkMac(v)),
  );

  it.each([
    'iqn.2000-01.com.synology:ds.ubuntu1', 'iqn.2010-04.org.ipxe:52-54-00-12-34-56', 'iqn.2000-13.com.x', 'iqn.2000-01.com.x:a b',
    'eui.0123456789ABCDEF', 'naa.0123456789abcdef', 'naa.0123', 'iqn.2000-01.-bad', `iqn.2000-01.com.x:${'a'.repeat(220)}`,
  ])('IQN %s', (v) => same(checks.iqn!(v), checkIqn(v)));

  it.each(['http://192.168.1.10/install/', 'https://nas/{arch}/x', 'tftp://10.0.0.1/a', 'ftp://nas/x', 'http://', 'http://nas/a b', 'http://nas/a,b', 'nas/x'])(
    'URL %s',
    (v) => same(checks.url!(v), checkUrl(v)),
  );

  it.each(['http://nas/install', 'http://nas/install/?x=1', 'http://nas/#x'])('folder URL %s', (v) => {
    const n = checkBaseUrl(v);
    expect(checks.baseUrl!(v)).toBe(n.ok ? true : `Use ${n.allowed}`);
  });

  it.each([
    'http://192.168.1.1/tftp/', 'https://router/tftp', 'HTTP://router/tftp/', 'tftp://192.168.1.1/', 'http://192.168.1.1/{arch}/', 'http://192.168.1.1/a,b/',
    'http://x/?a=1', 'http://x/#a', 'http://x/a b/', 'http://', 'router/tftp/',
  ])('boot URL %s', (v) => same(checks.bootUrl!(v), checkHttpBaseUrl(v)));

  it.each(['192.168.1.10', '[fe80::1]', 'nas.lan', '300.1.1.1', '1.2.3', 'bad_name', '-x'])('server %s', (v) => same(checks.server!(v), checkServer(v)));
  it.each(['desk', 'lab-pc.lan', 'bad_name', '-x'])('host name %s', (v) => same(checks.hostname!(v), checkHostname(v)));
  it.each(['0', '3260', '65535', '65536', '-1', 'x', '1.5'])('port %s', (v) => same(checks.port!(v), checkPort(v)));
  it.each(['0', '65535', '65536', 'one'])('LUN %s', (v) => same(checks.lun!(v), checkInt(v, 0, 65535, 'a LUN')));
  it.each(['0', '3600', '3601', '2.5'])('timeout %s', (v) => same(checks.timeout!(v), checkInt(v, 0, 3600, 'seconds (0 waits for a key)')));
  it.each(['/srv/tftp', 'srv/tftp', '/srv/../etc', '/', '/etc', '/www', '/etc/tftp', '//usr/./share/', '/tmp', '/tmp/tftp', '/mnt/sda1/tftp'])(
    'TFTP root %s',
    (v) => same(checks.tftpRoot!(v), checkTftpRoot(v)),
  );
  it.each(['http://nas/${x}/', 'http://nas/a$b', 'http://nas/a b'])('settings URL %s', (v) => {
    const p = textProblem(v);
    const n = checkBaseUrl(v);
    expect(checks.baseUrl!(v)).toBe(p ? p.replace(/^must/, 'Must') : n.ok ? true : `Use ${n.allowed}`);
  });

  // netboot says '"v" is not allowed: <problem>': the form says '<Problem>'.
  it.each([
    ['linux', 'initrd.gz', []], ['linux', '_fw.cpio', []], ['linux', 'x/{arch}.gz', []], ['linux', 'a%20b.img?x', []], ['linux', 'dir/', []],
    ['linux', 'b/initrd.gz', ['a/initrd.gz']], ['debian-installer', 'x/nb-kernel', []], ['windows', 'drivers/boot.wim', []], ['windows', 'BCD', ['x']], ['iso', 'nb-kernel', []],
  ] as const)('a %s installer’s file %s beside %j', (kind, v, others) => {
    const p = imageProblem(v, [...fixedImages(kind), ...others.map(imageName)]);
    expect((checks as unknown as { image(v: string, k: string, o: readonly string[]): true | string }).image(v, kind, others)).toBe(p === undefined ? true : p[0]!.toUpperCase() + p.slice(1));
  });
  it.each(['undionly.kpxe', 'arm64/snponly.efi', '../x', 'a,b', 'a b'])('TFTP file %s', (v) => same(checks.tftpFile!(v), checkTftpFile(v)));

  it.each(['Ubuntu 18.04', 'Ubuntu 中文', 'a\tb', 'x ${y}', 'a #b', 'a || b', 'a ; b', 'ends\\', 'ends$', 'fine#hash'])('text %s', (v) => {
    const p = textProblem(v);
    const form = checks.text!(v);
    if (p === undefined) expect(form).toBe(true);
    else expect(form).toBe(p.replace(/^must/, 'Must'));
  });

  it('an empty field is an unset option, accepted by every value check', () => {
    for (const name of ['mac', 'iqn', 'iqnTemplate', 'url', 'baseUrl', 'bootUrl', 'server', 'hostname', 'port', 'lun', 'timeout', 'tftpRoot', 'tftpFile', 'text']) {
      expect(checks[name]!(''), name).toBe(true);
    }
  });
});
