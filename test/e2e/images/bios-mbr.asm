; BIOS half of the hybrid test disk: a 512-byte MBR that prints MARKER on
; COM1 (port 0x3f8, polled) and halts, plus one partition entry (type 0xEF)
; that points at the FAT ESP holding the UEFI half (efi-app.asm).
; nasm -f bin -DMARKER='"..."' -DPART_START=2048 -DPART_SECTORS=2048
bits 16
org 0x7c00

%ifndef MARKER
%error "define MARKER"
%endif

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    cld
    mov si, msg
.next:
    lodsb
    test al, al
    jz .halt
    mov ah, al
    mov dx, 0x3fd               ; line status register
.wait:
    in al, dx
    test al, 0x20               ; transmit holding register empty
    jz .wait
    mov al, ah
    mov dx, 0x3f8
    out dx, al
    jmp .next
.halt:
    hlt
    jmp .halt

msg: db 13, 10, MARKER, 13, 10, 0

    times 0x1be - ($ - $$) db 0
; partition 1: not active, type 0xEF. The CHS fields matter: iPXE guesses the
; BIOS geometry of a SAN disk from the partitions' end CHS, and with the usual
; "use LBA" filler (255 heads x 63 sectors) a 2 MiB disk has 0 cylinders, so
; even the read of LBA 0 fails ("Boot from SAN device 0x80 failed: Input/output
; error"). So: a true small geometry, 4 heads x 32 sectors.
HEADS equ 4
SPT equ 32
%macro chs 1 ; LBA -> head, sector | cylinder bits 8-9, cylinder bits 0-7
    db ((%1) / SPT) % HEADS
    db (((%1) % SPT) + 1) | ((((%1) / (SPT * HEADS)) >> 8) << 6)
    db ((%1) / (SPT * HEADS)) & 0xff
%endmacro
    db 0x00
    chs PART_START
    db 0xef
    chs PART_START + PART_SECTORS - 1
    dd PART_START, PART_SECTORS
    times 0x1fe - ($ - $$) db 0
    dw 0xaa55
