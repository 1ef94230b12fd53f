// Artifacts built at run time: the hybrid iSCSI disks (one per target, each printing
// its own marker), the tiny initramfs, and the installer tree the HTTP server serves.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUSYBOX, E2E_DIR } from './env';
import { run } from './proc';

const IMAGES = join(E2E_DIR, 'images');
const ESP_START = 2048; // sectors: the ESP starts at 1 MiB
const ESP_SECTORS = 2048; // a 1 MiB FAT12 ESP

/** What a disk prints when it boots: one marker per target and firmware. */
export const diskMarker = (target: string, fw: 'bios' | 'uefi') => `E2E-MARKER target=${target} firmware=${fw}`;
export const initramfsMarker = (name: string) => `E2E-MARKER initramfs=${name}`;

/**
 * A disk that boots under BIOS (LBA0: bios-mbr.asm) and under UEFI (partition 1,
 * type 0xEF: a FAT ESP with \EFI\BOOT\BOOTX64.EFI from efi-app.asm). Debian's OVMF
 * has no CSM, so a plain MBR disk could not be sanbooted under UEFI.
 */
export async function buildHybridDisk(dir: string, target: string): Promise<string> {
  const mbr = join(dir, `${target}.mbr`);
  const efi = join(dir, `${target}.BOOTX64.EFI`);
  const esp = join(dir, `${target}.esp`);
  const disk = join(dir, `${target}.img`);
  await run('nasm', ['-f', 'bin', `-DMARKER="${diskMarker(target, 'bios')}"`, `-DPART_START=${ESP_START}`, `-DPART_SECTORS=${ESP_SECTORS}`, '-o', mbr, join(IMAGES, 'bios-mbr.asm')]);
  await run('nasm', ['-f', 'bin', `-DMARKER="${diskMarker(target, 'uefi')}"`, '-o', efi, join(IMAGES, 'efi-app.asm')]);
  await run('mkfs.fat', ['-C', esp, String(ESP_SECTORS / 2)]);
  await run('mmd', ['-i', esp, '::/EFI', '::/EFI/BOOT']);
  await run('mcopy', ['-i', esp, efi, '::/EFI/BOOT/BOOTX64.EFI']);
  const image = Buffer.alloc((ESP_START + ESP_SECTORS) * 512);
  readFileSync(mbr).copy(image, 0);
  readFileSync(esp).copy(image, ESP_START * 512);
  writeFileSync(disk, image);
  return disk;
}

/** busybox-static + images/init.sh as /init, newc cpio, gzip. */
export async function buildInitramfs(dir: string, name: string): Promise<string> {
  const root = join(dir, `initramfs-${name}`);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  const init = readFileSync(join(IMAGES, 'init.sh'), 'utf8').replaceAll('@NAME@', name);
  writeFileSync(join(root, 'init'), init, { mode: 0o755 });
  const cpio = join(dir, `initrd-${name}.cpio`);
  await run('sh', ['-c', `find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 -O '${cpio}'`], { cwd: root });
  const out = join(dir, `initrd-${name}.gz`);
  writeFileSync(out, gzipSync(readFileSync(cpio), { level: 1 }));
  return out;
}

export const WINPE_FILES = ['bootmgr', 'boot/bcd', 'boot/boot.sdi', 'sources/boot.wim'] as const;

/** What the `chain` installer stand-in prints before it returns to netboot's menu, like a user leaving it. */
export const RETURNING_MARKER = 'E2E-INSTALLER-RETURNS';
export const RETURNING_INSTALLER = 'returns.ipxe';

/**
 * The installer tree at /install/: linux/vmlinuz + linux/initrd.gz, a `chain`
 * installer that returns at once, and a WinPE stand-in. iPXE's `kernel` refuses a file it cannot recognise before fetching any
 * initrd, so the stand-in wimboot is the same bzImage; the WinPE files are small
 * labelled blobs, and only the order iPXE requests them in is checked.
 */
export function buildInstallTree(dir: string, kernel: string, initrd: string): string {
  mkdirSync(join(dir, 'linux'), { recursive: true });
  symlinkSync(kernel, join(dir, 'linux/vmlinuz'));
  copyFileSync(initrd, join(dir, 'linux/initrd.gz'));
  writeFileSync(join(dir, RETURNING_INSTALLER), `#!ipxe\necho ${RETURNING_MARKER}\nexit\n`);
  symlinkSync(kernel, join(dir, 'wimboot'));
  for (const f of WINPE_FILES) {
    mkdirSync(join(dir, 'winpe', f, '..'), { recursive: true });
    writeFileSync(join(dir, 'winpe', f), `stand-in for WinPE ${f}\n`.repeat(64));
  }
  return dir;
}
