// Stack config → one site's image options: the one place that reads `boot-stack:ipxe` for the
// builder, used by `boot-stack iso` and by the Pulumi component alike, so both build the same bytes.
// Relative paths are taken from the project folder (where Pulumi.yaml is); HTTPS is required when
// the stage-1 chains over https://. Which CAs an https origin needs by default is the deployment's
// knowledge, not the builder's: the caller passes it (origin/cdn-trust.ts for CloudFront).
// Secure Boot and code signing reach the builder as paths and variable names only: the keys are
// read when the image is built (ipxe/sign/signer.ts), never here.
import * as path from "node:path";
import { IpxeConfig, OriginConfig } from "../../config/schema";
import type { SignerSource } from "../sign/signer";
import type { ImageOptions } from "./index";

export interface ImageDeployment {
  /** The project folder: base of every relative path under `ipxe` (dirs, trust, certificates, key files). */
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

/** `ipxe.secureBoot` with its files taken from the project folder; variable names as they are. */
export function secureBootFor(
  ipxe: Pick<IpxeConfig, "secureBoot">,
  projectDir: string,
): SignerSource | undefined {
  const s = ipxe.secureBoot;
  if (!s) return undefined;
  return {
    certFile: path.resolve(projectDir, s.certFile),
    ...(s.keyFile !== undefined ? { keyFile: path.resolve(projectDir, s.keyFile) } : {}),
    ...(s.keyEnv !== undefined ? { keyEnv: s.keyEnv } : {}),
    ...(s.passphraseEnv !== undefined ? { passphraseEnv: s.passphraseEnv } : {}),
  };
}

export function imageOptionsFor(
  stack: { ipxe: IpxeConfig; origin: Pick<OriginConfig, "transport"> },
  site: string,
  stage1: string,
  d: ImageDeployment,
): ImageOptions {
  const { ipxe } = stack;
  const fromProject = (p: string) => path.resolve(d.projectDir, p);
  const trust = trustFor(ipxe, stack.origin, d);
  const secureBoot = secureBootFor(ipxe, d.projectDir);
  return {
    site,
    stage1,
    mode: ipxe.mode,
    platforms: ipxe.platforms,
    ...(ipxe.prebuiltDir !== undefined ? { prebuiltDir: fromProject(ipxe.prebuiltDir) } : {}),
    ...(ipxe.sourceDir !== undefined ? { sourceDir: fromProject(ipxe.sourceDir) } : {}),
    ...(ipxe.ref !== undefined ? { ref: ipxe.ref } : {}),
    ...(trust ? { trust } : {}),
    ...(secureBoot ? { secureBoot } : {}),
    // Only the CA: the image trusts it, not the leaf, so the signing key can rotate (docs/signing.md).
    ...(ipxe.codeSigning ? { codeSigningTrust: ipxe.codeSigning.trust.map(fromProject) } : {}),
    embed: ipxe.embed,
    requireHttps: d.baseUrl.startsWith("https://"),
  };
}
