// npm run package: the .ipk files, unpacked and checked against what opkg
// and OpenWrt's package-pack.mk / ipkg-build expect.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QJS_CLI } from './helpers/qjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, packageInto, pkg, readIpk, release, ROOT, VERSION, type Ipk } from './package-archive';

// Paths the netboot package must carry, with their modes.
const REQUIRED: [string, number][] = [
  ['/usr/bin/netboot', 0o755],
  ['/usr/share/netboot/netboot.js', 0o644],
  ['/usr/share/netboot/engine.sh', 0o644],
  ['/usr/share/netboot/dhcp-script.sh', 0o644],
  ['/etc/config/netboot', 0o600],
  ['/etc/uci-defaults/90-netboot', 0o755],
  ['/etc/init.d/netboot', 0o755],
];

function treeFiles(dir: string, prefix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((r) => statSync(join(dir, r)).isFile())
    .map((r) => `${prefix}${r}`)
    .sort();
}

const files = (ipk: Ipk): string[] => ipk.data.filter((e) => e.type === '0').map((e) => e.name.slice(1)).sort();

let out: string;
let built: string[];
const ipk = (name: string): Ipk => readIpk(join(out, `${name}_${VERSION}_all.ipk`));
const hasTranslation = existsSync(join(ROOT, 'luci-app/po/zh_Hans'));

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'netboot-pkg-'));
  built = packageInto(out);
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run package', () => {
  it('builds netboot, luci-app-netboot and the zh-cn translation, named <name>_<version>_all.ipk', () => {
    const names = built.map((p) => p.slice(out.length + 1));
    expect(names.slice(0, 2)).toEqual([`netboot_${VERSION}_all.ipk`, `luci-app-netboot_${VERSION}_all.ipk`]);
    if (hasTranslation) expect(names).toContain(`luci-i18n-netboot-zh-cn_${VERSION}_all.ipk`);
  });

  it('gives the same bytes for the same inputs, and other bytes for another SOURCE_DATE_EPOCH', () => {
    const again = mkdtempSync(join(tmpdir(), 'netboot-pkg-'));
    const other = mkdtempSync(join(tmpdir(), 'netboot-pkg-'));
    try {
      packageInto(again);
      packageInto(other, { SOURCE_DATE_EPOCH: String(EPOCH + 1) });
      for (const p of built) {
        const name = p.slice(out.length + 1);
        expect(readFileSync(join(again, name)).equals(readFileSync(p)), name).toBe(true);
        expect(readFileSync(join(other, name)).equals(readFileSync(p)), name).toBe(false);
      }
    } finally {
      rmSync(again, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('takes the time from the last commit without SOURCE_DATE_EPOCH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-pkg-'));
    try {
      const commit = Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).trim());
      packageInto(dir, {});
      expect(readIpk(join(dir, `netboot_${VERSION}_all.ipk`)).data[0]!.mtime).toBe(commit);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a SOURCE_DATE_EPOCH that is not whole seconds', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--out', out], { env: { PATH: process.env.PATH, SOURCE_DATE_EPOCH: 'yesterday' }, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('SOURCE_DATE_EPOCH must be whole seconds, not "yesterday"');
  });
});

describe('every .ipk is in ipkg-build form', () => {
  it.each(['netboot', 'luci-app-netboot', ...(hasTranslation ? ['luci-i18n-netboot-zh-cn'] : [])])('%s', (name) => {
    const p = ipk(name);
    // gzip -n: no name, no mtime, OS Unix.
    expect(p.gz).toMatchObject({ flags: 0, mtime: 0, os: 3 });
    // ./debian-binary, ./data.tar.gz, ./control.tar.gz in ipkg-build's order.
    expect(p.outer.map((e) => e.name)).toEqual(['./debian-binary', './data.tar.gz', './control.tar.gz']);
    expect(p.outer[0]!.data.toString()).toBe('2.0\n');
    for (const tar of [p.gz.data, p.controlTar, p.dataTar]) expect(tar.length % 10240).toBe(0);
    for (const e of [...p.outer, ...p.control, ...p.data]) {
      expect(e, e.name).toMatchObject({ uid: 0, gid: 0, mtime: EPOCH, magic: 'ustar  \0', uname: '', gname: '' });
    }
    expect(p.control.map((e) => e.name)).toEqual(expect.arrayContaining(['./', './control', './postinst', './prerm']));
    const mode = (n: string): number => p.control.find((e) => e.name === n)!.mode;
    expect(mode('./control')).toBe(0o644);
    expect(mode('./postinst')).toBe(0o755);
    expect(mode('./prerm')).toBe(0o755);
    expect(p.control.find((e) => e.name === './postinst')!.data.toString()).toBe(
      '#!/bin/sh\n[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\ndefault_postinst $0 $@\n',
    );
    expect(p.control.find((e) => e.name === './prerm')!.data.toString()).toBe(
      '#!/bin/sh\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\ndefault_prerm $0 $@\n',
    );
    expect(p.fields.get('Package')).toBe(name);
    expect(p.fields.get('Version')).toBe(VERSION);
    expect(p.fields.get('Architecture')).toBe('all');
    expect(p.fields.get('SourceDateEpoch')).toBe(String(EPOCH));
    // ipkg-build: the size of the uncompressed data tar.
    expect(p.fields.get('Installed-Size')).toBe(String(p.dataTar.length));
    expect(p.control.find((e) => e.name === './control')!.data.toString()).toMatch(/\nDescription:  \S.*\n$/);
    // Folders 0755, every file reachable through listed folders.
    const dirs = new Set(p.data.filter((e) => e.type === '5').map((e) => e.name));
    for (const e of p.data) {
      if (e.type === '5') expect(e.mode, e.name).toBe(0o755);
      else expect(dirs.has(e.name.replace(/[^/]+$/, '')), e.name).toBe(true);
    }
  });

  it('data.tar is byte for byte what GNU tar makes of the unpacked tree with ipkg-build\'s options', () => {
    const version = spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout ?? '';
    if (!version.includes('GNU tar')) return expect.soft(version, 'GNU tar not on PATH').toContain('GNU tar');
    const dir = mkdtempSync(join(tmpdir(), 'netboot-tree-'));
    try {
      for (const name of ['netboot', 'luci-app-netboot']) {
        const p = ipk(name);
        const tree = join(dir, name);
        mkdirSync(tree);
        for (const e of p.data) {
          const path = join(tree, e.name);
          if (e.type === '5') mkdirSync(path, { recursive: true });
          else writeFileSync(path, e.data);
          chmodSync(path, e.mode);
        }
        const gnu = execFileSync('tar', ['--format=gnu', '--numeric-owner', '--owner=0', '--group=0', '--sort=name', '-cpf', '-', `--mtime=@${EPOCH}`, '.'], { cwd: tree, maxBuffer: 64 << 20 });
        expect(gnu.equals(p.dataTar), name).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('netboot', () => {
  it('has the control fields package-pack.mk writes, Depends on node or quickjs', () => {
    const f = ipk('netboot').fields;
    expect([...f.keys()]).toEqual(['Package', 'Version', 'Depends', 'SourceName', 'License', 'Section', 'SourceDateEpoch', 'Architecture', 'Installed-Size', 'Description']);
    expect(f.get('Depends')).toBe('node | quickjs');
    expect(f.get('License')).toBe(pkg.license);
    expect(f.get('Section')).toBe('net');
    expect(f.get('Description')).toBe(` ${pkg.description}`);
  });

  it('installs files/ and the bundle, nothing else, with their modes', () => {
    const p = ipk('netboot');
    expect(files(p)).toEqual([...treeFiles(join(ROOT, 'files'), '/'), '/usr/share/netboot/netboot.js'].sort());
    expect(p.file('/usr/share/netboot/netboot.js').data.equals(readFileSync(join(ROOT, 'dist/netboot.js')))).toBe(true);
    for (const [path, mode] of REQUIRED) expect(p.file(path).mode.toString(8), path).toBe(mode.toString(8));
  });

  it('keeps /etc/config/netboot as a conffile, shipped disabled', () => {
    const p = ipk('netboot');
    expect(p.control.find((e) => e.name === './conffiles')!.data.toString()).toBe('/etc/config/netboot\n');
    expect(p.file('/etc/config/netboot').data.toString()).toMatch(/^config netboot 'main'\n\toption enabled '0'\n/m);
  });

  it('hands dnsmasq back on removal only: prerm-pkg runs `netboot disable` unless upgrading or in an image', () => {
    const p = ipk('netboot');
    const prerm = p.control.find((e) => e.name === './prerm-pkg')!;
    expect(prerm.mode).toBe(0o755);
    expect(prerm.data.toString()).toBe('[ -n "${IPKG_INSTROOT}" ] || [ "${PKG_UPGRADE}" = "1" ] || /usr/bin/netboot disable || true\n');
  });

  it('makes rpcd read its plugins again after install, upgrade and removal, so the ubus object netboot comes and goes', () => {
    const p = ipk('netboot');
    expect(p.file('/usr/libexec/rpcd/netboot').mode).toBe(0o755);
    const reload = '[ -n "${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload || true\n';
    expect(p.control.find((e) => e.name === './postinst-pkg')!.data.toString()).toBe(reload);
    // postrm is run as it is, with no default_postrm around it (package-pack.mk BuildPackVariable).
    const postrm = p.control.find((e) => e.name === './postrm')!;
    expect(postrm.mode).toBe(0o755);
    expect(postrm.data.toString()).toBe(`#!/bin/sh\n${reload}`);
  });
});

describe('luci-app-netboot', () => {
  it('depends on luci-base, netboot and rpcd and carries htdocs at /www and root at /', () => {
    const p = ipk('luci-app-netboot');
    expect(p.fields.get('Depends')).toBe('luci-base, netboot, rpcd');
    expect(p.fields.get('Section')).toBe('luci');
    const app = join(ROOT, 'luci-app');
    expect(files(p)).toEqual([...treeFiles(join(app, 'htdocs'), '/www/'), ...treeFiles(join(app, 'root'), '/')].sort());
    for (const e of p.data.filter((x) => x.type === '0' && x.name.startsWith('./www/'))) expect(e.mode, e.name).toBe(0o644);
  });

  it("runs luci.mk's postinst: drop LuCI's caches and make rpcd reload ACLs", () => {
    const post = ipk('luci-app-netboot').control.find((e) => e.name === './postinst-pkg')!.data.toString();
    expect(post).toContain('rm -f /tmp/luci-indexcache\n\trm -rf /tmp/luci-modulecache/\n\tkillall -HUP rpcd 2>/dev/null\n\texit 0\n}\n');
    expect(post.startsWith('[ -n "${IPKG_INSTROOT}" ] || {')).toBe(true);
  });
});

describe.skipIf(!hasTranslation)('luci-i18n-netboot-zh-cn', () => {
  it('depends on the app and installs the zh-cn catalog and the language switch', () => {
    const p = ipk('luci-i18n-netboot-zh-cn');
    expect(p.fields.get('Depends')).toBe('luci-app-netboot');
    expect(p.fields.get('Description')).toBe(' Translation for luci-app-netboot - 简体中文 (Chinese Simplified)');
    expect(p.file('/etc/uci-defaults/luci-i18n-netboot-zh-cn').data.toString()).toBe(
      "uci set luci.languages.zh_cn='简体中文 (Chinese Simplified)'; uci commit luci\n",
    );
    const pos = readdirSync(join(ROOT, 'luci-app/po/zh_Hans')).filter((f) => f.endsWith('.po'));
    for (const po of pos) {
      const lmo = p.file(`/usr/lib/lua/luci/i18n/${po.slice(0, -3)}.zh-cn.lmo`).data;
      const index = lmo.readUInt32BE(lmo.length - 4);
      expect((lmo.length - index - 4) % 16).toBe(0);
    }
  });
});

describe('the OpenWrt Makefiles describe the same packages', () => {
  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  const luci = readFileSync(join(ROOT, 'luci-app/Makefile'), 'utf8');
  const MACRO: Record<string, number> = { BIN: 0o755, DATA: 0o644, CONF: 0o600 };

  it('installs every file of the .ipk with the same mode', () => {
    const installs = new Map<string, number>();
    for (const m of makefile.matchAll(/\$\(INSTALL_(BIN|DATA|CONF)\) \S+ \$\(1\)(\S+)/g)) installs.set(m[2]!, MACRO[m[1]!]!);
    const p = ipk('netboot');
    for (const e of p.data.filter((x) => x.type === '0')) expect(installs.get(e.name.slice(1))?.toString(8), e.name).toBe(e.mode.toString(8));
    for (const [path] of REQUIRED) expect(installs.has(path), path).toBe(true);
  });

  it('has the same maintainer scripts, conffiles, PKGARCH and release', () => {
    const defined = new Map([...makefile.matchAll(/define Package\/netboot\/(\w+)\n([\s\S]*?)\nendef/g)].map((m) => [m[1]!, m[2]!.replace(/\$\$/g, '$')]));
    const control = (name: string) => ipk('netboot').control.find((e) => e.name === `./${name}`)?.data.toString();
    expect(control('prerm-pkg')).toBe(`${defined.get('prerm')}\n`);
    expect(control('postinst-pkg')).toBe(`${defined.get('postinst')}\n`);
    expect(control('postrm')).toBe(`${defined.get('postrm')}\n`);
    expect(makefile).toMatch(/define Package\/netboot\/conffiles\n\/etc\/config\/netboot\nendef/);
    expect(makefile).toMatch(/^\s+PKGARCH:=all$/m);
    expect(makefile).toContain('$(eval $(call BuildPackage,netboot))');
    expect(/^PKG_RELEASE:=(\d+)$/m.exec(luci)![1]).toBe(release);
  });

  it('reads the version from package.json the way make will', () => {
    const sed = /^PKG_VERSION:=\$\(shell (sed .*) \$\(CURDIR\)\/package\.json\)$/m.exec(makefile)![1]!.replace(/\$\$/g, '$');
    expect(execFileSync('sh', ['-c', `${sed} package.json`], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe(pkg.version);
    expect(luci).toContain(`PKG_VERSION:=$(shell ${sed.replace(/\$/g, '$$')} $(CURDIR)/../package.json)`);
  });

  it('depends on node where the feed builds it for the target, else on quickjs, else on nothing', () => {
    // The Makefile's NETBOOT_* lines, run by make against feeds shaped like openwrt/packages:
    // lang/node up to openwrt-24.10, host-only from 853ea061b8 on; lang/quickjs from 25.12.
    const lines = makefile.split('\n').filter((l) => l.startsWith('NETBOOT_')).join('\n');
    const depends = (feed: { node?: string; quickjs?: boolean }) => {
      const top = mkdtempSync(join(tmpdir(), 'netboot-topdir-'));
      const lang = join(top, 'feeds/packages/lang');
      const write = (pkgName: string, text: string) => {
        mkdirSync(join(lang, pkgName), { recursive: true });
        writeFileSync(join(lang, pkgName, 'Makefile'), text);
      };
      if (feed.node !== undefined) write('node', feed.node);
      if (feed.quickjs) write('quickjs', 'PKG_NAME:=quickjs\n');
      writeFileSync(join(top, 'probe.mk'), `TOPDIR:=${top}\n${lines}\nall:\n\t@echo '$(NETBOOT_ENGINE_DEPENDS)'\n`);
      const out = execFileSync('make', ['-s', '-f', join(top, 'probe.mk')], { encoding: 'utf8' }).trim();
      rmSync(top, { recursive: true, force: true });
      return out;
    };
    expect(depends({ node: 'PKG_NAME:=node\nPKG_VERSION:=v20.20.0\n' })).toBe('+node');
    expect(depends({ node: 'PKG_NAME:=node\nPKG_HOST_ONLY:=1\n', quickjs: true })).toBe('+quickjs');
    expect(depends({ node: 'PKG_NAME:=node\n', quickjs: true })).toBe('+node');
    expect(depends({ node: 'PKG_NAME:=node\nPKG_HOST_ONLY:=1\n' })).toBe('');
    expect(depends({})).toBe('');
  });

  it('luci-app/Makefile is a luci.mk app found by the buildroot scan', () => {
    expect(luci).toMatch(/^LUCI_NAME:=luci-app-netboot$/m);
    expect(luci).toMatch(/^LUCI_DEPENDS:=\+luci-base \+netboot \+rpcd$/m);
    expect(luci).toMatch(/^LUCI_PKGARCH:=all$/m);
    expect(luci).toMatch(/^include \$\(TOPDIR\)\/feeds\/luci\/luci\.mk$/m);
    expect(luci).toMatch(/^# call BuildPackage - OpenWrt buildroot signature$/m);
  });
});

describe('/usr/bin/netboot picks node, else qjs, else says what is missing and how to provide it', () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-wrapper-'));
    for (const e of ipk('netboot').data) {
      const path = join(dir, 'root', e.name);
      if (e.type === '5') mkdirSync(path, { recursive: true });
      else writeFileSync(path, e.data, { mode: e.mode });
    }
    bin = join(dir, 'bin');
    mkdirSync(bin);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // PATH holds only stand-ins: the package manager that tells the release, uname, the engines.
  const run = (tools: Record<string, string>, args = ['status'], env: NodeJS.ProcessEnv = {}) => {
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    for (const [name, body] of Object.entries(tools)) writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return spawnSync('/bin/sh', [join(dir, 'root/usr/bin/netboot'), ...args], { env: { PATH: bin, ...env }, encoding: 'utf8' });
  };
  // qjs as bellard/quickjs qjs.c (fa628f8) takes it: options, then the script and its
  // arguments; --std makes std and os globals. The engine is the wasm QuickJS harness.
  const qjs = `[ "$1" = --std ] || { echo "qjs stand-in: netboot needs --std first, got $1" >&2; exit 2; }\nshift\nexec ${process.execPath} ${QJS_CLI} "$@"`;
  const node = `exec ${process.execPath} "$@"`;
  const noEntware = !existsSync('/opt/bin/node');

  it.skipIf(!noEntware)('on 25.12+ (apk) with neither engine: apk add quickjs, naming both packages', () => {
    const r = run({ apk: 'exit 0', uname: 'echo aarch64' });
    expect(r.status).toBe(127);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('netboot: no JavaScript engine: netboot runs under node (Node.js 18 or newer,\npackage node) or qjs (QuickJS, package quickjs)');
    expect(r.stderr).toContain('apk update && apk add quickjs');
  });

  it.skipIf(!noEntware)('on 24.10 (opkg) with a CPU the feed builds node for: opkg install node', () => {
    const r = run({ opkg: 'exit 0', uname: 'echo x86_64' });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain('opkg update && opkg install node');
  });

  it.skipIf(!noEntware)('on 24.10 (opkg) with a MIPS CPU: the feed has no engine for it', () => {
    const r = run({ opkg: 'exit 0', uname: 'echo mips' });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain("OpenWrt's packages feed has no node for mips");
    expect(r.stderr).toContain('quickjs package\nstarts with OpenWrt 25.12');
    expect(r.stderr).not.toContain('opkg install node\n');
  });

  it('runs the bundle with the node it finds', () => {
    const r = spawnSync('/bin/sh', [join(dir, 'root/usr/bin/netboot'), '--version'], { env: { PATH: bin, NETBOOT_NODE: process.execPath }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`netboot ${pkg.version}\n`);
  });

  it('prefers node on PATH to qjs', () => {
    const r = run({ node, qjs: 'echo qjs ran; exit 3' }, ['--version']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`netboot ${pkg.version}\n`);
  });

  it('runs qjs --std with the bundle where there is no node', () => {
    const r = run({ qjs }, ['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`netboot ${pkg.version}\n`);
    // The arguments reach the bundle as given, and so does its exit status.
    const bad = run({ qjs }, ['no-such-command']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('no-such-command');
    // NETBOOT_QJS names one that is not on PATH.
    writeFileSync(join(dir, 'qjs-elsewhere'), `#!/bin/sh\n${qjs}\n`, { mode: 0o755 });
    expect(run({}, ['--version'], { NETBOOT_QJS: join(dir, 'qjs-elsewhere') }).stdout).toBe(`netboot ${pkg.version}\n`);
  });
});
