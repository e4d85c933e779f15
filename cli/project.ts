// Shared by commands: find the project folder and load a stack's validated config.
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfig } from "../config/schema";
import { REPO_ROOT } from "../ipxe/build/cache";
import { loadStackFile, stackFilePath } from "../config/stack-file";
import { baseUrlProblem, OriginRef, originRefFor } from "../ipxe/render/origin-ref";
import { UsageError } from "../errors/user-error";

/** The folder holding Pulumi.yaml: --project-dir, else the nearest one up from the cwd. */
export function projectDir(given?: string): string {
  if (given) {
    if (!fs.existsSync(path.join(given, "Pulumi.yaml")))
      throw new UsageError(`--project-dir ${given}: no Pulumi.yaml there`);
    return path.resolve(given);
  }
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  return REPO_ROOT; // the CLI's own project
}

export interface LoadedStack {
  dir: string;
  file: string;
  config: StackConfig;
}

export function loadStack(stack: string, dir?: string): LoadedStack {
  const root = projectDir(dir);
  const file = stackFilePath(root, stack);
  return { dir: root, file, config: loadStackFile(file) };
}

export function originRef(stack: LoadedStack, baseUrl?: string, cdnDomain?: string): OriginRef {
  let ref: OriginRef = originRefFor(stack.config.origin);
  if (baseUrl !== undefined) {
    const problem = baseUrlProblem(baseUrl);
    if (problem) throw new UsageError(`--base-url: ${problem}`);
    ref = { baseUrl };
  }
  if (cdnDomain === undefined) return ref;
  // What `pulumi up` puts second: the distribution's own name (the stack output distributionDomain).
  const fallback = `${stack.config.origin.transport}://${cdnDomain}`;
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(cdnDomain) || baseUrlProblem(fallback))
    throw new UsageError(
      `--cdn-domain ${JSON.stringify(cdnDomain)}: give the distribution's domain, e.g. d111111abcdef8.cloudfront.net (pulumi stack output distributionDomain)`,
    );
  return { ...ref, fallbacks: [fallback] };
}

/** The flag that makes local scripts and images match the deployed ones (origin failover). */
export const CDN_DOMAIN_FLAG = [
  "--cdn-domain <domain>",
  "the distribution's own domain (pulumi stack output distributionDomain): stage-1 tries it after the hostname, as deployed",
] as const;
