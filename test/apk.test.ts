// npm run package's .apk files (OpenWrt 25.12+, apk-tools 3, v3/ADB format),
// read back with test/helpers/adb-reader.ts and checked against what
// OpenWrt's include/package-pack.mk (CONFIG_USE_APK; openwrt/openwrt
// 004b949da5) puts in a package. With OWRT_PREFIX pointing at a local build
// of apk-tools v3.0.2 (what 25.12.0 ships: apk-mbedtls 3.0.2-r5), the same
// trees go through the real `apk mkpkg`, and the packages through a real
// `apk add` / upgrade / `apk del` in a scratch root.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readApk, type ApkPackage } from './helpers/adb-reader';
import { EPOCH, packageInto, pkg, readIpk, ROOT, VERSION } from './package-archive';

const hasTranslation = existsSync(join(ROOT, 'luci-app/po/zh_Hans'));
const NAMES = ['netboot', 'luci-app-netboot', ...(hasTranslation ? ['luci-i18n-netboot-zh-cn'] : [])];

let out: string;
let built: string[];
const apk = (name: string, dir = out): ApkPackage => readApk(join(dir, `${name}-${VERSION}.apk`));
const ipkFiles = (name: string) => readIpk(join(out, `${name}_${VERSION}_all.ipk`)).data.filter((e) => e.type === '0');

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'netboot-apk-'));
  built = packageInto(out);
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

// The scripts package-pack.mk writes around a package's own postinst-pkg / prerm-pkg.
const postInstall = (name: string, own: string) =>
  `#!/bin/sh\n[ "\${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n[ -s \${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. \${IPKG_INSTROOT}/lib/functions.sh\nexport root="\${IPKG_INSTROOT}"\nexport pkgname="${name}"\nadd_group_and_user\ndefault_postinst\n${own}`;
const preDeinstall = (name: string, own: string) =>
  `#!/bin/sh\n[ -s \${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. \${IPKG_INSTROOT}/lib/functions.sh\nexport root="\${IPKG_INSTROOT}"\nexport pkgname="${name}"\ndefault_prerm\n${own}`;

describe('npm run package: .apk files for OpenWrt 25.12+', () => {
  it('writes <name>-<version>.apk for each package, after the .ipk files', () => {
    const names = built.map((p) => p.slice(out.length + 1));
    expect(names.filter((n) => n.endsWith('.apk'))).toEqual(NAMES.map((n) => `${n}-${VERSION}.apk`));
    expect(names.findIndex((n) => n.endsWith('.apk'))).toBe(NAMES.length);
  });

  it.each(NAMES)('%s: an unsigned, deflate-compressed v3 package with the info package-pack.mk gives mkpkg', (name) => {
    const p = apk(name);
    expect(p.compression).toBe('deflate');
    expect(p.signatures).toBe(0);
    expect(p.info).toMatchObject({ name, version: VERSION, arch: 'noarch', license: pkg.license, provides: [`${name}-any`] });
    expect(p.info.description).toMatch(/^\S.*\S$/);
    expect(p.info.description).not.toContain('\n');
    // No build time, origin, url or maintainer: OpenWrt passes none of them here.
    expect(p.info).toMatchObject({ buildTime: undefined, origin: undefined, url: undefined, maintainer: undefined });
    const files = [...p.files.values()];
    expect(p.info.installedSize).toBe(files.reduce((n, f) => n + f.size, 0));
    for (const f of files) expect(f, f.path).toMatchObject({ user: 'root', group: 'root', mtime: EPOCH });
    for (const d of p.dirs) expect(d, d.path).toMatchObject({ mode: 0o755, user: 'root', group: 'root' });
    // Every folder on the way to a file is listed, the root first (mkpkg's default --compat keeps them all).
    expect(p.dirs[0]!.path).toBe('');
    for (const f of files) {
      const parts = f.path.split('/').slice(1, -1);
      for (let i = 1; i <= parts.length; i++) expect(p.dirs.some((d) => d.path === parts.slice(0, i).join('/')), f.path).toBe(true);
    }
  });

  it.each(NAMES)('%s: the same files, modes and bytes as the .ipk, and /lib/apk/packages/NAME.list naming them', (name) => {
    const p = apk(name);
    const sum = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    const fromIpk = ipkFiles(name).map((e) => ({ path: e.name.slice(1), mode: e.mode, sha256: sum(e.data) }));
    const own = [...p.files.values()].filter((f) => !f.path.startsWith('/lib/apk/packages/'));
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
    expect(own.map((f) => ({ path: f.path, mode: f.mode, sha256: sum(f.data) })).sort(byPath)).toEqual(fromIpk.sort(byPath));
    const list = p.files.get(`/lib/apk/packages/${name}.list`)!;
    expect(list.mode).toBe(0o644);
    expect(list.data.toString()).toBe(
      fromIpk
        .map((f) => f.path)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map((f) => `${f}\n`)
        .join(''),
    );
  });

  it(".list is what package-pack.mk's `find . -type f,l -printf \"/%P\\n\" | sort` makes of the tree", () => {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-apk-tree-'));
    try {
      for (const name of NAMES) {
        const tree = join(dir, name);
        for (const e of ipkFiles(name)) {
          mkdirSync(join(tree, e.name, '..'), { recursive: true });
          writeFileSync(join(tree, e.name), e.data);
        }
        const found = execFileSync('sh', ['-c', 'find . -type f,l -printf "/%P\\n" | LC_ALL=C sort'], { cwd: tree, encoding: 'utf8' });
        expect(apk(name).files.get(`/lib/apk/packages/${name}.list`)!.data.toString(), name).toBe(found);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('depends as package-pack.mk turns Depends into apk depends: netboot on quickjs, the app on luci-base, netboot and rpcd', () => {
    expect(apk('netboot').info.depends).toEqual(['quickjs']);
    expect(apk('luci-app-netboot').info.depends).toEqual(['luci-base', 'netboot', 'rpcd']);
    if (hasTranslation) expect(apk('luci-i18n-netboot-zh-cn').info.depends).toEqual(['luci-app-netboot']);
  });

  it('marks /etc/config/netboot as a conffile, with the sha256 of the shipped default (NAME.conffiles, NAME.conffiles_static)', () => {
    const p = apk('netboot');
    const config = p.files.get('/etc/config/netboot')!;
    expect(config.mode).toBe(0o600);
    expect(p.files.get('/lib/apk/packages/netboot.conffiles')!.data.toString()).toBe('/etc/config/netboot\n');
    expect(p.files.get('/lib/apk/packages/netboot.conffiles_static')!.data.toString()).toBe(
      `/etc/config/netboot ${createHash('sha256').update(config.data).digest('hex')}\n`,
    );
    expect(p.files.has('/lib/apk/packages/luci-app-netboot.conffiles')).toBe(false);
  });

  it('netboot: post-install/post-upgrade run default_postinst (uci-defaults, init script) and reload rpcd; pre-deinstall runs `netboot disable`', () => {
    const reload = '[ -n "${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload || true\n';
    const s = apk('netboot').scripts;
    expect(Object.keys(s).sort()).toEqual(['post-deinstall', 'post-install', 'post-upgrade', 'pre-deinstall']);
    expect(s['post-install']).toBe(postInstall('netboot', reload));
    expect(s['post-upgrade']).toBe(`#!/bin/sh\nexport PKG_UPGRADE=1\n${postInstall('netboot', reload).replace('#!/bin/sh\n', '')}`);
    expect(s['pre-deinstall']).toBe(preDeinstall('netboot', '[ -n "${IPKG_INSTROOT}" ] || [ "${PKG_UPGRADE}" = "1" ] || /usr/bin/netboot disable || true\n'));
    expect(s['post-deinstall']).toBe(`#!/bin/sh\n${reload}`);
  });

  it("luci-app-netboot: luci.mk's postinst after default_postinst, no post-deinstall", () => {
    const s = apk('luci-app-netboot').scripts;
    expect(Object.keys(s).sort()).toEqual(['post-install', 'post-upgrade', 'pre-deinstall']);
    expect(s['post-install']).toBe(postInstall('luci-app-netboot', '[ -n "${IPKG_INSTROOT}" ] || {\n\trm -f /tmp/luci-indexcache\n\trm -rf /tmp/luci-modulecache/\n\tkillall -HUP rpcd 2>/dev/null\n\texit 0\n}\n'));
    expect(s['pre-deinstall']).toBe(preDeinstall('luci-app-netboot', ''));
  });

  it('refuses a dependency apk cannot express (alternatives) and a version apk would refuse', async () => {
    const { buildApk } = (await import(join(ROOT, 'scripts/package/apk.mjs'))) as { buildApk: (spec: unknown, mtime: number) => unknown };
    const spec = (Version: string, Depends?: string) => ({ control: { Package: 'x', Version, Architecture: 'all', Description: 'x', Depends }, files: [] });
    expect(() => buildApk(spec('1-r1', 'node | quickjs'), EPOCH)).toThrow('apk: dependency "node|quickjs" is not a plain package name');
    expect(() => buildApk(spec('0.2.0-beta.1-r1'), EPOCH)).toThrow('x: "0.2.0-beta.1-r1" is not an apk version');
    expect(() => buildApk(spec('0.2.0_beta1-r1'), EPOCH)).not.toThrow();
  });
});

const PREFIX = process.env.OWRT_PREFIX;
const APK = PREFIX ? join(PREFIX, 'bin/apk') : '';
const ready = !!PREFIX && existsSync(APK);
const realApk = ready ? describe : describe.skip;

realApk(ready ? `apk mkpkg (${APK}) makes the same packages` : 'apk mkpkg cross-check: skipped, set OWRT_PREFIX to a local build of apk-tools 3 ($OWRT_PREFIX/bin/apk)', () => {
  it('takes a version exactly when `apk version -c` does', async () => {
    const { buildApk } = (await import(join(ROOT, 'scripts/package/apk.mjs'))) as { buildApk: (spec: unknown, mtime: number) => unknown };
    const versions = ['0.1.0-r1', '1.2.3_rc1-r2', '1.0a', '1.0~abc1-r3', '1.0_p', '1_alpha_beta2', '0.1.0-beta', '1.0~xyz', '2..3', '1.0-r', 'v1.0', '1.0aa', '1.0_foo1'];
    // `apk version -c` prints the versions it finds invalid.
    const invalid = spawnSync(APK, ['version', '-c', ...versions], { encoding: 'utf8' }).stdout.split('\n');
    for (const v of versions) {
      const ours = (() => {
        try {
          buildApk({ control: { Package: 'x', Version: v, Architecture: 'all', Description: 'x' }, files: [] }, EPOCH);
          return true;
        } catch {
          return false;
        }
      })();
      expect(ours, v).toBe(!invalid.includes(v));
    }
  });

  it.each(NAMES)("%s: the same bytes before compression, from the .apk's tree and package-pack.mk's mkpkg options", (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'netboot-mkpkg-'));
    try {
      const ours = apk(name);
      // The tree as the real apk unpacks it (modes, owners), the scripts as the reader found them.
      mkdirSync(join(dir, 'tree'));
      execFileSync(APK, ['extract', '--allow-untrusted', '--destination', join(dir, 'tree'), join(out, `${name}-${VERSION}.apk`)]);
      const args = ['mkpkg', '--info', `name:${name}`, '--info', `version:${VERSION}`, '--info', `description:${ours.info.description}`, '--info', 'arch:noarch'];
      args.push('--info', `license:${pkg.license}`, '--info', 'origin:', '--info', 'url:', '--info', 'maintainer:', '--info', `provides:${name}-any`);
      for (const [type, text] of Object.entries(ours.scripts)) {
        writeFileSync(join(dir, type), text);
        args.push('--script', `${type}:${join(dir, type)}`);
      }
      args.push('--info', `depends:${ours.info.depends.join(' ')}`, '--files', join(dir, 'tree'), '--output', join(dir, 'real.apk'));
      execFileSync(APK, args, { env: { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH) } });
      const real = readApk(join(dir, 'real.apk'));
      expect(real.info).toEqual(ours.info);
      expect(real.raw.equals(ours.raw)).toBe(true);
      // Both deflate streams hold the same bytes; zlib builds may pack them differently.
      const bytes = readFileSync(join(out, `${name}-${VERSION}.apk`));
      expect(inflateRawSync(bytes.subarray(4)).equals(real.raw)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The round trip needs root: apk chroots into the scratch root to run the
// scripts (src/database.c apk_db_run_script), as on a router.
const asRoot = ready && process.getuid?.() === 0;
const roundTrip = asRoot ? describe : describe.skip;
const title = asRoot
  ? `apk add / upgrade / del with ${APK} in a scratch root`
  : `apk round trip: skipped, ${ready ? 'needs root (apk chroots to run the scripts)' : 'set OWRT_PREFIX to a local build of apk-tools 3 ($OWRT_PREFIX/bin/apk)'}`;

roundTrip(title, () => {
  let dir: string;
  let root: string;
  let next: string;
  let feed: string[];
  const NEXT = pkg.version.replace(/(\d+)$/, (n) => String(Number(n) + 1));
  const at = (p: string) => join(root, p);
  const calls = () => (existsSync(at('calls')) ? readFileSync(at('calls'), 'utf8') : '');
  const run = (r: string, ...args: string[]) => {
    const x = spawnSync(APK, ['--root', r, ...args], { encoding: 'utf8' });
    return { code: x.status, out: `${x.stdout}${x.stderr}` };
  };
  const mine = `${VERSION}.apk`;

  // A root like a router's: busybox as /bin/sh and its applets; stand-ins that
  // record what they are asked to do, for what the scripts call there.
  const makeRoot = (path: string) => {
    for (const d of ['bin', 'sbin', 'lib']) mkdirSync(join(path, d), { recursive: true });
    cpSync('/bin/busybox', join(path, 'bin/busybox'));
    for (const applet of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      if (!existsSync(join(path, 'bin', applet))) symlinkSync('busybox', join(path, 'bin', applet));
    }
    writeFileSync(join(path, 'sbin/uci'), '#!/bin/sh\necho "uci $*" >> /calls\n');
    chmodSync(join(path, 'sbin/uci'), 0o755);
    // base-files' /lib/functions.sh, as far as these scripts use it (openwrt/openwrt
    // package/base-files/files/lib/functions.sh at 01fa063ae9): default_postinst
    // finds the package's files in /lib/apk/packages/$pkgname.list, sources
    // each uci-defaults script and deletes it when it succeeds, then `uci
    // commit`, and enables and starts its init scripts (recorded here);
    // default_prerm stops and disables them (recorded).
    writeFileSync(
      join(path, 'lib/functions.sh'),
      [
        'add_group_and_user() { :; }',
        'default_postinst() {',
        '\tlocal filelist="$root/lib/apk/packages/${pkgname}.list"',
        '\techo "default_postinst $pkgname PKG_UPGRADE=${PKG_UPGRADE-}" >> /calls',
        '\tif grep -m1 -q -s "^/etc/uci-defaults/" "$filelist"; then',
        '\t\tfor i in $(grep -s "^/etc/uci-defaults/" "$filelist"); do',
        '\t\t\t( [ -f "$i" ] && cd "$(dirname $i)" && . "$i" ) && rm -f "$i"',
        '\t\tdone',
        '\t\tuci commit',
        '\tfi',
        '\tfor i in $(grep -s "^/etc/init.d/" "$filelist"); do echo "$i enable+start" >> /calls; done',
        '}',
        'default_prerm() {',
        '\tlocal filelist="$root/lib/apk/packages/${pkgname}.list"',
        '\techo "default_prerm $pkgname" >> /calls',
        '\tfor i in $(grep -s "^/etc/init.d/" "$filelist"); do echo "$i stop+disable" >> /calls; done',
        '}',
        '',
      ].join('\n'),
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-apk-root-'));
    // Stand-ins for the feed's packages, made by the same writer: quickjs
    // installs /usr/bin/qjs (openwrt/packages lang/quickjs), rpcd
    // /etc/init.d/rpcd (openwrt/openwrt package/system/rpcd); each records
    // its calls. luci-base only has to be there.
    const { buildApk } = (await import(join(ROOT, 'scripts/package/apk.mjs'))) as {
      buildApk: (spec: unknown, mtime: number) => { name: string; bytes: Buffer };
    };
    const standIn = (name: string, files: { path: string; data: string }[]) => {
      const p = buildApk({ control: { Package: name, Version: '1.0-r1', Architecture: 'all', Description: `stand-in for ${name}`, License: 'MIT' }, files: files.map((f) => ({ ...f, mode: 0o755, data: Buffer.from(f.data) })) }, EPOCH);
      writeFileSync(join(dir, p.name), p.bytes);
      return join(dir, p.name);
    };
    const record = (what: string) => `#!/bin/sh\necho "${what} $*" >> /calls\n`;
    feed = [standIn('quickjs', [{ path: '/usr/bin/qjs', data: record('qjs') }]), standIn('rpcd', [{ path: '/etc/init.d/rpcd', data: record('/etc/init.d/rpcd') }]), standIn('luci-base', [])];

    // The next release: the same tree with the patch version raised and another bundle.
    const tree = join(dir, 'tree');
    for (const p of ['package.json', 'Makefile', 'files', 'luci-app', 'scripts', 'dist/netboot.js']) cpSync(join(ROOT, p), join(tree, p), { recursive: true });
    writeFileSync(join(tree, 'package.json'), readFileSync(join(ROOT, 'package.json'), 'utf8').replace(`"version": "${pkg.version}"`, `"version": "${NEXT}"`));
    writeFileSync(join(tree, 'dist/netboot.js'), `${readFileSync(join(ROOT, 'dist/netboot.js'), 'utf8')}// next\n`);
    next = join(dir, 'next');
    packageInto(next, undefined, tree);

    root = join(dir, 'root');
    makeRoot(root);
    const r = run(root, 'add', '--allow-untrusted', '--initdb', ...feed);
    expect(r.code, r.out).toBe(0);
    writeFileSync(at('calls'), '');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses netboot on a router without quickjs, naming it', () => {
    const bare = join(dir, 'bare');
    makeRoot(bare);
    const r = run(bare, 'add', '--allow-untrusted', '--initdb', join(out, `netboot-${mine}`));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/quickjs \(no such package\)/);
  });

  it('refuses the unsigned files without --allow-untrusted', () => {
    const strict = join(dir, 'strict');
    makeRoot(strict);
    const r = run(strict, 'add', '--initdb', join(out, `netboot-${mine}`));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('UNTRUSTED signature');
  });

  it('apk add installs the three packages: files and modes in place, the scripts run in the root as apk runs them', () => {
    const r = run(root, 'add', '--allow-untrusted', ...NAMES.map((n) => join(out, `${n}-${mine}`)));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`Installing netboot (${VERSION})`);
    expect(r.out).toContain(`Executing netboot-${VERSION}.post-install`);
    for (const [path, f] of apk('netboot').files) {
      if (path === '/etc/uci-defaults/90-netboot') continue; // run and deleted by default_postinst
      expect(statSync(at(path)).mode & 0o7777, path).toBe(f.mode);
      expect(readFileSync(at(path)).equals(f.data), path).toBe(true);
    }
    expect(statSync(at('etc/config/netboot')).mode & 0o777).toBe(0o600);
    expect(existsSync(at('www/luci-static/resources/view/netboot/status.js'))).toBe(true);
    expect(existsSync(at('etc/uci-defaults/90-netboot'))).toBe(false);
    const c = calls();
    // netboot: the uci-defaults step (90-netboot asks uci for the main section), its init script, then rpcd's reload.
    expect(c).toContain('default_postinst netboot PKG_UPGRADE=\nuci -q get netboot.main\nuci commit\n/etc/init.d/netboot enable+start\n/etc/init.d/rpcd reload\n');
    expect(c).toContain('default_postinst luci-app-netboot PKG_UPGRADE=\n');
    if (hasTranslation) expect(c).toContain("uci set luci.languages.zh_cn=简体中文 (Chinese Simplified)\nuci commit luci\n");
    expect(run(root, 'info', '-e', 'netboot').code).toBe(0);
  });

  it('apk add of a newer netboot upgrades it, keeps the edited config and leaves the new default beside it', () => {
    const edited = readFileSync(at('etc/config/netboot'), 'utf8').replace("option enabled '0'", "option enabled '1'");
    writeFileSync(at('etc/config/netboot'), edited);
    writeFileSync(at('calls'), '');
    const r = run(root, 'add', '--allow-untrusted', join(next, `netboot-${NEXT}-r1.apk`));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`Upgrading netboot (${VERSION} -> ${NEXT}-r1)`);
    expect(r.out).toContain('Installing file to etc/config/netboot.apk-new');
    expect(readFileSync(at('etc/config/netboot'), 'utf8')).toBe(edited);
    expect(readFileSync(at('etc/config/netboot.apk-new')).equals(apk('netboot').files.get('/etc/config/netboot')!.data)).toBe(true);
    expect(readFileSync(at('usr/share/netboot/netboot.js'), 'utf8').endsWith('// next\n')).toBe(true);
    // post-upgrade only: no pre-deinstall, so dnsmasq is not handed back on an upgrade.
    expect(calls()).toBe('default_postinst netboot PKG_UPGRADE=1\nuci -q get netboot.main\nuci commit\n/etc/init.d/netboot enable+start\n/etc/init.d/rpcd reload\n');
  });

  it("apk del removes the packages and their files, runs `netboot disable` under the feed's qjs, keeps the edited config", () => {
    writeFileSync(at('calls'), '');
    const r = run(root, 'del', ...[...NAMES].reverse());
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`Purging netboot (${NEXT}-r1)`);
    for (const path of [...apk('netboot').files.keys(), ...apk('luci-app-netboot').files.keys()]) {
      if (path !== '/etc/config/netboot') expect(existsSync(at(path)), path).toBe(false);
    }
    expect(readFileSync(at('etc/config/netboot'), 'utf8')).toContain("option enabled '1'");
    expect(existsSync(at('etc/config/netboot.apk-new'))).toBe(false);
    expect(calls()).toContain('default_prerm netboot\n/etc/init.d/netboot stop+disable\nqjs --std /usr/bin/../share/netboot/netboot.js disable\n/etc/init.d/rpcd reload\n');
    expect(readdirSync(at('lib/apk/packages')).sort()).toEqual(['luci-base.list', 'quickjs.list', 'rpcd.list']);
  });

  it("installs from a feed signed with one's own key, without --allow-untrusted, as the README's \"Your own apk feed\" says", () => {
    const repo = join(dir, 'feed');
    mkdirSync(repo);
    for (const f of [...feed, ...NAMES.map((n) => join(out, `${n}-${mine}`))]) cpSync(f, join(repo, f.split('/').pop()!));
    const key = join(dir, 'netboot-feed.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    const pub = execFileSync('openssl', ['ec', '-in', key, '-pubout'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const apks = readdirSync(repo).map((f) => join(repo, f));
    for (const f of apks) execFileSync(APK, ['adbsign', '--allow-untrusted', '--sign-key', key, f]);
    execFileSync(APK, ['mkndx', '--allow-untrusted', '--sign-key', key, '--output', join(repo, 'packages.adb'), ...apks]);
    const router = join(dir, 'signed');
    makeRoot(router);
    mkdirSync(join(router, 'etc/apk/keys'), { recursive: true });
    writeFileSync(join(router, 'etc/apk/keys/netboot-feed.pub.pem'), pub);
    writeFileSync(join(dir, 'repositories'), `${join(repo, 'packages.adb')}\n`);
    const r = run(router, '--repositories-file', join(dir, 'repositories'), 'add', '--initdb', 'netboot', 'luci-app-netboot');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`Installing netboot (${VERSION})`);
    expect(r.out).toContain('Installing quickjs (1.0-r1)');
    expect(existsSync(join(router, 'usr/share/netboot/netboot.js'))).toBe(true);
  });
});
