// What the lab needs from the machine, and the fixed addresses of its private network.
import { accessSync, constants, existsSync, openSync, readSync, closeSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const NETBOOT_CLI = join(REPO, 'dist/netboot.js');

/** Only these addresses are ever used, and only inside the lab's namespace. */
export const NET = {
  server: '10.77.0.1',
  prefix: 24,
  dhcpFirst: '10.77.0.100',
  dhcpLast: '10.77.0.199',
  ula: 'fd77::1/64',
  /** A second network (OpenWrt interface guest, bridge br1) that is not in netboot's interfaces. */
  guest: { server: '10.77.1.1', ula: 'fd77:1::1/64' },
  httpPort: 8080,
  iscsiPort: 3260,
} as const;
export const HTTP_BASE = `http://${NET.server}:${NET.httpPort}`;

export const IPXE_DIR = '/usr/lib/ipxe';
export const BOOTLOADERS = ['undionly.kpxe', 'snponly.efi', 'ipxe.efi'] as const;
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** install-deps.sh extracts Debian's kernel here (no initramfs-tools, no postinst). */
export const KERNEL_CACHE = '/var/cache/netboot-e2e/vmlinuz';
export const BUSYBOX = '/bin/busybox';

const BINARIES = [
  'ip', 'qemu-system-x86_64', 'dnsmasq', 'tgtd', 'tgtadm', 'nasm',
  'mkfs.fat', 'mmd', 'mcopy', 'cpio', 'gzip',
];

export function which(bin: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = join(d, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The kernel that stands in for an installer (and for wimboot, which must be an image iPXE accepts). */
export function findKernel(): string | undefined {
  if (existsSync(KERNEL_CACHE)) return KERNEL_CACHE;
  const boot = existsSync('/boot') ? readdirSync('/boot').filter((f) => /^vmlinuz-.*-amd64$/.test(f)).sort() : [];
  return boot.length ? join('/boot', boot[boot.length - 1]!) : undefined;
}

/** A static ELF has no PT_INTERP program header; the initramfs has no libc. */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return false;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Everything missing for the lab, as human-readable lines (empty: ready). */
export function missingPrerequisites(): string[] {
  const missing = BINARIES.filter((b) => !which(b)).map((b) => `binary ${b}`);
  const files = [...BOOTLOADERS.map((b) => join(IPXE_DIR, b)), join(IPXE_DIR, 'qemu/pxe-e1000.rom'), OVMF_CODE, OVMF_VARS];
  for (const f of files) if (!existsSync(f)) missing.push(`file ${f}`);
  if (!findKernel()) missing.push(`a Linux kernel (${KERNEL_CACHE} or /boot/vmlinuz-*-amd64)`);
  if (!existsSync(BUSYBOX) || !isStaticElf(BUSYBOX)) missing.push(`a static ${BUSYBOX} (busybox-static)`);
  return missing;
}

export type LabGate = { run: true } | { run: false; skip: string } | { run: false; fail: string };

/** Not Linux or not root: skip. Missing tools: skip on a developer's machine, fail in CI. */
export function labGate(): LabGate {
  if (process.platform !== 'linux') return { run: false, skip: 'the boot lab needs Linux' };
  if (process.getuid?.() !== 0) return { run: false, skip: 'the boot lab needs root (network namespaces, tap devices)' };
  const missing = missingPrerequisites();
  if (!missing.length) return { run: true };
  const msg = `the boot lab is missing: ${missing.join(', ')}; run test/e2e/install-deps.sh`;
  return process.env.CI === 'true' ? { run: false, fail: msg } : { run: false, skip: msg };
}
