// Stack config → one site's image options: the one place that reads `boot-stack:ipxe` for the
// builder, used by `boot-stack iso` and by the Pulumi component alike, so both build the same bytes.
// Relative paths are taken from the project folder (where Pulumi.yaml is); HTTPS is required when
// the stage-1 chains over https://. Which CAs an https origin needs by default is the deployment's
// knowledge, not the builder's: the caller passes it (origin/cdn-trust.ts for CloudFront).
import * as path from "node:path";
import { IpxeConfig, OriginConfig } from "../../config/schema";
import type { ImageOptions } from "./index";

export interface ImageDeployment {
  /** The project folder: base of relative `ipxe.prebuiltDir`, `ipxe.sourceDir` and `ipxe.trust` paths. */
  projectDir: string;
  /** Where the stage-1 chains stage-2 from (originRefFor(...).baseUrl, or the CLI's --base-url). */
  baseUrl: string;
  /** CA files of the origin's certificate chain, for compile mode when `ipxe.trust` is unset and the
   * origin is https (read only then, so a machine without them can still build prebuilt images). */
  defaultTrust?: () => string[];
}

function trustFor(
  ipxe: IpxeConfig,
  origin: Pick<OriginConfig, "transport">,
  d: ImageDeployment,
): string[] | undefined {
  if (ipxe.mode !== "compile") return undefined;
  if (ipxe.trust) return ipxe.trust.length ? ipxe.trust.map((t) => path.resolve(d.projectDir, t)) : undefined;
  // [] keeps iPXE's own trust; unset on an https origin means the deployment's CAs.
  return origin.transport === "https" ? d.defaultTrust?.() : undefined;
}

export function imageOptionsFor(
  stack: { ipxe: IpxeConfig; origin: Pick<OriginConfig, "transport"> },
  site: string,
  stage1: string,
  d: ImageDeployment,
): ImageOptions {
  const { ipxe } = stack;
  const fromProject = (p?: string) => (p === undefined ? undefined : path.resolve(d.projectDir, p));
  const trust = trustFor(ipxe, stack.origin, d);
  return {
    site,
    stage1,
    mode: ipxe.mode,
    platforms: ipxe.platforms,
    ...(ipxe.prebuiltDir !== undefined ? { prebuiltDir: fromProject(ipxe.prebuiltDir) } : {}),
    ...(ipxe.sourceDir !== undefined ? { sourceDir: fromProject(ipxe.sourceDir) } : {}),
    ...(ipxe.ref !== undefined ? { ref: ipxe.ref } : {}),
    ...(trust ? { trust } : {}),
    embed: ipxe.embed,
    requireHttps: d.baseUrl.startsWith("https://"),
  };
}
