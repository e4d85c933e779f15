// The USB stick's own boot path. A BIOS that boots the image from a stick makes the stick drive
// 0x80, so "the local disk" is 0x81 there, while booted as a CD (El Torito) the first hard disk
// keeps 0x80. ISOLINUX reads the same isolinux.cfg either way and cannot tell, and iPXE cannot
// ask the BIOS; so the stick does not reach ISOLINUX at all. Its MBR (SYSLINUX's mbr.bin) boots
// an appended FAT partition holding SYSLINUX, whose config hands iPXE the `disk` medium script,
// while El Torito keeps ISOLINUX with the `cd` one (ipxe/render/medium.ts). The same partition is
// the EFI system partition that UEFI firmware boots from a stick.
import * as fs from "node:fs";
import { ImageBuildError } from "./errors";

/** The appended partition's number in the MBR. */
export const USB_PARTITION = 2;
/** SYSLINUX's plain MBR: boots the active partition. From syslinux-common. */
export const MBR_CODE = "/usr/lib/syslinux/mbr/mbr.bin";

/**
 * After xorriso: the MBR gets boot code that boots the active partition, the stick's partition
 * becomes the active one, and its FAT boot sector learns where it starts on the disk (the BPB's
 * hidden-sectors field, which SYSLINUX's boot sector adds to every read).
 */
export function makeStickBootable(isoFile: string): void {
  const fd = fs.openSync(isoFile, "r+");
  try {
    const mbr = Buffer.alloc(512);
    fs.readSync(fd, mbr, 0, 512, 0);
    const code = fs.readFileSync(MBR_CODE);
    if (code.length > 440) throw new ImageBuildError(`${MBR_CODE} is larger than an MBR's 440 bytes of code`);
    code.copy(mbr, 0);
    const entry = 446 + 16 * (USB_PARTITION - 1);
    const start = mbr.readUInt32LE(entry + 8);
    if (start === 0) throw new ImageBuildError("xorriso wrote no entry for the appended USB partition");
    for (let i = 0; i < 4; i++) mbr[446 + 16 * i] = i === USB_PARTITION - 1 ? 0x80 : 0x00;
    fs.writeSync(fd, mbr, 0, 512, 0);
    const hidden = Buffer.alloc(4);
    hidden.writeUInt32LE(start);
    fs.writeSync(fd, hidden, 0, 4, start * 512 + 0x1c);
  } finally {
    fs.closeSync(fd);
  }
}
