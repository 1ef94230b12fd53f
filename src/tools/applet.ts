// Finding a busybox applet by its name on PATH. OpenWrt's busybox is built
// without the `busybox` applet itself (BUSYBOX_DEFAULT_BUSYBOX=n in
// openwrt/openwrt package/utils/busybox/Config-defaults.in at 012feaa6 and
// v24.10.4), so `busybox --list` does not answer there; each applet is a
// symlink to the busybox binary (INSTALL_APPLET_SYMLINKS=y), which is how it
// is told from another package's command of the same name (tftp-hpa's tftp,
// OpenBSD's nc), whose options differ.

import { platform, which } from '../platform';

export type Applet = { path: string } | { missing: string };

export function busyboxApplet(name: string): Applet {
  const path = which(name);
  if (!path) return { missing: `this router has no ${name} command (busybox's ${name} applet)` };
  const target = platform.stat(path)?.kind === 'link' ? platform.readlink(path) : '';
  if (!/(^|\/)busybox$/.test(target)) return { missing: `${path} is not busybox's ${name} applet` };
  return { path };
}
