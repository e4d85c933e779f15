// Which iPXE binaries a build uses: Debian 13's package (default), a folder of prebuilt
// binaries, or a compile from source. Returns their paths with a probe of what each can do.
import * as fs from "node:fs";
import * as path from "node:path";
import { Platform } from "../../config/schema";
import { compileIpxe } from "./compile";
import { debian13IpxeDir } from "./debian13";
import { ImageBuildError } from "./errors";
import { debian13DebName } from "./pin";
import { IpxeProvenance } from "./plan";
import { BinaryProbe, probeBinary } from "./probe";
import { SecureBootOptions, signUefiBinary } from "./secure-boot";

export type BuildMode = "prebuilt" | "compile";

export interface ResolvedBinaries {
  bios?: BinaryProbe;
  uefi?: BinaryProbe;
  provenance: IpxeProvenance;
  /** compile mode: make's seconds for this call, and whether it was the full build. */
  compile?: { makeSeconds: number; fullBuild: boolean };
}

export interface BinaryOptions {
  mode: BuildMode;
  platforms: Platform[];
  cacheDir: string;
  stage1: string;
  prebuiltDir?: string;
  sourceDir?: string;
  ref?: string;
  trust?: string[];
  /** compile mode: embed the stage-1 (default true); false builds one generic binary per stack. */
  embed?: boolean;
  /** Sign the UEFI binary with the organisation's db key (any mode). */
  secureBoot?: SecureBootOptions;
  sourceDateEpoch: number;
  onProgress: (msg: string) => void;
}

/** Names tried, in order, for each platform in a folder of binaries. */
export const PREBUILT_NAMES: Record<Platform, string[]> = {
  bios: ["ipxe.lkrn"],
  uefi: ["ipxe-amd64.efi", "ipxe-x86_64.efi", "ipxe.efi"],
};

function findIn(dir: string, platform: Platform): string {
  for (const n of PREBUILT_NAMES[platform]) if (fs.existsSync(path.join(dir, n))) return path.join(dir, n);
  throw new ImageBuildError(
    `ipxe.prebuiltDir ${dir} has no ${platform.toUpperCase()} binary (looked for ${PREBUILT_NAMES[platform].join(", ")}): add it, or drop ${platform} from ipxe.platforms`,
  );
}

export async function resolveBinaries(opts: BinaryOptions): Promise<ResolvedBinaries> {
  const files: Partial<Record<Platform, string>> = {};
  let provenance: Omit<IpxeProvenance, "binaries">;
  let compile: ResolvedBinaries["compile"];
  if (opts.mode === "prebuilt") {
    let dir: string;
    if (opts.prebuiltDir) {
      dir = path.resolve(opts.prebuiltDir);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
        throw new ImageBuildError(
          `ipxe.prebuiltDir ${dir} is not a readable folder: point it at a folder with ipxe.lkrn and/or ipxe-amd64.efi`,
        );
      provenance = { mode: "prebuilt", source: `dir:${dir}`, embedded: false };
    } else {
      dir = await debian13IpxeDir(opts.cacheDir, opts.onProgress);
      provenance = {
        mode: "prebuilt",
        source: `debian13:${debian13DebName()}`,
        embedded: false,
      };
    }
    for (const p of opts.platforms) files[p] = findIn(dir, p);
  } else {
    const embedded = opts.embed ?? true;
    const built = await compileIpxe({
      cacheDir: opts.cacheDir,
      platforms: opts.platforms,
      embed: embedded ? opts.stage1 : undefined,
      sourceDir: opts.sourceDir,
      ref: opts.ref,
      trust: opts.trust,
      secureBoot: opts.secureBoot !== undefined,
      onProgress: opts.onProgress,
    });
    for (const p of opts.platforms) files[p] = built[p];
    provenance = { mode: "compile", source: built.source, commit: built.commit, embedded };
    compile = { makeSeconds: built.makeSeconds, fullBuild: built.fullBuild };
  }
  if (opts.secureBoot && files.uefi) {
    const signed = await signUefiBinary(files.uefi, opts.secureBoot, opts.cacheDir, opts.sourceDateEpoch);
    opts.onProgress(`signed the UEFI binary for Secure Boot (${signed.signer})`);
    files.uefi = signed.file;
    provenance = { ...provenance, secureBoot: { signer: signed.signer, certSha256: signed.certSha256 } };
  }
  const probes: Partial<Record<Platform, BinaryProbe>> = {};
  for (const p of opts.platforms) probes[p] = await probeBinary(files[p]!, p);
  const version = Object.values(probes).find((p) => p?.version)?.version;
  return {
    ...probes,
    provenance: {
      ...provenance,
      ...(version ? { version } : {}),
      binaries: Object.values(probes).map((p) => ({
        platform: p!.platform,
        sha256: p!.sha256,
        https: p!.https,
        missingCommands: p!.missingCommands,
      })),
    },
    ...(compile ? { compile } : {}),
  };
}
