// An .ipk as OpenWrt's include/package-pack.mk and scripts/ipkg-build make
// it: a gzip'd GNU tar of ./debian-binary, ./data.tar.gz and
// ./control.tar.gz (in that order), control.tar.gz holding control,
// conffiles, postinst / prerm, the package's own postinst-pkg / prerm-pkg
// and its postrm. opkg-lede reads only this tar form, not the ar form of .deb.
import { gzip, tar } from './archive.mjs';

// package-pack.mk writes these two for every package; default_postinst and
// default_prerm (base-files' /lib/functions.sh) run the package's *-pkg
// scripts, uci-defaults and init scripts. The -s test keeps them harmless in
// an image root or a foreign system without base-files.
const POSTINST = [
  '#!/bin/sh',
  '[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0',
  '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0',
  '. ${IPKG_INSTROOT}/lib/functions.sh',
  'default_postinst $0 $@',
  '',
].join('\n');
const PRERM = [
  '#!/bin/sh',
  '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0',
  '. ${IPKG_INSTROOT}/lib/functions.sh',
  'default_prerm $0 $@',
  '',
].join('\n');

/**
 * @typedef {{
 *   Package: string, Version: string, Depends?: string, Source?: string,
 *   SourceName?: string, License?: string, Section?: string,
 *   SourceDateEpoch?: string, URL?: string, Maintainer?: string,
 *   Architecture: string, Description: string,
 * }} Control
 * @typedef {{
 *   control: Control,
 *   files: { path: string, mode: number, data: Buffer }[],
 *   conffiles?: string[],
 *   postinstPkg?: string,
 *   prermPkg?: string,
 *   postrm?: string,
 * }} IpkSpec  paths absolute ("/etc/config/netboot")
 */

// The field order of package-pack.mk's Package/<name>/CONTROL, empty fields
// left out; Installed-Size is filled in from the data tar as ipkg-build does.
const FIELDS = ['Package', 'Version', 'Depends', 'Source', 'SourceName', 'License', 'Section', 'SourceDateEpoch', 'URL', 'Maintainer', 'Architecture'];

function controlText(control, installedSize) {
  const lines = FIELDS.filter((f) => control[f]).map((f) => `${f}: ${control[f]}`);
  lines.push(`Installed-Size: ${installedSize}`);
  // `printf "Description: "; echo "$DESCRIPTION" | sed -e 's,^[[:space:]]*, ,g'`:
  // every line gets one leading space, the first one too.
  lines.push(`Description: ${control.Description.split('\n').map((l) => ` ${l.trimStart()}`).join('\n')}`);
  return lines.join('\n') + '\n';
}

// Every folder on the way to each file, the root ("") included, as `tar -c .` lists them.
function withFolders(files) {
  const dirs = new Set(['']);
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...[...dirs].map((path) => ({ path, mode: 0o755 })), ...files];
}

/**
 * The .ipk's file name and bytes.
 * @param {IpkSpec} spec
 * @param {number} mtime seconds since the epoch, for every tar entry
 */
export function buildIpk(spec, mtime) {
  const { control } = spec;
  const data = tar(withFolders(spec.files.map((f) => ({ ...f, path: f.path.replace(/^\//, '') }))), mtime);

  const text = (s) => Buffer.from(s);
  const ctl = [{ path: 'control', mode: 0o644, data: text(controlText(control, data.length)) }];
  if (spec.conffiles?.length) {
    for (const c of spec.conffiles) {
      if (!spec.files.some((f) => f.path === c)) throw new Error(`${control.Package}: conffile ${c} is not in the package`);
    }
    // ipkg-build keeps the conffiles that exist, sorted with LC_ALL=C.
    const sorted = [...spec.conffiles].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    ctl.push({ path: 'conffiles', mode: 0o644, data: text(sorted.join('\n') + '\n') });
  }
  ctl.push({ path: 'postinst', mode: 0o755, data: text(POSTINST) });
  ctl.push({ path: 'prerm', mode: 0o755, data: text(PRERM) });
  // BuildPackVariable: `echo "$var" > postinst-pkg; chmod 0755`.
  if (spec.postinstPkg) ctl.push({ path: 'postinst-pkg', mode: 0o755, data: text(spec.postinstPkg + '\n') });
  if (spec.prermPkg) ctl.push({ path: 'prerm-pkg', mode: 0o755, data: text(spec.prermPkg + '\n') });
  // postrm has no default_* wrapper: BuildPackVariable writes it as it is.
  if (spec.postrm) ctl.push({ path: 'postrm', mode: 0o755, data: text(spec.postrm + '\n') });

  // ipkg-build names the three members on the command line, in this order.
  const outer = tar(
    [
      { path: 'debian-binary', mode: 0o644, data: text('2.0\n') },
      { path: 'data.tar.gz', mode: 0o644, data: gzip(data) },
      { path: 'control.tar.gz', mode: 0o644, data: gzip(tar([{ path: '', mode: 0o755 }, ...ctl], mtime)) },
    ],
    mtime,
    { keepOrder: true },
  );
  return { name: `${control.Package}_${control.Version}_${control.Architecture}.ipk`, bytes: gzip(outer) };
}
