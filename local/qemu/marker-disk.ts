// A hard disk for the boot tests whose boot sector proves it was booted: it writes a marker to
// the first serial port (and the screen), then halts. A stand-in for "the installed OS" when the
// question is only which drive the firmware or iPXE handed control to.
import * as fs from "node:fs";
import * as path from "node:path";

export const DISK_MARKER = "BOOTSTACK-LOCAL-DISK";

/**
 * 16-bit real-mode code at 0x7c00 (hand-assembled; the listing is the comment on each line):
 * print the message with `out` to COM1 and INT 10h teletype, then hlt forever.
 */
function bootSector(message: string): Buffer {
  const msgAt = 0x7c00 + 36;
  // prettier-ignore
  const code = [
    0xfa,                         // cli
    0x31, 0xc0,                   // xor ax,ax
    0x8e, 0xd8,                   // mov ds,ax
    0x8e, 0xd0,                   // mov ss,ax
    0xbc, 0x00, 0x7c,             // mov sp,0x7c00
    0xfb,                         // sti
    0xfc,                         // cld
    0xbe, msgAt & 0xff, msgAt >> 8, // mov si,msg
    0xac,                         // next: lodsb
    0x08, 0xc0,                   // or al,al
    0x74, 0x0d,                   // jz done
    0xba, 0xf8, 0x03,             // mov dx,0x3f8
    0xee,                         // out dx,al
    0xb4, 0x0e,                   // mov ah,0x0e
    0xbb, 0x07, 0x00,             // mov bx,7
    0xcd, 0x10,                   // int 0x10
    0xeb, 0xee,                   // jmp next
    0xf4,                         // done: hlt
    0xeb, 0xfd,                   // jmp done
  ];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector, 0);
  Buffer.from(`${message}\r\n\0`, "latin1").copy(sector, code.length);
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

/** Writes a 1 MiB raw disk image with the marker boot sector into `dir`; returns its path. */
export function writeMarkerDisk(dir: string, message = DISK_MARKER): string {
  const file = path.join(dir, "marker-disk.img");
  const image = Buffer.alloc(1024 * 1024);
  bootSector(message).copy(image, 0);
  fs.writeFileSync(file, image);
  return file;
}
