// Install, upgrade and remove the .ipk files with OpenWrt's real opkg
// (opkg-lede, built locally outside the repo: $OWRT_PREFIX/bin/opkg) in an
// offline root. Maintainer scripts run (--force-postinstall, IPKG_INSTROOT
// set as in an image build) against a stand-in /lib/functions.sh that
// records how default_postinst and default_prerm are called.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageInto, pkg, ROOT, VERSION } from './package-archive';

const PREFIX = process.env.OWRT_PREFIX;
const OPKG = PREFIX ? join(PREFIX, 'bin/opkg') : '';
const ready = !!PREFIX && existsSync(OPKG);
const suite = ready ? describe : describe.skip;
const title = ready
  ? `opkg round trip with ${OPKG}`
  : 'opkg round trip: skipped, set OWRT_PREFIX to a local build of openwrt/opkg-lede ($OWRT_PREFIX/bin/opkg)';

suite(title, () => {
  let dir: string;
  let root: string;
  let conf: string;
  const first: Record<string, string> = {};
  const next: Record<string, string> = {};
  const NEXT = pkg.version.replace(/(\d+)$/, (n) => String(Number(n) + 1));

  const opkg = (...args: string[]) => {
    // IPKG_INSTROOT as OpenWrt's image build sets it: opkg itself does not.
    const r = spawnSync(OPKG, ['-o', root, '--conf', conf, '--force-postinstall', ...args], { encoding: 'utf8', env: { ...process.env, IPKG_INSTROOT: root } });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const at = (p: string) => join(root, p);
  const calls = () => (existsSync(at('calls')) ? readFileSync(at('calls'), 'utf8') : '');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-opkg-'));
    const byName = (paths: string[], into: Record<string, string>) => {
      for (const p of paths) into[p.replace(/^.*\/([^/_]+)_[^/]*$/, '$1')] = p;
    };
    byName(packageInto(join(dir, 'first')), first);

    // The next release: the same tree with the patch version raised and another bundle.
    const tree = join(dir, 'tree');
    for (const p of ['package.json', 'Makefile', 'files', 'luci-app', 'scripts', 'dist/netboot.js']) cpSync(join(ROOT, p), join(tree, p), { recursive: true });
    writeFileSync(join(tree, 'package.json'), readFileSync(join(ROOT, 'package.json'), 'utf8').replace(`"version": "${pkg.version}"`, `"version": "${NEXT}"`));
    writeFileSync(join(tree, 'dist/netboot.js'), `${readFileSync(join(ROOT, 'dist/netboot.js'), 'utf8')}// next\n`);
    byName(packageInto(join(dir, 'next'), undefined, tree), next);

    // An OpenWrt root with node, luci-base and rpcd already installed (status
    // entries only), and a functions.sh that logs instead of acting.
    root = join(dir, 'root');
    for (const d of ['usr/lib/opkg/info', 'var/lock', 'lib', 'etc']) mkdirSync(join(root, d), { recursive: true });
    const installed = (name: string) => `Package: ${name}\nVersion: 1.0-r1\nStatus: install user installed\nArchitecture: all\nInstalled-Time: 0\n\n`;
    writeFileSync(at('usr/lib/opkg/status'), installed('node') + installed('luci-base') + installed('rpcd'));
    for (const name of ['node', 'luci-base', 'rpcd']) writeFileSync(at(`usr/lib/opkg/info/${name}.list`), '');
    writeFileSync(
      at('lib/functions.sh'),
      [
        'default_postinst() { echo "postinst $(basename $1) ${2-} PKG_UPGRADE=$PKG_UPGRADE" >> "$IPKG_INSTROOT/calls"; }',
        'default_prerm() { echo "prerm $(basename $1) ${2-} PKG_UPGRADE=$PKG_UPGRADE" >> "$IPKG_INSTROOT/calls"; }',
        '',
      ].join('\n'),
    );
    conf = join(dir, 'opkg.conf');
    writeFileSync(conf, 'dest root /\nlists_dir ext /var/opkg-lists\noption check_signature 0\n');
    execFileSync(OPKG, ['--version']);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs netboot, the LuCI app and its translation', () => {
    const pkgs = [first.netboot!, first['luci-app-netboot']!, ...(first['luci-i18n-netboot-zh-cn'] ? [first['luci-i18n-netboot-zh-cn']] : [])];
    const r = opkg('install', ...pkgs);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`Installing netboot (${VERSION}) to root...`);
    expect(statSync(at('etc/config/netboot')).mode & 0o777).toBe(0o600);
    expect(statSync(at('usr/bin/netboot')).mode & 0o777).toBe(0o755);
    expect(statSync(at('etc/init.d/netboot')).mode & 0o777).toBe(0o755);
    expect(readFileSync(at('usr/lib/opkg/info/netboot.conffiles'), 'utf8')).toBe('/etc/config/netboot\n');
    expect(readFileSync(at('usr/lib/opkg/info/netboot.list'), 'utf8')).toContain('/usr/share/netboot/netboot.js\n');
    const status = readFileSync(at('usr/lib/opkg/status'), 'utf8');
    expect(status).toMatch(new RegExp(`Package: netboot\\nVersion: ${VERSION}\\nDepends: node \\| quickjs\\nStatus: install user installed\\n`));
    // Each postinst hands over to default_postinst with its own path.
    expect(calls()).toContain('postinst netboot.postinst configure PKG_UPGRADE=0\n');
    expect(calls()).toContain('postinst luci-app-netboot.postinst configure PKG_UPGRADE=0\n');
  });

  // A root whose status lists only `engines`, and opkg's answer to installing netboot there.
  const installInto = (name: string, engines: string[]) => {
    const other = join(dir, name);
    mkdirSync(join(other, 'var/lock'), { recursive: true });
    mkdirSync(join(other, 'usr/lib/opkg/info'), { recursive: true });
    writeFileSync(join(other, 'usr/lib/opkg/status'), engines.map((e) => `Package: ${e}\nVersion: 1.0-r1\nStatus: install user installed\nArchitecture: all\nInstalled-Time: 0\n\n`).join(''));
    for (const e of engines) writeFileSync(join(other, `usr/lib/opkg/info/${e}.list`), '');
    return spawnSync(OPKG, ['-o', other, '--conf', conf, 'install', first.netboot!], { encoding: 'utf8', env: { ...process.env, IPKG_INSTROOT: other } });
  };

  it('refuses netboot where neither node nor quickjs is installed, naming both (opkg reads Depends)', () => {
    const r = installInto('bare', []);
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/node \| quickjs/);
  });

  it('installs netboot where only quickjs is installed (Depends: node | quickjs)', () => {
    const r = installInto('quickjs-only', ['quickjs']);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain(`Installing netboot (${VERSION})`);
  });

  it('upgrades and keeps the config the user changed, the new default beside it', () => {
    const mine = readFileSync(at('etc/config/netboot'), 'utf8').replace("option enabled '0'", "option enabled '1'");
    writeFileSync(at('etc/config/netboot'), mine);
    writeFileSync(at('calls'), '');
    const r = opkg('install', next.netboot!);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`Upgrading netboot on root from ${VERSION} to ${NEXT}-r`);
    expect(readFileSync(at('etc/config/netboot'), 'utf8')).toBe(mine);
    expect(existsSync(at('etc/config/netboot-opkg'))).toBe(true);
    expect(readFileSync(at('usr/share/netboot/netboot.js'), 'utf8').endsWith('// next\n')).toBe(true);
    // The old package's prerm is told it is an upgrade, so prerm-pkg leaves dnsmasq alone.
    expect(calls()).toBe('prerm netboot.prerm upgrade PKG_UPGRADE=1\npostinst netboot.postinst configure PKG_UPGRADE=1\n');
  });

  it('removes the packages and their files, keeping only the changed config', () => {
    writeFileSync(at('calls'), '');
    const names = ['luci-i18n-netboot-zh-cn', 'luci-app-netboot', 'netboot'].filter((n) => first[n]);
    const r = opkg('remove', ...names);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Not deleting modified conffile');
    for (const p of ['usr/bin/netboot', 'usr/share/netboot/netboot.js', 'etc/init.d/netboot', 'www/luci-static/resources/view/netboot/status.js']) expect(existsSync(at(p)), p).toBe(false);
    expect(existsSync(at('etc/config/netboot'))).toBe(true);
    expect(readFileSync(at('usr/lib/opkg/status'), 'utf8')).not.toContain('Package: netboot');
    expect(calls()).toContain('prerm netboot.prerm remove PKG_UPGRADE=0\n');
  });
});
