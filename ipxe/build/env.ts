// The builder's options as environment variables: how the IpxeIso component's local.Command
// hands values to cli-entry.ts without pasting them into a command line.
import { Platform } from "../../config/schema";
import { BuildSiteImageOptions } from "./index";
import { BuildMode } from "./binaries";
import { ImageBuildError } from "./errors";
import { SecureBootOptions } from "./secure-boot";

export const ENV = {
  site: "BOOT_STACK_SITE",
  stage1: "BOOT_STACK_STAGE1",
  mode: "BOOT_STACK_MODE",
  outDir: "BOOT_STACK_OUT_DIR",
  platforms: "BOOT_STACK_PLATFORMS",
  prebuiltDir: "BOOT_STACK_PREBUILT_DIR",
  sourceDir: "BOOT_STACK_IPXE_SOURCE_DIR",
  ref: "BOOT_STACK_IPXE_REF",
  trust: "BOOT_STACK_IPXE_TRUST",
  embed: "BOOT_STACK_EMBED",
  requireHttps: "BOOT_STACK_REQUIRE_HTTPS",
  /** JSON of SecureBootOptions: file paths and variable names only, never the key itself. */
  secureBoot: "BOOT_STACK_SECURE_BOOT",
  codeSigningTrust: "BOOT_STACK_CODE_SIGNING_TRUST",
} as const;

export type EnvOptions = Omit<BuildSiteImageOptions, "onProgress" | "cacheDir" | "allowIncompatible">;

/** Options → environment (only set keys; lists as JSON). */
export function toEnv(o: EnvOptions): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.site]: o.site,
    [ENV.stage1]: o.stage1,
    [ENV.mode]: o.mode ?? "prebuilt",
    [ENV.outDir]: o.outDir,
  };
  if (o.platforms) env[ENV.platforms] = o.platforms.join(",");
  if (o.prebuiltDir) env[ENV.prebuiltDir] = o.prebuiltDir;
  if (o.sourceDir) env[ENV.sourceDir] = o.sourceDir;
  if (o.ref) env[ENV.ref] = o.ref;
  if (o.trust?.length) env[ENV.trust] = JSON.stringify(o.trust);
  if (o.embed !== undefined) env[ENV.embed] = String(o.embed);
  if (o.requireHttps !== undefined) env[ENV.requireHttps] = String(o.requireHttps);
  if (o.secureBoot) env[ENV.secureBoot] = JSON.stringify(o.secureBoot);
  if (o.codeSigningTrust?.length) env[ENV.codeSigningTrust] = JSON.stringify(o.codeSigningTrust);
  if (o.sourceDateEpoch !== undefined) env.SOURCE_DATE_EPOCH = String(o.sourceDateEpoch);
  return env;
}

/** Environment → options; names the variable when one is missing or malformed. */
export function fromEnv(env: NodeJS.ProcessEnv): EnvOptions {
  const need = (k: string) => {
    const v = env[k];
    if (v === undefined || v === "") throw new ImageBuildError(`${k} is not set`);
    return v;
  };
  const bool = (k: string) => {
    const v = env[k];
    if (v === undefined) return undefined;
    if (v !== "true" && v !== "false")
      throw new ImageBuildError(`${k} must be true or false, not ${JSON.stringify(v)}`);
    return v === "true";
  };
  let trust: string[] | undefined;
  if (env[ENV.trust]) {
    try {
      trust = JSON.parse(env[ENV.trust]!);
    } catch {
      throw new ImageBuildError(`${ENV.trust} must be a JSON list of PEM file paths`);
    }
  }
  const json = <T>(k: string, what: string): T | undefined => {
    if (!env[k]) return undefined;
    try {
      return JSON.parse(env[k]!) as T;
    } catch {
      throw new ImageBuildError(`${k} must be ${what}`);
    }
  };
  return {
    site: need(ENV.site),
    stage1: need(ENV.stage1),
    mode: (env[ENV.mode] ?? "prebuilt") as BuildMode,
    outDir: need(ENV.outDir),
    platforms: env[ENV.platforms] ? (env[ENV.platforms]!.split(",") as Platform[]) : undefined,
    prebuiltDir: env[ENV.prebuiltDir] || undefined,
    sourceDir: env[ENV.sourceDir] || undefined,
    ref: env[ENV.ref] || undefined,
    trust,
    embed: bool(ENV.embed),
    requireHttps: bool(ENV.requireHttps),
    secureBoot: json<SecureBootOptions>(
      ENV.secureBoot,
      'JSON like {"certFile": "db.pem", "keyFile": "db.key"} (or "keyEnv", and "passphraseEnv": variable names)',
    ),
    codeSigningTrust: json<string[]>(ENV.codeSigningTrust, "a JSON list of PEM file paths"),
  };
}
