; UEFI half of the hybrid test disk: a 1 KiB PE32+ EFI application
; (\EFI\BOOT\BOOTX64.EFI on the ESP) that prints MARKER on COM1 and on
; ConOut, then halts. Position independent, so it needs no relocations.
; nasm -f bin -DMARKER='"..."'
bits 64
default rel

%ifndef MARKER
%error "define MARKER"
%endif

ALIGN_ equ 0x200                 ; file and section alignment
IMAGE_BASE equ 0x400000

dos_header:
    db 'MZ'
    times 0x3c - ($ - $$) db 0
    dd pe_header                ; e_lfanew

pe_header:
    db 'PE', 0, 0
    dw 0x8664                   ; Machine: x86-64
    dw 1                        ; NumberOfSections
    dd 0, 0, 0                  ; TimeDateStamp, symbols
    dw optional_end - optional  ; SizeOfOptionalHeader
    dw 0x0206                   ; executable, no line numbers, no debug info
optional:
    dw 0x020b                   ; PE32+
    db 0, 0                     ; linker version
    dd text_end - text          ; SizeOfCode
    dd 0, 0                     ; initialised / uninitialised data
    dd entry - $$               ; AddressOfEntryPoint (RVA == file offset)
    dd text - $$                ; BaseOfCode
    dq IMAGE_BASE
    dd ALIGN_, ALIGN_           ; SectionAlignment, FileAlignment
    dw 0, 0, 0, 0, 0, 0         ; OS, image, subsystem versions
    dd 0                        ; Win32VersionValue
    dd text_end - $$            ; SizeOfImage
    dd text - $$                ; SizeOfHeaders
    dd 0                        ; CheckSum
    dw 10                       ; Subsystem: EFI application
    dw 0                        ; DllCharacteristics
    dq 0x10000, 0x10000, 0x10000, 0 ; stack and heap reserve/commit
    dd 0                        ; LoaderFlags
    dd 16                       ; NumberOfRvaAndSizes
    times 16 dq 0               ; no data directories (no relocations needed)
optional_end:

section_table:
    db '.text', 0, 0, 0
    dd text_end - text          ; VirtualSize
    dd text - $$                ; VirtualAddress
    dd text_end - text          ; SizeOfRawData
    dd text - $$                ; PointerToRawData
    dd 0, 0                     ; relocations, line numbers
    dw 0, 0
    dd 0x60000020               ; code, execute, read

    times ALIGN_ - ($ - $$) db 0

text:
entry:                          ; rcx = ImageHandle, rdx = SystemTable
    push rbx
    sub rsp, 32                 ; shadow space; keeps rsp 16-byte aligned
    mov rbx, rdx
    lea rsi, [ascii]
.next:
    lodsb
    test al, al
    jz .conout
    mov ah, al
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, 0x3f8
    out dx, al
    jmp .next
.conout:
    mov rcx, [rbx + 64]         ; SystemTable->ConOut
    lea rdx, [wide]
    call [rcx + 8]              ; ConOut->OutputString(ConOut, wide)
.halt:
    cli
    hlt
    jmp .halt

ascii: db 13, 10, MARKER, 13, 10, 0
wide:  dw __?utf16?__(MARKER), 13, 10, 0

    times ALIGN_ - (($ - $$) % ALIGN_) db 0
text_end:
