// The image builder's public API: one bootable hybrid ISO (BIOS + UEFI, CD or USB stick) per site,
// with the site's stage-1, from prebuilt iPXE binaries or a compile. Same inputs, same sha256.
// Also what callers need around it: the stack → options adapter, the digest of an image's inputs,
// and the image command's interface (what the Pulumi component runs).
import * as fs from "node:fs";
import * as path from "node:path";
import { NAME, Platform, PLATFORMS } from "../../config/schema";
import { cacheDir } from "./cache";
import { BuildMode, resolveBinaries } from "./binaries";
import { compatibilityProblems } from "./compat";
import { ImageBuildError } from "./errors";
import { sha256 } from "./hash";
import { writeImage } from "./iso";
import { sortedPlatforms, sourceDateEpochOf } from "./digest";
import { ImageManifest, planImage } from "./plan";
import { checkSecureBootKey, SecureBootOptions } from "./secure-boot";
import { withCodeSigningTrust } from "./code-signing";

export { ImageBuildError } from "./errors";
export { cacheDir } from "./cache";
export { sha256 } from "./hash";
export { debian13IpxeDir } from "./debian13";
export { IPXE_PINNED_COMMIT, DEBIAN13_IPXE } from "./pin";
export { DEFAULT_SOURCE_DATE_EPOCH } from "./plan";
export { imageInputs, imageInputsDigest, IMAGE_BUILDER_VERSION } from "./digest";
export { imageOptionsFor, secureBootFor } from "./stack-options";
export type { ImageDeployment } from "./stack-options";
export { IMAGE_COMMAND, imageCommandEnv, parseImageResult } from "./command-env";
export type { ImageCommandResult, ImagePublishing } from "./command-env";
export type { ImageManifest } from "./plan";
export type { BuildMode } from "./binaries";
export type { SecureBootOptions } from "./secure-boot";
export { checkSecureBootKey } from "./secure-boot";

/** What a site's image is made of: everything that decides its bytes, and the checks to run. */
export interface ImageOptions {
  site: string;
  /** The site's rendered stage-1 script (renderStage1). */
  stage1: string;
  /** @default "prebuilt" */
  mode?: BuildMode;
  /** @default ["bios", "uefi"] */
  platforms?: Platform[];
  /** prebuilt: a folder of iPXE binaries instead of Debian 13's package. */
  prebuiltDir?: string;
  /** compile: a local iPXE source tree (else BOOT_STACK_IPXE_SRC, else upstream at the pinned commit). */
  sourceDir?: string;
  /** compile: the iPXE commit. @default IPXE_PINNED_COMMIT */
  ref?: string;
  /** compile: PEM files of the CAs the origin's certificate chains to (TRUST= and CERT=). */
  trust?: string[];
  /**
   * Sign the UEFI binary with the organisation's Secure Boot db key (sbsign). Only paths and
   * environment variable names: the key is read when the build runs. @default unsigned
   */
  secureBoot?: SecureBootOptions;
  /**
   * compile: PEM files of the CAs whose code-signing certificates `imgverify` accepts; built in
   * with TRUST=/CERT= next to `trust` (iPXE has one list of roots for TLS and signatures).
   */
  codeSigningTrust?: string[];
  /** compile: embed the stage-1 in the binaries (a re-link per site). @default true */
  embed?: boolean;
  /** The origin is https://: refuse an iPXE without HTTPS. @default true when the stage-1 sets `bs_base https://...` */
  requireHttps?: boolean;
  /** File times and volume dates. @default SOURCE_DATE_EPOCH, else 2025-01-01 */
  sourceDateEpoch?: number;
}

export interface BuildSiteImageOptions extends ImageOptions {
  outDir: string;
  /** Build even if the binaries cannot run this stage-1 (no HTTPS, UEFI without autoexec.ipxe). @default false */
  allowIncompatible?: boolean;
  /** @default `.cache/` in the repo root, or BOOT_STACK_CACHE */
  cacheDir?: string;
  onProgress?: (msg: string) => void;
}

export interface SiteImageResult {
  isoPath: string;
  sha256: string;
  size: number;
  manifestPath: string;
  manifest: ImageManifest;
  /** compile mode: seconds in make, and whether this was the full build. */
  compile?: { makeSeconds: number; fullBuild: boolean };
}

export const isoFileName = (site: string): string => `${site}.iso`;
export const manifestFileName = (site: string): string => `${site}.iso.json`;

export async function buildSiteImage(opts: BuildSiteImageOptions): Promise<SiteImageResult> {
  const progress = opts.onProgress ?? (() => undefined);
  if (!NAME.test(opts.site))
    throw new ImageBuildError(
      `site ${JSON.stringify(opts.site)} is not a site name (1-32 lowercase letters, digits or inner hyphens)`,
    );
  if (!opts.stage1.startsWith("#!ipxe"))
    throw new ImageBuildError(
      `the stage-1 of site ${opts.site} does not start with #!ipxe: pass the output of renderStage1`,
    );
  const mode = opts.mode ?? "prebuilt";
  if (mode !== "prebuilt" && mode !== "compile")
    throw new ImageBuildError(`mode ${JSON.stringify(mode)} is not prebuilt or compile`);
  const platforms = sortedPlatforms(opts.platforms);
  const bad = platforms.find((p) => !(PLATFORMS as readonly string[]).includes(p));
  if (bad || platforms.length === 0)
    throw new ImageBuildError(`platforms ${JSON.stringify(opts.platforms)} must list bios and/or uefi`);
  const epoch = sourceDateEpochOf(opts.sourceDateEpoch);
  const cache = path.resolve(opts.cacheDir ?? cacheDir());

  if (opts.secureBoot && !platforms.includes("uefi"))
    throw new ImageBuildError(
      `site ${opts.site}: ipxe.secureBoot signs the UEFI binary, but platforms are ${platforms.join(", ")}: add uefi, or drop secureBoot`,
    );
  if (opts.secureBoot) checkSecureBootKey(opts.secureBoot);

  const bins = await resolveBinaries({
    mode,
    platforms,
    cacheDir: cache,
    stage1: opts.stage1,
    prebuiltDir: opts.prebuiltDir,
    sourceDir: opts.sourceDir,
    ref: opts.ref,
    trust: withCodeSigningTrust(mode, opts.trust, opts.codeSigningTrust),
    embed: opts.embed,
    secureBoot: opts.secureBoot,
    sourceDateEpoch: epoch,
    onProgress: progress,
  });
  const embedded = bins.provenance.embedded;
  const probes = platforms.map((p) => bins[p]!);
  for (const p of probes) {
    const lacks = p.missingCommands.length
      ? `lacks ${p.missingCommands.join(", ")}`
      : "has every command scripts may use";
    progress(
      `${p.platform} iPXE ${p.version ?? "(version unknown)"}: HTTPS ${p.https === true ? "yes" : p.https === false ? "no" : "unknown"}, ${lacks}`,
    );
  }
  const problems = compatibilityProblems({
    probes,
    stage1: opts.stage1,
    requireHttps: opts.requireHttps ?? /^set bs_base https:\/\//m.test(opts.stage1),
    embedded,
  });
  if (problems.length && !opts.allowIncompatible)
    throw new ImageBuildError(
      `site ${opts.site}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
    );
  for (const p of problems) progress(`warning (allowed): ${p}`);

  const plan = planImage({
    site: opts.site,
    platforms,
    stage1: opts.stage1,
    embedded,
    bios: bins.bios ? { lkrn: bins.bios.file, lkrnSize: bins.bios.size } : undefined,
    uefi: bins.uefi ? { efi: bins.uefi.file, efiSize: bins.uefi.size } : undefined,
  });
  const outDir = path.resolve(opts.outDir);
  const isoPath = path.join(outDir, isoFileName(opts.site));
  progress(`writing ${isoPath} (${platforms.join(" + ")}, ${mode}${embedded ? ", stage-1 embedded" : ""})`);
  const image = await writeImage(plan, isoPath, epoch);

  const manifest: ImageManifest = {
    site: opts.site,
    image: path.basename(isoPath),
    sha256: image.sha256,
    size: image.size,
    platforms,
    stage1Sha256: sha256(opts.stage1),
    ipxe: bins.provenance,
    sourceDateEpoch: epoch,
    volumeId: plan.volumeId,
  };
  const manifestPath = path.join(outDir, manifestFileName(opts.site));
  const tmp = `${manifestPath}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(tmp, manifestPath);
  return {
    isoPath,
    sha256: image.sha256,
    size: image.size,
    manifestPath,
    manifest,
    ...(bins.compile ? { compile: bins.compile } : {}),
  };
}
