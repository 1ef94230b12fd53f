// `netboot check`: proves the boot chain is servable from the network's side:
// every boot loader and netboot script over TFTP from the router, the UEFI
// loaders over HTTP for HTTP Boot clients, every iSCSI portal and target
// (offered, its login, its LUN), every installer file over HTTP.

import type { InstallerSpec, Model } from '../config/model';
import { joinUrl } from '../config/values';
import { join } from '../fs/path';
import { platform } from '../platform';
import { httpBootChecks } from './http-boot';
import { iscsiChecks } from './iscsi';
import { type Check, httpHead, tftpFetch } from './probes';

export type { Check } from './probes';

export interface CheckReport {
  /**
   * Every check passed. A probe that could not run (probed: false, under qjs
   * without busybox's tftp or nc) is not a pass: the chain is not proven.
   */
  ok: boolean;
  checks: Check[];
}

/** Installer files a client would fetch; {arch} as the most common client, amd64. */
function installerUrls(spec: InstallerSpec): string[] {
  switch (spec.kind) {
    case 'linux':
    case 'debian-installer':
      return [spec.kernel, ...spec.initrds];
    case 'windows':
      return [spec.wimboot, ...['bootmgr', 'boot/bcd', 'boot/boot.sdi', 'sources/boot.wim'].map((f) => joinUrl(spec.path, f)), ...spec.injects];
    case 'iso':
    case 'chain':
      return [spec.url];
  }
}

export async function runChecks(m: Model, tftpDir: string, tftpServer: string): Promise<CheckReport> {
  const s = m.settings;
  const local = (p: string) => {
    try {
      return platform.readBytes(join(tftpDir, p));
    } catch {
      return undefined;
    }
  };
  const checks: Check[] = [];
  // TFTP is lock-step and dnsmasq serves one file at a time per client: fetch in turn.
  for (const path of [s.bootloaders.bios, s.bootloaders.efi64, s.bootloaders.arm64, 'netboot/menu.ipxe', 'netboot/boot.ipxe.cfg']) {
    const want = local(path);
    if (want === undefined) {
      const hint = path.startsWith('netboot/') ? 'run "netboot apply"' : 'install it with "netboot bootloaders install --from DIR|URL"';
      checks.push({ name: `tftp ${path}`, ok: path === s.bootloaders.arm64, detail: `not in the TFTP root ${s.tftpRoot}; ${hint}${path === s.bootloaders.arm64 ? ' (only arm64 clients need it)' : ''}` });
      continue;
    }
    checks.push(await tftpFetch(tftpServer, path, want));
  }
  checks.push(...(await httpBootChecks(s, local)));
  const urls = new Set(m.installers.flatMap((i) => installerUrls(i.spec)).map((u) => u.replaceAll('{arch}', 'amd64')));
  if (s.httpUrl) urls.add(`${s.httpUrl}menu.ipxe`);
  const [iscsi, http] = await Promise.all([iscsiChecks(m), Promise.all([...urls].map((u) => httpHead(u)))]);
  checks.push(...iscsi, ...http);
  return { ok: checks.every((c) => c.ok), checks };
}
