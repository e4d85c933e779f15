// The boot path's medium scripts (ipxe/render/medium.ts): SYSLINUX pads each initrd to 4 bytes
// when it concatenates them, so a script that is not a multiple of 4 long would leave NUL bytes
// between it and the stage-1 that follows. Booted for real in test/boot/local-disk.test.ts.
import { lintScript } from "../../ipxe/render/lint";
import { MEDIA, mediumScript } from "../../ipxe/render/medium";

test.each(MEDIA)("the %s script sets bs_medium, lints clean, and is a multiple of 4 bytes", (medium) => {
  const s = mediumScript(medium);
  expect(s.startsWith(`#!ipxe\nset bs_medium ${medium}\n`)).toBe(true);
  expect(Buffer.byteLength(s) % 4).toBe(0);
  expect(lintScript(s)).toEqual([]);
});
