#!/usr/bin/env bash
# Installs what the boot lab (npm run test:e2e) needs on Debian 12. .ci/run calls it.
# Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
# qemu-system-x86: the VMs (TCG); ipxe: undionly.kpxe, snponly.efi, ipxe.efi;
# ipxe-qemu: the e1000 iPXE option ROM; ovmf: UEFI firmware; dnsmasq-base: DHCP+TFTP
# without a service; tgt: iSCSI target; nasm, dosfstools, mtools: the hybrid test
# disks; busybox-static, cpio: the test initramfs; iproute2: ip netns, tap devices;
# etherwake (the same 1.09 source as OpenWrt's package) and python3 (a packet
# socket standing in for a PC's network card): test/wake.test.ts.
apt-get install -y -qq --no-install-recommends \
  qemu-system-x86 ipxe ipxe-qemu ovmf dnsmasq-base tgt \
  nasm dosfstools mtools busybox-static cpio gzip iproute2 etherwake python3 >/dev/null

# The kernel for the installer scenarios: only vmlinuz out of Debian's current
# linux-image package. Installing linux-image-amd64 would also pull initramfs-tools
# and build an initramfs the lab never uses (about a minute); this takes seconds.
cache=/var/cache/netboot-e2e
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
  echo "install-deps: cannot resolve linux-image-amd64" >&2
  exit 1
fi
if [ ! -s "$cache/vmlinuz" ] || [ "$(cat "$cache/package" 2>/dev/null)" != "$pkg" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg")
  dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
  install -D -m 644 "$tmp"/boot/vmlinuz-* "$cache/vmlinuz"
  echo "$pkg" >"$cache/package"
fi
echo "install-deps: boot lab ready (kernel $pkg)"
