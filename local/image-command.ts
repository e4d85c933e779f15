// Runs a site's image command as pulumi-command runs it for IpxeIso: `/bin/sh -c` with the fixed
// command line, in the program's folder, with the runner's environment plus the Command's
// `environment` (imageCommandEnv). For tests and the boot rig that must build exactly what
// `pulumi up` builds, through the same code path.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { IMAGE_COMMAND, isoFileName, parseImageResult } from "../ipxe/build";
import { REPO_ROOT } from "../ipxe/build/cache";

export interface ImageCommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runImageCommand(
  environment: Record<string, string>,
  runner: NodeJS.ProcessEnv = process.env,
): Promise<ImageCommandRun> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", IMAGE_COMMAND], {
      cwd: REPO_ROOT,
      env: { ...runner, ...environment },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The ISO the command built into `cache` (images/<digest>/<site>.iso), or its one-line error. */
export async function imageFromCommand(
  environment: Record<string, string>,
  cache: string,
): Promise<{ isoPath: string; sha256: string }> {
  const r = await runImageCommand(environment, { ...process.env, BOOT_STACK_CACHE: cache });
  if (r.code !== 0) throw new Error(`image command failed (${r.code}): ${r.stderr.trim()}`);
  const result = parseImageResult(r.stdout, environment.BOOT_STACK_SITE);
  return {
    isoPath: path.join(cache, "images", result.digest, isoFileName(environment.BOOT_STACK_SITE)),
    sha256: result.sha256,
  };
}
