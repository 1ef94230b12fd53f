// An .apk (apk-tools 3, v3 format) as OpenWrt 25.12 builds it: what
// include/package-pack.mk (CONFIG_USE_APK) puts in the package, then what
// `apk mkpkg` (apk-tools v3.0.2, src/app_mkpkg.c) makes of it under fakeroot
// with SOURCE_DATE_EPOCH set. From the same description as the .ipk
// (scripts/package/ipk.mjs's IpkSpec), so both formats carry the same files,
// modes, conffiles and scripts.
import { createHash } from 'node:crypto';
import { AdbWriter, adbFile, deflateAdb, NULL } from './adb.mjs';

// Field indexes of apk-tools' schemas (src/apk_adb.h).
const PI = { NAME: 1, VERSION: 2, HASHES: 3, DESCRIPTION: 4, ARCH: 5, LICENSE: 6, INSTALLED_SIZE: 12, DEPENDS: 15, PROVIDES: 16 };
const SCRIPT_SLOTS = ['trigger', 'pre-install', 'post-install', 'pre-deinstall', 'post-deinstall', 'pre-upgrade', 'post-upgrade'];

// apk-package(5): number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}.
const APK_VERSION = /^\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(~[0-9a-f]+)?(-r\d+)?$/;

const bytesOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const shebangless = (text) => text.split('\n').filter((l) => !/^\s*#!/.test(l)).join('\n');

/**
 * The maintainer scripts package-pack.mk writes for apk: base-files'
 * default_postinst / default_prerm (which find the package's uci-defaults and
 * init scripts through /lib/apk/packages/NAME.list), then the package's own
 * postinst-pkg / prerm-pkg with any #! line removed; post-upgrade is
 * post-install with PKG_UPGRADE=1; postrm is post-deinstall as it is.
 * @param {import('./ipk.mjs').IpkSpec} spec
 */
export function apkScripts(spec) {
  const name = spec.control.Package;
  // BuildPackVariable writes each with `echo "$var"`: one newline at the end.
  const own = (text) => (text === undefined ? '' : shebangless(`${text}\n`));
  const postInstall = [
    '#!/bin/sh',
    '[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0',
    '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0',
    '. ${IPKG_INSTROOT}/lib/functions.sh',
    'export root="${IPKG_INSTROOT}"',
    `export pkgname="${name}"`,
    'add_group_and_user',
    'default_postinst',
    '',
  ].join('\n') + own(spec.postinstPkg);
  const scripts = {
    'post-install': postInstall,
    'post-upgrade': `#!/bin/sh\nexport PKG_UPGRADE=1\n${shebangless(postInstall)}`,
    'pre-deinstall': [
      '#!/bin/sh',
      '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0',
      '. ${IPKG_INSTROOT}/lib/functions.sh',
      'export root="${IPKG_INSTROOT}"',
      `export pkgname="${name}"`,
      'default_prerm',
      '',
    ].join('\n') + own(spec.prermPkg),
  };
  // `sed -zi 's/^\s*#!/#!/'`: only blanks before the first #! go.
  if (spec.postrm !== undefined) scripts['post-deinstall'] = `${spec.postrm}\n`.replace(/^\s*#!/, '#!');
  return scripts;
}

/**
 * package-pack.mk's apk depends: the Depends list with parentheses and
 * blanks removed, split at commas. apk has no alternatives ("a | b") and the
 * names here carry no version constraints, so anything else is refused.
 * @param {string | undefined} depends
 */
export function apkDepends(depends) {
  const names = (depends ?? '').replace(/[()\s]/g, '').split(',').filter(Boolean);
  for (const n of names) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(n)) throw new Error(`apk: dependency "${n}" is not a plain package name (apk has no "a | b")`);
  }
  return names;
}

/**
 * The files package-pack.mk adds below /lib/apk/packages: NAME.list (every
 * file of the package, `find -type f,l | sort` in the C locale, before these
 * are added), NAME.conffiles and NAME.conffiles_static (each conffile and the
 * sha256 of its packaged content), all 0644.
 * @param {import('./ipk.mjs').IpkSpec} spec
 */
function packageDbFiles(spec) {
  const name = spec.control.Package;
  const dir = '/lib/apk/packages';
  const text = (lines) => Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const out = [{ path: `${dir}/${name}.list`, mode: 0o644, data: text(spec.files.map((f) => f.path).sort(bytesOrder)) }];
  if (spec.conffiles?.length) {
    const sums = spec.conffiles.map((c) => {
      const f = spec.files.find((x) => x.path === c);
      if (!f) throw new Error(`${name}: conffile ${c} is not in the package`);
      return `${c} ${createHash('sha256').update(f.data).digest('hex')}`;
    });
    out.push({ path: `${dir}/${name}.conffiles`, mode: 0o644, data: text(spec.conffiles) });
    out.push({ path: `${dir}/${name}.conffiles_static`, mode: 0o644, data: text(sums) });
  }
  return out;
}

/**
 * The .apk's file name and bytes.
 * @param {import('./ipk.mjs').IpkSpec} spec
 * @param {number} mtime seconds since the epoch (SOURCE_DATE_EPOCH), every file's mtime
 */
export function buildApk(spec, mtime) {
  const { control } = spec;
  const name = control.Package;
  if (!APK_VERSION.test(control.Version)) {
    throw new Error(`${name}: "${control.Version}" is not an apk version (number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}): fix package.json's version`);
  }
  const files = [...spec.files, ...packageDbFiles(spec)];

  // Folders as mkpkg finds them under the package root: the root and every
  // folder on the way to a file, all 0755 root:root (INSTALL_DIR, mkdir -p).
  const byDir = new Map([['', []]]);
  for (const f of files) {
    const parts = f.path.replace(/^\//, '').split('/');
    for (let i = 1; i < parts.length; i++) if (!byDir.has(parts.slice(0, i).join('/'))) byDir.set(parts.slice(0, i).join('/'), []);
    byDir.get(parts.slice(0, -1).join('/')).push({ ...f, name: parts[parts.length - 1] });
  }
  const dirs = [...byDir.keys()].sort(bytesOrder);
  for (const d of dirs) byDir.get(d).sort((a, b) => bytesOrder(a.name, b.name));

  const w = new AdbWriter();
  const info = [];
  // --info fields, written in the schema's field order (assign_fields).
  info[PI.NAME] = w.blob(name);
  info[PI.VERSION] = w.blob(control.Version);
  // $(strip ...) of the description: one line, single blanks.
  info[PI.DESCRIPTION] = w.blob(control.Description.trim().split(/\s+/).join(' '));
  info[PI.ARCH] = w.blob(control.Architecture === 'all' ? 'noarch' : control.Architecture);
  info[PI.LICENSE] = w.blob(control.License ?? '');
  // A dependency is an object { name } (no version: any); a list of them is
  // sorted by name, each written once (adb_wa_sort_unique).
  const depList = (names) => {
    const deps = new Map(names.map((n) => [w.obj([NULL, w.blob(n)]), n]));
    return w.obj([NULL, ...[...deps.keys()].sort((a, b) => bytesOrder(deps.get(a), deps.get(b)))]);
  };
  info[PI.DEPENDS] = depList(apkDepends(control.Depends));
  // package.mk's implicit virtual provide @NAME-any (no version: never owns the name).
  info[PI.PROVIDES] = depList([`${name}-any`]);

  // The tree: each folder's files, then the folder (mkpkg_process_directory).
  let installedSize = 0;
  const paths = [];
  for (const d of dirs) {
    const entries = byDir.get(d).map((f) => {
      installedSize += f.data.length;
      const fname = w.blob(f.name);
      const hash = w.blob(createHash('sha256').update(f.data).digest());
      const time = w.int(mtime);
      const size = w.int(f.data.length);
      const acl = w.obj([NULL, w.int(f.mode), w.blob('root'), w.blob('root')]);
      return { name: f.name, val: w.obj([NULL, fname, acl, size, time, hash]) };
    });
    const dname = w.blob(d);
    const acl = w.obj([NULL, w.int(0o755), w.blob('root'), w.blob('root')]);
    const list = w.obj([NULL, ...entries.map((e) => e.val)]);
    paths.push({ name: d, files: byDir.get(d), val: w.obj([NULL, dname, acl, list]) });
  }
  info[PI.INSTALLED_SIZE] = w.int(installedSize || 1);
  // The package's unique id: 20 bytes, zero until the block is complete.
  info[PI.HASHES] = w.blob(Buffer.alloc(20), true);
  const infoVal = w.obj(fill(info));
  const pathsVal = w.obj([NULL, ...paths.map((p) => p.val)]);
  const scripts = apkScripts(spec);
  const scriptVals = SCRIPT_SLOTS.map((s) => (scripts[s] === undefined ? NULL : w.blob(scripts[s])));
  const scriptsVal = w.obj([NULL, ...scriptVals]);
  w.setRoot(w.obj([NULL, infoVal, pathsVal, scriptsVal]));

  // The id is the start of the sha256 of the block with the id zeroed.
  const adb = w.bytes();
  createHash('sha256').update(adb).digest().copy(adb, (info[PI.HASHES] & 0x0fffffff) + 1, 0, 20);

  const data = [];
  paths.forEach((p, i) =>
    p.files.forEach((f, j) => {
      if (f.data.length === 0) return;
      const header = Buffer.alloc(8);
      header.writeUInt32LE(i + 1, 0);
      header.writeUInt32LE(j + 1, 4);
      data.push({ header, data: f.data });
    }),
  );
  return { name: `${name}-${control.Version}.apk`, bytes: deflateAdb(adbFile('pckg', adb, data)) };
}

// Index slots 1.. of a sparse field list, holes as null.
function fill(fields) {
  return Array.from({ length: fields.length }, (_, i) => fields[i] ?? NULL);
}
