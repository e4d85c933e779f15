// The digest of an image's inputs: everything that changes its bytes, named by content, computed
// without building or fetching iPXE and without any path (so it is the same on every machine and
// checkout). The Pulumi component uses it as the image's trigger and the image command checks it,
// so an image is rebuilt exactly when one of these changes:
// | input                                     | changes                                      |
// |-------------------------------------------|----------------------------------------------|
// | the site's stage-1 (network, mode, ...)   | that site's image                            |
// | the site's name                           | that site's image (volume id)                |
// | mode, platforms, embed, SOURCE_DATE_EPOCH | every image of the stack                     |
// | prebuilt: the pinned Debian package       | every image (pin.ts DEBIAN13_IPXE)           |
// | prebuilt: a prebuiltDir's binaries        | every image (their sha256, not their path)   |
// | compile: commit, headers, trust files     | every image (contents, not paths)            |
// | Secure Boot: the db certificate           | every image (its DER sha256, as signed)       |
// | code signing: the CA file(s) trusted      | every image (contents, not paths)            |
// | layout or builder version                 | every image (bumped in code)                 |
// Not inputs: the stage-2 and artefacts (served, not in the image), the output folder, the cache,
// requireHttps/allowIncompatible (checks only), key material of any kind (a key file's path or
// contents, a variable's name or value: the certificate names the key), and the versions of xorriso, mtools and syslinux on
// the machine (an image is rebuilt only when an input changes; its sha256 is then that of the
// bytes actually built and uploaded, so state and bucket always agree).
import * as fs from "node:fs";
import * as path from "node:path";
import { Platform } from "../../config/schema";
import { PREBUILT_NAMES } from "./binaries";
import { readHeaders } from "./compile";
import { ImageBuildError } from "./errors";
import { sha256 } from "./hash";
import { DEBIAN13_IPXE, IPXE_PINNED_COMMIT } from "./pin";
import { DEFAULT_SOURCE_DATE_EPOCH, IMAGE_LAYOUT_VERSION } from "./plan";
import { certificateSha256, SECURE_BOOT_FIELD } from "./secure-boot";
import type { ImageOptions } from "./index";

/** Bumped when the builder writes other bytes, or other object metadata, for the same inputs. */
export const IMAGE_BUILDER_VERSION = "2";

/** SOURCE_DATE_EPOCH as given, else from the environment, else the builder's default. */
export function sourceDateEpochOf(given?: number): number {
  if (given !== undefined) return given;
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env === undefined || env === "") return DEFAULT_SOURCE_DATE_EPOCH;
  if (!/^\d+$/.test(env))
    throw new ImageBuildError(
      `SOURCE_DATE_EPOCH ${JSON.stringify(env)} is not a whole number of seconds since 1970`,
    );
  return Number(env);
}

export const sortedPlatforms = (platforms?: Platform[]): Platform[] =>
  [...new Set(platforms ?? (["bios", "uefi"] as Platform[]))].sort() as Platform[];

function readOr(file: string, field: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ImageBuildError(
      `${field} ${file} cannot be read (${(e as NodeJS.ErrnoException).code}): fix the path in the stack config`,
    );
  }
}

function ipxeIdentity(o: ImageOptions, platforms: Platform[]): string[] {
  const mode = o.mode ?? "prebuilt";
  if (mode === "compile") {
    return [
      `ipxe commit ${o.ref ?? IPXE_PINNED_COMMIT}`,
      `embed ${o.embed ?? true}`,
      ...readHeaders().map((h) => `header ${h.name} ${sha256(h.text)}`),
      ...(o.trust ?? []).map((t, i) => `trust ${i} ${sha256(readOr(t, `ipxe.trust[${i}]`))}`),
    ];
  }
  if (!o.prebuiltDir) return [`ipxe debian13 ${DEBIAN13_IPXE.version} ${DEBIAN13_IPXE.sha256}`];
  if (!fs.statSync(o.prebuiltDir, { throwIfNoEntry: false })?.isDirectory())
    throw new ImageBuildError(
      `ipxe.prebuiltDir ${o.prebuiltDir} is not a readable folder: point it at a folder with ipxe.lkrn and/or ipxe-amd64.efi`,
    );
  return platforms.map((p) => {
    const name = PREBUILT_NAMES[p].find((n) => fs.existsSync(path.join(o.prebuiltDir!, n)));
    if (!name)
      throw new ImageBuildError(
        `ipxe.prebuiltDir ${o.prebuiltDir} has no ${p.toUpperCase()} binary (looked for ${PREBUILT_NAMES[p].join(", ")}): add it, or drop ${p} from ipxe.platforms`,
      );
    return `ipxe ${p} ${name} ${sha256(readOr(path.join(o.prebuiltDir!, name), "ipxe.prebuiltDir"))}`;
  });
}

/** The inputs as stable lines (what the digest hashes; shown in docs and tests). */
export function imageInputs(o: ImageOptions): string[] {
  const platforms = sortedPlatforms(o.platforms);
  return [
    `builder ${IMAGE_BUILDER_VERSION}`,
    `layout ${IMAGE_LAYOUT_VERSION}`,
    `site ${o.site}`,
    `stage1 ${sha256(o.stage1)}`,
    `mode ${o.mode ?? "prebuilt"}`,
    `platforms ${platforms.join(",")}`,
    `source-date-epoch ${sourceDateEpochOf(o.sourceDateEpoch)}`,
    ...ipxeIdentity(o, platforms),
    ...(o.secureBoot
      ? [`secure-boot ${certificateSha256(o.secureBoot.certFile, `${SECURE_BOOT_FIELD}.certFile`)}`]
      : []),
    ...(o.codeSigningTrust ?? []).map(
      (t, i) => `code-signing-trust ${i} ${sha256(readOr(t, `ipxe.codeSigning.trust[${i}]`))}`,
    ),
  ];
}

/** sha256 (hex) of imageInputs: the image's name before it is built. */
export function imageInputsDigest(o: ImageOptions): string {
  return sha256(imageInputs(o).join("\n"));
}
