// Turns the raw config of a stack (what pulumi.Config or Pulumi.<stack>.yaml holds) into a
// typed StackConfig, or a ConfigError listing every problem found. Used by the Pulumi program
// and the CLI alike, so a pull request's `boot-stack validate` sees what `pulumi up` would.
import { z } from "zod";
import { ConfigError, ConfigIssue, showValue } from "./errors";
import { checkSite, checkSites } from "./rules";
import {
  ARTIFACT_NAME,
  artifactSchema,
  ArtifactConfig,
  ipxeSchema,
  SiteConfig,
  originSchema,
  siteSchema,
  StackConfig,
} from "./schema";

/** The config keys of the `boot-stack` namespace, as raw values. */
export interface RawStackConfig {
  origin?: unknown;
  artifacts?: unknown;
  ipxe?: unknown;
  sites?: unknown;
}

export const CONFIG_KEYS = ["origin", "artifacts", "ipxe", "sites"] as const;

export function validateStackConfig(raw: RawStackConfig, source = "stack config"): StackConfig {
  const issues: ConfigIssue[] = [];
  const origin = parseSection(originSchema, raw.origin, "origin", issues);
  const ipxe = parseSection(ipxeSchema, raw.ipxe ?? {}, "ipxe", issues);
  const artifacts = parseArtifacts(raw.artifacts, issues);
  const sites = parseSites(raw.sites, issues);

  if (origin && origin.transport === "http" && !origin.allowInsecureHttp) {
    issues.push({
      path: "origin.transport",
      message: '"http" needs origin.allowInsecureHttp: true (scripts then travel unencrypted; prefer https)',
    });
  }
  for (const feature of ["secureBoot", "codeSigning"] as const) {
    if (ipxe?.[feature] && ipxe.mode !== "compile")
      issues.push({
        path: `ipxe.${feature}`,
        message:
          feature === "secureBoot"
            ? "needs ipxe.mode: compile (the EFI binary is signed as it is built; Debian's prebuilt one is signed by Debian, not by you)"
            : "needs ipxe.mode: compile (Debian's prebuilt iPXE has no imgverify/imgtrust, and the CA is built in at compile time)",
      });
  }
  // iPXE has one list of roots for TLS and signatures, and TRUST= replaces its default roots:
  // with [] (iPXE's own trust) the code-signing CA would become the only root an https origin
  // could chain to (docs/signing.md "One trust list").
  if (ipxe?.codeSigning && ipxe.trust?.length === 0 && origin?.transport === "https")
    issues.push({
      path: "ipxe.trust",
      message:
        "[] (iPXE's default roots) cannot be combined with ipxe.codeSigning on an https origin: the CA replaces those roots; list the origin's CA files, or leave ipxe.trust unset for Amazon's",
    });
  // Secure Boot vouches for the signed binary only: an unembedded stage-1 (autoexec.ipxe on the
  // EFI FAT image) is outside the signature, so anyone could edit where and how it chains.
  if (ipxe?.secureBoot && !ipxe.embed)
    issues.push({
      path: "ipxe.embed",
      message:
        "false cannot be combined with ipxe.secureBoot: the stage-1 would sit on the medium, outside the signed binary, where anyone can edit it; set it to true",
    });
  if (ipxe?.secureBoot && !ipxe.platforms.includes("uefi"))
    issues.push({ path: "ipxe.secureBoot", message: "needs uefi in ipxe.platforms (Secure Boot is UEFI's)" });
  const validSites = (sites ?? []).flatMap((p) => (p.site ? [p.site] : []));
  issues.push(
    ...checkSites(
      Array.isArray(raw.sites) ? raw.sites.map((s) => (isPlainObject(s) ? s.name : undefined)) : [],
    ),
  );
  for (const parsed of sites ?? []) {
    // Without a valid artefact list, references cannot be judged: skip that one rule.
    if (parsed.site) issues.push(...checkSite(parsed.site, parsed.path, artifacts));
    // A mirror carries the same scripts as the origin: no weaker transport than the stack allows.
    if (parsed.site?.mirror?.startsWith("http://") && origin && !origin.allowInsecureHttp)
      issues.push({
        path: `${parsed.path}.mirror`,
        message: `${showValue(parsed.site.mirror)} is plain http: use https, or set origin.allowInsecureHttp: true`,
      });
  }

  if (issues.length > 0 || !origin || !ipxe || !artifacts || !sites) throw new ConfigError(source, issues);
  return { origin, ipxe, artifacts, sites: validSites };
}

function parseSection<T extends z.ZodType>(
  schema: T,
  value: unknown,
  path: string,
  issues: ConfigIssue[],
): z.output<T> | undefined {
  if (value === undefined) {
    issues.push({
      path,
      message: `is missing (add "boot-stack:${path}" to the stack's config; see Pulumi.yaml)`,
    });
    return undefined;
  }
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  issues.push(...zodIssues(result.error, path, value));
  return undefined;
}

function parseArtifacts(value: unknown, issues: ConfigIssue[]): Record<string, ArtifactConfig> | undefined {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    issues.push({
      path: "artifacts",
      message: `${showValue(value)} must be a map of artefact name to { source, sha256 }`,
    });
    return undefined;
  }
  const out: Record<string, ArtifactConfig> = {};
  let ok = true;
  for (const [key, entry] of Object.entries(value)) {
    const path = `artifacts.${key}`;
    if (!ARTIFACT_NAME.test(key)) {
      issues.push({
        path,
        message: `name ${showValue(key)} may hold only letters, digits, . _ - (at most 64, starting with a letter or digit)`,
      });
      ok = false;
      continue;
    }
    const parsed = parseSection(artifactSchema, entry, path, issues);
    if (parsed) out[key] = parsed;
    else ok = false;
  }
  return ok ? out : undefined;
}

interface ParsedSite {
  site?: SiteConfig;
  path: string;
}

function parseSites(value: unknown, issues: ConfigIssue[]): ParsedSite[] | undefined {
  if (value === undefined) {
    issues.push({ path: "sites", message: 'is missing (add "boot-stack:sites" with at least one site)' });
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) {
    issues.push({ path: "sites", message: `${showValue(value)} must be a list with at least one site` });
    return undefined;
  }
  // A site that fails to parse is reported and left out; the others still get the cross-field
  // rules, so one run reports every problem.
  return value.map((raw, index): ParsedSite => {
    const path = sitePath(index, raw);
    return { site: parseSection(siteSchema, raw, path, issues), path };
  });
}

export function sitePath(index: number, raw: unknown): string {
  const name = isPlainObject(raw) && typeof raw.name === "string" ? ` ${showValue(raw.name)}` : "";
  return `sites[${index}]${name}`;
}

/**
 * A union (an artefact's source: a path or URL, or a Debian package) fails as a whole; report the
 * problems of the branch the value's type chose, e.g. `source.version`, not "Invalid input".
 */
function chosenBranch(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union") return [issue];
    const wrongType = (e: z.core.$ZodIssue) => e.code === "invalid_type" && e.path.length === 0;
    const branch = issue.errors.find((errors) => !errors.every(wrongType));
    return branch ? chosenBranch(branch.map((e) => ({ ...e, path: [...issue.path, ...e.path] }))) : [issue];
  });
}

function zodIssues(error: z.ZodError, base: string, root: unknown): ConfigIssue[] {
  return chosenBranch(error.issues).map((issue) => {
    const path = base + issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    const atPath = valueAt(root, issue.path);
    const value = atPath !== undefined ? atPath : issue.input;
    if (issue.code === "unrecognized_keys") {
      return {
        path,
        message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => showValue(k)).join(", ")} (check the spelling against Pulumi.yaml)`,
      };
    }
    if (value === undefined) return { path, message: `is missing (${issue.message})` };
    if (issue.code === "invalid_type" && !issue.message.startsWith("Invalid input"))
      return { path, message: `${showValue(value)} ${issue.message}` };
    if (issue.code === "invalid_type")
      return { path, message: `${showValue(value)} has the wrong type: expected ${issue.expected}` };
    return { path, message: `${showValue(value)} ${issue.message}` };
  });
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
