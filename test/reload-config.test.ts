// `uci commit netboot; reload_config` right after installing must reach the
// service (its procd reload trigger), as it does for any other config.
//
// reload_config, transcribed in our words from openwrt/openwrt
// package/system/procd/files/reload_config in two forms:
// - 24.10 (v24.10.4, last changed in f079db3844): `uci show` of every file in
//   /etc/config into /var/run/config.check/FILE; if /var/run/config.md5
//   exists, `md5sum -c` it and send `config.change` for each FAILED file (its
//   basename); then record `md5sum /var/run/config.check/*` there.
// - later (16e4dffba7): the same into a mktemp folder, with the bare names
//   recorded.
// Either way a file the record does not name is never reported, and
// /etc/init.d/boot runs it once at boot (v24.10.4 package/base-files/files/
// etc/init.d/boot), before netboot was installed. The transcriptions run
// under busybox (OpenWrt's md5sum, grep, awk) with OpenWrt's uci from
// OWRT_PREFIX on a config folder of the test's; /var/run is a tmpfs of the
// test's own mount namespace, and `ubus` records the events it is given.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DHCP_2410 } from './helpers/bundle';
import { OWRT_PREFIX } from './helpers/owrt';

const FILES = join(__dirname, '../files');
const missing = [
  !OWRT_PREFIX && 'OWRT_PREFIX (uci from OpenWrt)',
  process.getuid?.() !== 0 && 'root (a mount namespace for /var/run)',
  spawnSync('busybox', ['true']).status !== 0 && 'busybox',
].filter(Boolean);

const RELOAD_CONFIG = {
  '24.10': `
rm -rf /var/run/config.check
mkdir -p /var/run/config.check
for config in "$CONFIG_DIR"/*; do
	file=\${config##*/}
	uci show "$file" > /var/run/config.check/$file
done
if [ -f /var/run/config.md5 ]; then
	for c in $(md5sum -c /var/run/config.md5 2>/dev/null | grep FAILED | cut -d: -f1); do
		ubus call service event "{ \\"type\\": \\"config.change\\", \\"data\\": { \\"package\\": \\"$(basename $c)\\" }}"
	done
fi
md5sum /var/run/config.check/* > /var/run/config.md5
rm -rf /var/run/config.check
`,
  later: `
cd "$CONFIG_DIR" && DIR=$(mktemp -d) || exit 1
for conf in *; do
	uci show "$conf" > "$DIR/$conf"
done
cd "$DIR"
if [ -f /var/run/config.md5 ]; then
	md5sum -c /var/run/config.md5 | awk -F: '/FAILED$/{print $1}' | while read conf; do
		ubus call service event "{'type':'config.change','data':{'package':'$conf'}}"
	done
fi
md5sum * > /var/run/config.md5
cd /
rm -rf "$DIR"
`,
};

describe.skipIf(missing.length)(`reload_config after installing netboot${missing.length ? ` (skipped: needs ${missing.join(', ')})` : ''}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netboot-reload-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(RELOAD_CONFIG))('reports the first change to netboot (reload_config of %s)', (release) => {
    const home = join(dir, release);
    const config = join(home, 'config');
    const bin = join(home, 'bin');
    const events = join(home, 'events');
    mkdirSync(config, { recursive: true });
    mkdirSync(bin);
    writeFileSync(join(config, 'dhcp'), DHCP_2410);
    for (const applet of ['md5sum', 'grep', 'cut', 'awk', 'mktemp', 'basename', 'rm', 'mkdir', 'cat', 'chmod']) symlinkSync('/bin/busybox', join(bin, applet));
    writeFileSync(join(bin, 'uci'), `#!/bin/sh\nexec ${OWRT_PREFIX}/bin/uci -c ${config} "$@"\n`);
    writeFileSync(join(bin, 'ubus'), `#!/bin/sh\necho "$*" >> ${events}\n`);
    writeFileSync(join(bin, 'reload_config'), `#!/bin/busybox sh\nCONFIG_DIR=${config}\n${RELOAD_CONFIG[release as keyof typeof RELOAD_CONFIG]}`);
    for (const f of ['uci', 'ubus', 'reload_config']) chmodSync(join(bin, f), 0o755);

    // The uci-defaults script, whose one change is where /etc/config is (uci -c has it too).
    const defaults = join(home, '90-netboot');
    const text = readFileSync(join(FILES, 'etc/uci-defaults/90-netboot'), 'utf8');
    expect(text).toContain('config=/etc/config/netboot\n');
    writeFileSync(defaults, text.replace('config=/etc/config/netboot\n', `config=${config}/netboot\n`));

    // The router's life in one mount namespace: boot (reload_config writes
    // its record), opkg install (the package's files, then default_postinst
    // runs the uci-defaults script in a subshell), then the README's workflow.
    const steps = [
      'reload_config',
      `cp ${join(FILES, 'etc/config/netboot')} ${config}/netboot`,
      `( . ${defaults} )`,
      `echo "installed: $?"`,
      'uci set netboot.main.enabled=1',
      'uci commit netboot',
      'reload_config',
      'echo "after the change: $(cat ' + events + ' 2>/dev/null)"',
      `rm -f ${events}`,
      'reload_config',
      'echo "after none: $(cat ' + events + ' 2>/dev/null)"',
    ];
    const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec busybox sh -c "$0"', steps.join('\n')], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
      encoding: 'utf8',
    });
    // The later reload_config leaves md5sum's own summary on stderr; nothing else may be there.
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('md5sum: WARNING'))).toEqual([]);
    const said = r.stdout.split('\n');
    expect(said).toContain('installed: 0');
    expect(said.find((l) => l.startsWith('after the change:'))).toMatch(/^after the change: call service event .*config\.change.*package.*netboot/);
    expect(said).toContain('after none: ');
  });
});
