// Site images for the boot tests and the demo, in prebuilt mode (Debian 13's iPXE: stage-1 as
// the ISO's INITRD for BIOS, as autoexec.ipxe on the EFI FAT image for UEFI).
// Interim: composes the image builder's planImage/writeImage until its buildSiteImage lands;
// then this file becomes a one-line call to it.
import * as fs from "node:fs";
import * as path from "node:path";
import { Platform } from "../config/schema";
import { debian13IpxeDir } from "../ipxe/build/debian13";
import { planImage, DEFAULT_SOURCE_DATE_EPOCH } from "../ipxe/build/plan";
import { writeImage } from "../ipxe/build/iso";
import { cacheDir } from "./paths";

export interface TestImage {
  isoPath: string;
  sha256: string;
}

export async function buildTestImage(opts: { site: string; stage1: string; outDir: string; platforms: Platform[]; log?: (line: string) => void }): Promise<TestImage> {
  const bin = await debian13IpxeDir(cacheDir(), opts.log);
  const lkrn = path.join(bin, "ipxe.lkrn");
  const efi = path.join(bin, "ipxe-amd64.efi");
  const plan = planImage({
    site: opts.site,
    platforms: opts.platforms,
    stage1: opts.stage1,
    embedded: false,
    bios: { lkrn },
    uefi: { efi, efiSize: fs.statSync(efi).size },
  });
  const written = await writeImage(plan, path.join(opts.outDir, `${opts.site}.iso`), DEFAULT_SOURCE_DATE_EPOCH);
  return { isoPath: written.path, sha256: written.sha256 };
}
