// A site's bootable image as a resource: a local.Command that runs the same builder as
// `boot-stack iso` (ipxe/build/cli-entry.ts). Its triggers are content hashes of everything that
// changes the image, so `pulumi up` rebuilds exactly the images whose inputs changed and
// `pulumi preview` shows which; nothing time-based is in them.
import * as fs from "node:fs";
import * as path from "node:path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readHeaders } from "../ipxe/build/compile";
import { toEnv } from "../ipxe/build/env";
import { sha256 } from "../ipxe/build/hash";
import { BuildSiteImageOptions, isoFileName } from "../ipxe/build/index";
import { IMAGE_LAYOUT_VERSION } from "../ipxe/build/plan";
import { IPXE_PINNED_COMMIT } from "../ipxe/build/pin";
import { REPO_ROOT } from "../ipxe/build/cache";

/** The command line is fixed: every value reaches the builder through `environment`. */
export const BUILD_COMMAND = "node_modules/.bin/tsx ipxe/build/cli-entry.ts";

// Plain values, not Inputs: the triggers hash their contents (and the trust files') when the
// program runs, which is what makes a rebuild follow a content change and nothing else.
// The fields are the builder's own (ipxe/build), so the component and the CLI cannot drift;
// a relative outDir, prebuiltDir, sourceDir or trust path is taken from the repo root.
export type IpxeIsoArgs = Pick<
  BuildSiteImageOptions,
  | "site"
  | "stage1"
  | "outDir"
  | "mode"
  | "platforms"
  | "prebuiltDir"
  | "sourceDir"
  | "ref"
  | "trust"
  | "embed"
  | "requireHttps"
>;

/** Content hash of a file, or of its absence (so a missing file still shows up in a diff). */
function fileHash(file: string): string {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return "missing";
  }
}

/** What the image's bytes depend on, as stable strings. Exported for tests. */
export function isoTriggers(args: IpxeIsoArgs): string[] {
  const mode = args.mode ?? "prebuilt";
  const platforms = [...new Set(args.platforms ?? ["bios", "uefi"])].sort();
  const triggers = [
    `layout ${IMAGE_LAYOUT_VERSION}`,
    `site ${args.site}`,
    `stage1 ${sha256(args.stage1)}`,
    `mode ${mode}`,
    `platforms ${platforms.join(",")}`,
  ];
  if (mode === "compile") {
    triggers.push(`ipxe ${args.ref ?? IPXE_PINNED_COMMIT}`, `embed ${args.embed ?? true}`);
    for (const h of readHeaders()) triggers.push(`header ${h.name} ${sha256(h.text)}`);
    (args.trust ?? []).forEach((t, i) => triggers.push(`trust ${i} ${fileHash(path.resolve(REPO_ROOT, t))}`));
  } else if (args.prebuiltDir) {
    const dir = path.resolve(REPO_ROOT, args.prebuiltDir);
    for (const f of ["ipxe.lkrn", "ipxe-amd64.efi", "ipxe-x86_64.efi", "ipxe.efi"])
      triggers.push(`prebuilt ${f} ${fileHash(path.join(dir, f))}`);
  } else {
    triggers.push("prebuilt debian13");
  }
  return triggers;
}

export class IpxeIso extends pulumi.ComponentResource {
  /** Absolute path of the built ISO. */
  public readonly path: pulumi.Output<string>;
  public readonly sha256: pulumi.Output<string>;
  public readonly size: pulumi.Output<number>;
  /** The triggers as declared (content hashes), for outputs and tests. */
  public readonly triggers: string[];
  /** The build command, e.g. for dependsOn. */
  public readonly command: command.local.Command;

  constructor(name: string, args: IpxeIsoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("boot-stack:index:IpxeIso", name, {}, opts);
    const outDir = path.resolve(REPO_ROOT, args.outDir);
    this.triggers = isoTriggers(args);
    const build = (this.command = new command.local.Command(
      `${name}-build`,
      {
        create: BUILD_COMMAND,
        dir: REPO_ROOT,
        environment: toEnv({
          site: args.site,
          stage1: args.stage1,
          mode: args.mode ?? "prebuilt",
          outDir,
          platforms: args.platforms,
          prebuiltDir: args.prebuiltDir && path.resolve(REPO_ROOT, args.prebuiltDir),
          sourceDir: args.sourceDir && path.resolve(REPO_ROOT, args.sourceDir),
          ref: args.ref,
          trust: args.trust?.map((t) => path.resolve(REPO_ROOT, t)),
          embed: args.embed,
          requireHttps: args.requireHttps,
        }),
        triggers: this.triggers,
        assetPaths: [path.relative(REPO_ROOT, path.join(outDir, isoFileName(args.site)))],
      },
      { parent: this },
    ));
    const result = build.stdout.apply((out) => parseResult(out, args.site));
    this.path = result.apply((r) => r.isoPath);
    this.sha256 = result.apply((r) => r.sha256);
    this.size = result.apply((r) => r.size);
    this.registerOutputs({ path: this.path, sha256: this.sha256, size: this.size });
  }
}

/** The builder's last stdout line is its JSON result. */
export function parseResult(stdout: string, site: string): { isoPath: string; sha256: string; size: number } {
  const last = stdout.trim().split("\n").pop() ?? "";
  try {
    const r = JSON.parse(last);
    if (typeof r.isoPath === "string" && /^[0-9a-f]{64}$/.test(r.sha256) && Number.isInteger(r.size))
      return r;
  } catch {
    /* fall through */
  }
  throw new Error(
    `IpxeIso ${site}: the image builder printed no result (last line: ${JSON.stringify(last.slice(0, 200))})`,
  );
}
