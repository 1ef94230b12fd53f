#!/bin/busybox sh
# /init of the lab's tiny initramfs (busybox-static): print the kernel command
# line and the strings of the iBFT that iPXE's sanhook published, then power off.
# UEFI iPXE installs the iBFT as an ACPI table; BIOS iPXE leaves it in base
# memory (0x80000-0xfffff), which /dev/mem may read without any module.
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "E2E-CMDLINE: $(cat /proc/cmdline)"
ibft=""
if [ -r /sys/firmware/acpi/tables/iBFT ]; then
  cat /sys/firmware/acpi/tables/iBFT > /tmp/ibft
  ibft=acpi
else
  dd if=/dev/mem of=/tmp/low bs=4096 skip=128 count=128 2>/dev/null
  # The table starts 16-byte aligned with "iBFT" (u32 0x54464269), then its length.
  set -- $(od -A d -t x4 -w16 -v /tmp/low | awk '$2 == "54464269" { print $1 + 0, $3; exit }')
  if [ $# -eq 2 ]; then
    dd if=/tmp/low of=/tmp/ibft bs=1 skip=$(($1)) count=$((0x$2)) 2>/dev/null
    ibft=lowmem
  fi
fi
if [ -n "$ibft" ]; then
  echo "E2E-IBFT-BEGIN ($ibft)"
  strings -n 4 /tmp/ibft | sed 's/^/E2E-IBFT: /'
  echo "E2E-IBFT-END"
else
  echo "E2E-IBFT-MISSING"
fi
echo "E2E-MARKER initramfs=@NAME@"
poweroff -f
