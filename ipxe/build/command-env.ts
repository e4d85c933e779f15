// The image command's interface (image-command.ts): a fixed command line, every value in the
// environment, one JSON line back. The environment carries nothing that depends on the machine:
// paths inside the project are relative to it (the command runs in the program's folder), trust
// certificates travel as their PEM text, and the command finds its cache itself (BOOT_STACK_CACHE
// or the project's .cache/) — so the same stack gives the same environment on every checkout.
// Signing keys never travel here: Secure Boot passes its certificate (public), the key's file path
// or variable NAME, and the passphrase's variable NAME. pulumi-command starts the command with the
// environment of `pulumi up` plus these, and keeps them and the command's output in state
// (pulumi/pulumi-command provider/pkg/provider/local/commandOutputs.go), so the build reads the key
// from the runner's own environment or disk, at run time (ipxe/sign/signer.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { Platform, PLATFORMS } from "../../config/schema";
import { BuildMode } from "./binaries";
import { ImageBuildError } from "./errors";
import { sha256 } from "./hash";
import type { ImageOptions } from "./index";
import type { SecureBootOptions } from "./secure-boot";

/** Run in the program's folder; `delete` as the Command's delete. */
export const IMAGE_COMMAND = "node_modules/.bin/tsx ipxe/build/image-command.ts";

const ENV = {
  site: "BOOT_STACK_SITE",
  stage1: "BOOT_STACK_STAGE1",
  mode: "BOOT_STACK_MODE",
  platforms: "BOOT_STACK_PLATFORMS",
  prebuiltDir: "BOOT_STACK_PREBUILT_DIR",
  sourceDir: "BOOT_STACK_IPXE_SOURCE_DIR",
  ref: "BOOT_STACK_IPXE_REF",
  trust: "BOOT_STACK_IPXE_TRUST_PEM",
  secureBoot: "BOOT_STACK_SECURE_BOOT",
  codeSigningTrust: "BOOT_STACK_CODE_SIGNING_TRUST_PEM",
  embed: "BOOT_STACK_EMBED",
  requireHttps: "BOOT_STACK_REQUIRE_HTTPS",
  // The builder's own variable: set here, it also overrides whatever a CI runner exports.
  sourceDateEpoch: "SOURCE_DATE_EPOCH",
  digest: "BOOT_STACK_IMAGE_DIGEST",
  publish: "BOOT_STACK_PUBLISH_IMAGE",
  bucket: "BOOT_STACK_BUCKET",
  region: "BOOT_STACK_BUCKET_REGION",
  // The stack's aws:profile, so the upload uses the credentials the AWS provider uses.
  profile: "AWS_PROFILE",
} as const;

/** Where the image goes: the origin's bucket, unless the stack does not publish images. */
export interface ImagePublishing {
  publish: boolean;
  bucket: string;
  region: string;
  profile?: string;
}

/** What the command prints (its last stdout line) and what the stack keeps in state. */
export interface ImageCommandResult {
  digest: string;
  /** images/<site>/<sha256>.iso (uploaded only when publishing). */
  key: string;
  sha256: string;
  size: number;
}

/** A path inside the project as a relative one; anything else as configured. */
function portable(p: string, projectDir: string): string {
  const rel = path.relative(projectDir, p);
  return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}

function pemText(file: string, field: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ImageBuildError(
      `${field} ${file} cannot be read (${(e as NodeJS.ErrnoException).code}): give ${what}`,
    );
  }
}

/** What BOOT_STACK_SECURE_BOOT holds: the certificate's text, the key's path or variable name. */
interface SecureBootEnv {
  certPem: string;
  keyFile?: string;
  keyEnv?: string;
  passphraseEnv?: string;
}

/** The Command's environment for one site's image (values only; the command line stays fixed). */
export function imageCommandEnv(
  o: ImageOptions,
  projectDir: string,
  digest: string,
  pub: ImagePublishing,
): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.site]: o.site,
    [ENV.stage1]: o.stage1,
    [ENV.mode]: o.mode ?? "prebuilt",
    [ENV.digest]: digest,
    [ENV.publish]: String(pub.publish),
    [ENV.bucket]: pub.bucket,
    [ENV.region]: pub.region,
  };
  if (o.platforms) env[ENV.platforms] = o.platforms.join(",");
  if (o.prebuiltDir) env[ENV.prebuiltDir] = portable(o.prebuiltDir, projectDir);
  if (o.sourceDir) env[ENV.sourceDir] = portable(o.sourceDir, projectDir);
  if (o.ref) env[ENV.ref] = o.ref;
  if (o.trust?.length)
    env[ENV.trust] = JSON.stringify(
      o.trust.map((f, i) =>
        pemText(f, `ipxe.trust[${i}]`, "the PEM file of a CA the origin's certificate chains to"),
      ),
    );
  if (o.secureBoot) {
    const sb = o.secureBoot;
    const value: SecureBootEnv = {
      certPem: pemText(sb.certFile, "ipxe.secureBoot.certFile", "the PEM certificate of the db key"),
      ...(sb.keyFile ? { keyFile: portable(sb.keyFile, projectDir) } : {}),
      ...(sb.keyEnv ? { keyEnv: sb.keyEnv } : {}),
      ...(sb.passphraseEnv ? { passphraseEnv: sb.passphraseEnv } : {}),
    };
    env[ENV.secureBoot] = JSON.stringify(value);
  }
  if (o.codeSigningTrust?.length)
    env[ENV.codeSigningTrust] = JSON.stringify(
      o.codeSigningTrust.map((f, i) =>
        pemText(f, `ipxe.codeSigning.trust[${i}]`, "the PEM file of the code-signing CA"),
      ),
    );
  if (o.embed !== undefined) env[ENV.embed] = String(o.embed);
  if (o.requireHttps !== undefined) env[ENV.requireHttps] = String(o.requireHttps);
  if (o.sourceDateEpoch !== undefined) env[ENV.sourceDateEpoch] = String(o.sourceDateEpoch);
  if (pub.profile) env[ENV.profile] = pub.profile;
  return env;
}

export interface ImageCommandInput {
  options: ImageOptions;
  /** The digest the program computed (the Command's trigger). */
  digest: string;
  publishing: ImagePublishing;
}

/** Environment → the command's input; names the variable when one is missing or malformed. The
 * trust PEMs are written to `trustDir` (named by their hash) for the builder to read. */
export function imageCommandInput(env: NodeJS.ProcessEnv, trustDir: string): ImageCommandInput {
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
  const json = (k: string): unknown => {
    try {
      return JSON.parse(env[k]!);
    } catch {
      return undefined;
    }
  };
  // PEM texts become files named by their hash, for the builder and the signer to read.
  const pemFile = (pem: string) => {
    fs.mkdirSync(trustDir, { recursive: true });
    const file = path.join(trustDir, `${sha256(pem)}.pem`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, pem);
    return file;
  };
  const pemFiles = (k: string): string[] | undefined => {
    if (!env[k]) return undefined;
    const pems = json(k);
    if (!Array.isArray(pems) || !pems.every((p) => typeof p === "string"))
      throw new ImageBuildError(`${k} must be a JSON list of PEM texts`);
    return pems.map(pemFile);
  };
  const trust = pemFiles(ENV.trust);
  const codeSigningTrust = pemFiles(ENV.codeSigningTrust);
  let secureBoot: SecureBootOptions | undefined;
  if (env[ENV.secureBoot]) {
    const sb = json(ENV.secureBoot) as Partial<SecureBootEnv> | undefined;
    const names = ["keyFile", "keyEnv", "passphraseEnv"] as const;
    if (
      typeof sb?.certPem !== "string" ||
      !names.every((n) => sb[n] === undefined || typeof sb[n] === "string")
    )
      throw new ImageBuildError(
        `${ENV.secureBoot} must be a JSON object {certPem, keyFile | keyEnv, passphraseEnv}`,
      );
    secureBoot = {
      certFile: pemFile(sb.certPem),
      ...(sb.keyFile ? { keyFile: path.resolve(sb.keyFile) } : {}),
      ...(sb.keyEnv ? { keyEnv: sb.keyEnv } : {}),
      ...(sb.passphraseEnv ? { passphraseEnv: sb.passphraseEnv } : {}),
    };
  }
  const platforms = env[ENV.platforms]?.split(",");
  if (platforms && !platforms.every((p) => (PLATFORMS as readonly string[]).includes(p)))
    throw new ImageBuildError(`${ENV.platforms} must list bios and/or uefi, not ${env[ENV.platforms]}`);
  const epoch = env[ENV.sourceDateEpoch];
  const options: ImageOptions = {
    site: need(ENV.site),
    stage1: need(ENV.stage1),
    mode: (env[ENV.mode] ?? "prebuilt") as BuildMode,
    ...(platforms ? { platforms: platforms as Platform[] } : {}),
    ...(env[ENV.prebuiltDir] ? { prebuiltDir: path.resolve(env[ENV.prebuiltDir]!) } : {}),
    ...(env[ENV.sourceDir] ? { sourceDir: path.resolve(env[ENV.sourceDir]!) } : {}),
    ...(env[ENV.ref] ? { ref: env[ENV.ref] } : {}),
    ...(trust ? { trust } : {}),
    ...(secureBoot ? { secureBoot } : {}),
    ...(codeSigningTrust ? { codeSigningTrust } : {}),
    ...(bool(ENV.embed) !== undefined ? { embed: bool(ENV.embed) } : {}),
    ...(bool(ENV.requireHttps) !== undefined ? { requireHttps: bool(ENV.requireHttps) } : {}),
    ...(epoch && /^\d+$/.test(epoch) ? { sourceDateEpoch: Number(epoch) } : {}),
  };
  const publish = bool(ENV.publish) ?? false;
  return {
    options,
    digest: need(ENV.digest),
    publishing: {
      publish,
      bucket: publish ? need(ENV.bucket) : (env[ENV.bucket] ?? ""),
      region: publish ? need(ENV.region) : (env[ENV.region] ?? ""),
      ...(env[ENV.profile] ? { profile: env[ENV.profile] } : {}),
    },
  };
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The command's last stdout line as its result; a clear error naming the site otherwise. */
export function parseImageResult(stdout: string, site: string): ImageCommandResult {
  const last = stdout.trim().split("\n").pop() ?? "";
  try {
    const r = JSON.parse(last);
    if (
      SHA256.test(r.digest) &&
      SHA256.test(r.sha256) &&
      typeof r.key === "string" &&
      Number.isInteger(r.size)
    )
      return { digest: r.digest, key: r.key, sha256: r.sha256, size: r.size };
  } catch {
    /* fall through */
  }
  throw new ImageBuildError(
    `image of site ${site}: the image command printed no result (last line: ${JSON.stringify(last.slice(0, 200))})`,
  );
}
