// SHA-256 of a file through the `sha256sum` command (busybox's applet on
// OpenWrt, enabled by default: package/utils/busybox/Config-defaults.in), for
// engines without hashing (qjs). Busybox and GNU both print "SUM  NAME"; GNU
// puts a backslash first when the name holds a backslash or newline.

import { platform } from '../platform';

export function sha256sumFile(path: string): string {
  const r = platform.exec(['sha256sum', path]);
  const sum = /^\\?([0-9a-f]{64}) /.exec(r.stdout)?.[1];
  if (r.status !== 0 || !sum) throw new Error(`sha256sum ${path} failed (exit status ${r.status})${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
  return sum;
}
