// Site images for the boot tests and the demo: the image builder's buildSiteImage, unchanged
// (prebuilt = Debian 13's iPXE, stage-1 as the ISO's INITRD for BIOS and as autoexec.ipxe on
// the EFI FAT image for UEFI; compile = iPXE from source with the stage-1 embedded).
import { Platform } from "../config/schema";
import { buildSiteImage, BuildMode, SecureBootOptions } from "../ipxe/build";

export interface TestImage {
  isoPath: string;
  sha256: string;
}

export async function buildTestImage(opts: {
  site: string;
  stage1: string;
  outDir: string;
  platforms: Platform[];
  mode?: BuildMode;
  /** compile mode: PEM CA files the image trusts (TRUST= and CERT=). */
  trust?: string[];
  /** Sign the UEFI binary with this db key. */
  secureBoot?: SecureBootOptions;
  /** compile mode: PEM CA files imgverify accepts. */
  codeSigningTrust?: string[];
  log?: (line: string) => void;
}): Promise<TestImage> {
  const r = await buildSiteImage({
    site: opts.site,
    stage1: opts.stage1,
    outDir: opts.outDir,
    platforms: opts.platforms,
    mode: opts.mode,
    trust: opts.trust,
    secureBoot: opts.secureBoot,
    codeSigningTrust: opts.codeSigningTrust,
    onProgress: (m) => opts.log?.(`image: ${m}`),
  });
  return { isoPath: r.isoPath, sha256: r.sha256 };
}
