// What goes into netboot's three packages, read from the repository tree:
// netboot (files/ + the bundle), luci-app-netboot (luci-app/htdocs and
// luci-app/root, laid out as luci.mk installs them) and one
// luci-i18n-netboot-<lang> per luci-app/po/<lang>. Every installed path gets
// its mode from a table here, never from the work tree: git keeps only
// 644/755, and a new file without a rule is an error, not a guess. Each is
// described once and written as an .ipk (opkg, 23.05/24.10) and an .apk
// (apk-tools 3, 25.12+).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildApk } from './apk.mjs';
import { buildIpk } from './ipk.mjs';
import { po2lmo } from './po2lmo.mjs';

// [path or folder prefix ending in "/", mode]; the first match wins.
const NETBOOT_MODES = [
  ['/etc/config/netboot', 0o600], // holds CHAP secrets once configured
  ['/etc/init.d/', 0o755],
  ['/etc/uci-defaults/', 0o755],
  ['/usr/bin/', 0o755],
  ['/usr/libexec/rpcd/', 0o755], // rpcd runs its plugins as executables
  // the bundle runs as `node FILE` or `qjs --std FILE`; engine.sh and dhcp-script.sh are sourced (an
  // executable dhcp-script.sh would be run, not sourced, by some dnsmasq scripts)
  ['/usr/share/netboot/', 0o644],
];
const LUCI_MODES = [
  ['/etc/uci-defaults/', 0o755],
  ['/usr/libexec/rpcd/', 0o755], // rpcd runs its plugins as executables
  ['/www/', 0o644],
  ['/usr/share/', 0o644],
];

const RPCD_RELOAD = '[ -n "${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload || true';

// The engine netboot depends on, per package format, as the Makefile's
// NETBOOT_ENGINE_DEPENDS comes out for each release's feed. opkg (23.05/24.10)
// reads alternatives: node from the feed, or a quickjs someone built for the
// router; /usr/bin/netboot picks node first. 25.12's feed builds no target
// node and apk has no alternatives: quickjs.
const FORMATS = [
  { build: buildIpk, engine: 'node | quickjs' },
  { build: buildApk, engine: 'quickjs' },
];

// luci.mk's LUCI_LC_ALIAS and LUCI_LANG.<lang> for the languages netboot has;
// a new language needs its line from luci.mk.
const LANGUAGES = {
  zh_Hans: { code: 'zh-cn', title: '简体中文 (Chinese Simplified)' },
  zh_Hant: { code: 'zh-tw', title: '繁體中文 (Chinese Traditional)' },
};

function modeOf(table, path) {
  const rule = table.find(([p]) => (p.endsWith('/') ? path.startsWith(p) : path === p));
  if (!rule) throw new Error(`no mode for ${path}: add it to the table in scripts/package/packages.mjs (and to the Makefile)`);
  return rule[1];
}

// Files below dir as absolute install paths under prefix, sorted.
function treeFiles(dir, prefix, table) {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (rel) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out.push({ path: `${prefix}${r}`, mode: modeOf(table, `${prefix}${r}`), data: readFileSync(join(dir, r)) });
    }
  };
  walk('');
  return out;
}

/** PKG_RELEASE from the OpenWrt Makefile, so both builds name the same version. */
export function pkgRelease(root) {
  const m = /^PKG_RELEASE:=(\d+)$/m.exec(readFileSync(join(root, 'Makefile'), 'utf8'));
  if (!m) throw new Error('Makefile: no PKG_RELEASE:=<number> line');
  return m[1];
}

/**
 * Every package as { name, bytes }: the .ipk files, then the .apk files,
 * netboot first in each.
 * @param {{ root: string, bundle: string, epoch: number }} opts
 *   root: the repository; bundle: the built netboot.js; epoch: SOURCE_DATE_EPOCH
 */
export function buildPackages(opts) {
  return FORMATS.flatMap(({ build, engine }) => describePackages(opts, engine).map((spec) => build(spec, opts.epoch)));
}

/**
 * The packages' descriptions (ipk.mjs's IpkSpec), netboot first.
 * @param {{ root: string, bundle: string, epoch: number }} opts
 * @param {string} engine netboot's dependency on a JavaScript engine
 * @returns {import('./ipk.mjs').IpkSpec[]}
 */
function describePackages({ root, bundle, epoch }, engine) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = `${pkg.version}-r${pkgRelease(root)}`;
  const common = { Version: version, License: pkg.license, SourceDateEpoch: String(epoch), Architecture: 'all' };

  const netboot = {
    control: { Package: 'netboot', ...common, Depends: engine, SourceName: 'netboot', Section: 'net', Description: pkg.description },
    files: [
      ...treeFiles(join(root, 'files'), '/', NETBOOT_MODES),
      { path: '/usr/share/netboot/netboot.js', mode: modeOf(NETBOOT_MODES, '/usr/share/netboot/netboot.js'), data: readFileSync(bundle) },
    ],
    conffiles: ['/etc/config/netboot'],
    // On removal (not upgrade) of a running system, hand dnsmasq back what
    // netboot took from it; without an engine this only prints how to get one.
    prermPkg: '[ -n "${IPKG_INSTROOT}" ] || [ "${PKG_UPGRADE}" = "1" ] || /usr/bin/netboot disable || true',
    // rpcd runs the plugin's `list` again: the ubus object netboot appears or goes.
    postinstPkg: RPCD_RELOAD,
    postrm: `#!/bin/sh\n${RPCD_RELOAD}`,
  };

  const app = join(root, 'luci-app');
  const luciFiles = [...treeFiles(join(app, 'htdocs'), '/www/', LUCI_MODES), ...treeFiles(join(app, 'root'), '/', LUCI_MODES)];
  const defaults = luciFiles.filter((f) => f.path.startsWith('/etc/uci-defaults/')).map((f) => f.path);
  const luci = {
    control: {
      Package: 'luci-app-netboot',
      ...common,
      // rpcd serves the app's ubus calls and ACL and is reloaded by its postinst.
      Depends: 'luci-base, netboot, rpcd',
      SourceName: 'luci-app-netboot',
      Section: 'luci',
      Description: 'LuCI support for netboot',
    },
    files: luciFiles,
    // luci.mk's default postinst for an app.
    postinstPkg: [
      `[ -n "\${IPKG_INSTROOT}" ] || {${defaults.map((d) => `\n\t(. ${d}) && rm -f ${d}`).join('')}`,
      '\trm -f /tmp/luci-indexcache',
      '\trm -rf /tmp/luci-modulecache/',
      '\tkillall -HUP rpcd 2>/dev/null',
      '\texit 0',
      '}',
    ].join('\n'),
  };

  const poDir = join(app, 'po');
  const langs = existsSync(poDir) ? readdirSync(poDir).filter((d) => d !== 'templates').sort() : [];
  const i18n = langs.map((lang) => {
    const l = LANGUAGES[lang];
    if (!l) throw new Error(`luci-app/po/${lang}: add its luci.mk code and title to LANGUAGES in scripts/package/packages.mjs`);
    const name = `luci-i18n-netboot-${l.code}`;
    const catalogs = readdirSync(join(poDir, lang))
      .filter((f) => f.endsWith('.po'))
      .sort()
      .map((f) => ({ path: `/usr/lib/lua/luci/i18n/${f.slice(0, -3)}.${l.code}.lmo`, mode: 0o644, data: po2lmo(readFileSync(join(poDir, lang, f))) }))
      .filter((f) => f.data !== null);
    const defaultsFile = `/etc/uci-defaults/${name}`;
    return {
      control: {
        Package: name,
        ...common,
        Depends: 'luci-app-netboot',
        SourceName: 'luci-app-netboot',
        Section: 'luci',
        Description: `Translation for luci-app-netboot - ${l.title}`,
      },
      files: [
        { path: defaultsFile, mode: 0o644, data: Buffer.from(`uci set luci.languages.${l.code.replace(/-/g, '_')}='${l.title}'; uci commit luci\n`) },
        ...catalogs,
      ],
      // luci.mk's LuciTranslation postinst, tabs included.
      postinstPkg: [
        '\t[ -n "${IPKG_INSTROOT}" ] || {',
        `\t\t(. ${defaultsFile}) && rm -f ${defaultsFile}`,
        '\t\texit 0',
        '\t}',
      ].join('\n'),
    };
  });

  return [netboot, luci, ...i18n];
}
