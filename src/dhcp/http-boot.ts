// Where UEFI HTTP Boot clients (DHCP client-arch 16 x64, 19 arm64; vendor
// class "HTTPClient") fetch the first-stage iPXE: an absolute URL as the boot
// file, which their firmware downloads itself (EDK2 HttpBootDxe reads it from
// option 67 or the `file` field of an offer that carries option 60
// "HTTPClient"). Pure.

import type { Settings } from '../config/model';
import { OWNED_DIR } from '../ipxe/render';

export type HttpBoot = { base: string; from: 'boot_url' | 'http_url' } | { base?: undefined; why: string };

/**
 * The HTTP folder of the TFTP root: boot_url, else the folder above http_url
 * when http_url serves netboot/ as part of the whole TFTP root
 * (http://router/tftp/netboot/ → http://router/tftp/).
 */
export function httpBoot(s: Settings): HttpBoot {
  if (s.bootUrl) return { base: s.bootUrl, from: 'boot_url' };
  const suffix = `/${OWNED_DIR}/`;
  if (s.httpUrl?.endsWith(suffix) && /^https?:/i.test(s.httpUrl) && !s.httpUrl.includes('{')) return { base: s.httpUrl.slice(0, 1 - suffix.length), from: 'http_url' };
  return {
    why: s.httpUrl
      ? `netboot.main.boot_url is unset and http_url does not end in ${OWNED_DIR}/, so netboot cannot tell where the boot loaders are served over HTTP`
      : 'netboot.main.boot_url is unset (the HTTP folder where the router serves the TFTP root)',
  };
}

/** validate's one line about HTTP Boot clients: what they get, or why nothing. */
export function httpBootLine(s: Settings): string {
  const h = httpBoot(s);
  if (h.base === undefined) return `UEFI HTTP Boot clients get no boot file: ${h.why}; see "UEFI HTTP Boot" in the README`;
  return `UEFI HTTP Boot clients get ${h.base}${s.bootloaders.efi64} (arm64: ${h.base}${s.bootloaders.arm64}), from ${h.from}`;
}
