// BIOS: which drive is the local disk depends on how the firmware booted the image. From a CD
// (El Torito) the hard disks keep their numbers and the first one is 0x80; from a USB stick the
// BIOS makes the stick itself drive 0x80 and the first hard disk 0x81. Only the image's boot
// path knows which of the two happened, so each path hands iPXE a tiny script that says so
// (bs_medium, see vars.ts) before stage-1 runs; the image builder puts them on the medium.

export const MEDIA = ["cd", "disk"] as const;
export type Medium = (typeof MEDIA)[number];

/**
 * The script for one boot path. Its length is a multiple of 4: SYSLINUX pads each initrd to 4
 * bytes when it concatenates several, and the stage-1 that follows must start right after it.
 */
export function mediumScript(medium: Medium): string {
  const body = `#!ipxe\nset bs_medium ${medium}\n`;
  const pad = (4 - ((body.length + 2) % 4)) % 4;
  return `${body}#${" ".repeat(pad)}\n`;
}

export function bootPathScripts(): Record<Medium, string> {
  return { cd: mediumScript("cd"), disk: mediumScript("disk") };
}
