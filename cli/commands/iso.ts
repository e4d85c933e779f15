// `boot-stack iso --stack prod --all --out out/`: builds each site's bootable image (hybrid ISO
// for BIOS + UEFI, CD or USB stick) with the stage-1 rendered from the stack config.
import * as path from "node:path";
import { Command } from "commander";
import { IPXE_MODES, Platform, PLATFORMS } from "../../config/schema";
import { renderStage1 } from "../../ipxe/render/stage1";
import {
  buildSiteImage,
  BuildMode,
  checkSecureBootKey,
  imageInputsDigest,
  imageOptionsFor,
} from "../../ipxe/build";
import { cdnTrustFiles } from "../../origin/cdn-trust";
import { CDN_DOMAIN_FLAG, loadStack, originRef } from "../project";
import { UsageError } from "../../errors/user-error";

interface IsoFlags {
  stack: string;
  site?: string;
  all?: boolean;
  out: string;
  mode?: string;
  baseUrl?: string;
  cdnDomain?: string;
  platforms?: string;
  embed: boolean;
  allowIncompatible?: boolean;
  projectDir?: string;
}

export function registerIso(program: Command): void {
  program
    .command("iso")
    .description(
      "Build bootable images (hybrid ISO, BIOS + UEFI) with each site's stage-1; writes <site>.iso and <site>.iso.json.",
    )
    .requiredOption("-s, --stack <name>", "stack name, e.g. prod")
    .option("--site <site>", "build this site's image")
    .option("--all", "build every site's image")
    .requiredOption("-o, --out <dir>", "output folder (created if missing)")
    .option("--mode <mode>", "prebuilt | compile (default: ipxe.mode in the stack)")
    .option("--base-url <url>", "origin URL the stage-1 chains to (default: from origin.hostname/transport)")
    .option(...CDN_DOMAIN_FLAG)
    .option("--platforms <list>", "comma-separated bios,uefi (default: ipxe.platforms in the stack)")
    .option(
      "--no-embed",
      "compile mode: build one generic binary per stack; the stage-1 goes on the medium as with prebuilt",
    )
    .option("--allow-incompatible", "build even if the iPXE binaries cannot run this stage-1 (e.g. no HTTPS)")
    .option("--project-dir <dir>", "folder with Pulumi.yaml (default: nearest up from here)")
    .action(async (flags: IsoFlags) => {
      if (Boolean(flags.site) === Boolean(flags.all))
        throw new UsageError("iso: give exactly one of --site <site> or --all");
      const stack = loadStack(flags.stack, flags.projectDir);
      const { ipxe, sites } = stack.config;
      const mode = (flags.mode ?? ipxe.mode) as BuildMode;
      if (!(IPXE_MODES as readonly string[]).includes(mode))
        throw new UsageError(`--mode ${flags.mode}: must be ${IPXE_MODES.join(" or ")}`);
      const platforms = flags.platforms ? parsePlatforms(flags.platforms) : ipxe.platforms;
      const chosen = flags.all ? sites : sites.filter((s) => s.name === flags.site);
      if (chosen.length === 0) {
        throw new UsageError(
          `--site ${flags.site}: no such site in ${path.basename(stack.file)} (sites: ${sites.map((s) => s.name).join(", ")})`,
        );
      }
      const origin = originRef(stack, flags.baseUrl, flags.cdnDomain);
      // --no-embed wins over the config; otherwise the stack's ipxe.embed.
      const ipxeFlags = { ...ipxe, mode, platforms, embed: flags.embed === false ? false : ipxe.embed };
      const started = Date.now();
      const say = (msg: string) =>
        process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
      const plans = chosen.map((site) => ({
        site,
        options: imageOptionsFor(
          { ipxe: ipxeFlags, origin: stack.config.origin },
          site.name,
          renderStage1(site, origin),
          { projectDir: stack.dir, baseUrl: origin.baseUrl, defaultTrust: cdnTrustFiles },
        ),
      }));
      // Every file the images name (binaries, CAs, the db certificate) and the Secure Boot key are
      // read before the first build, so a mistake costs no compile and leaves nothing written.
      for (const p of plans) imageInputsDigest(p.options);
      if (plans[0].options.secureBoot) checkSecureBootKey(plans[0].options.secureBoot);
      for (const { site, options } of plans) {
        const r = await buildSiteImage({
          ...options,
          outDir: flags.out,
          allowIncompatible: flags.allowIncompatible,
          onProgress: (m) => say(`${site.name}: ${m}`),
        });
        process.stdout.write(
          `${site.name}: ${path.relative(process.cwd(), r.isoPath) || r.isoPath} sha256 ${r.sha256} ${r.size} bytes (${r.manifest.platforms.join("+")}, ${mode})\n`,
        );
      }
      say(`done: ${chosen.length} image${chosen.length === 1 ? "" : "s"} in ${flags.out}`);
    });
}

function parsePlatforms(list: string): Platform[] {
  const items = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((p) => !(PLATFORMS as readonly string[]).includes(p));
  if (items.length === 0 || bad.length)
    throw new UsageError(`--platforms ${list}: must be a comma-separated list of ${PLATFORMS.join(", ")}`);
  return items as Platform[];
}
