// Entry point for the IpxeIso component's local.Command: options come from the environment
// (env.ts), progress goes to stderr, and one JSON line with the result goes to stdout.
import { UserError } from "../../errors/user-error";
import { buildSiteImage } from "./index";
import { fromEnv } from "./env";

async function main(): Promise<number> {
  try {
    const r = await buildSiteImage({
      ...fromEnv(process.env),
      onProgress: (m) => process.stderr.write(`${m}\n`),
    });
    process.stdout.write(
      `${JSON.stringify({ isoPath: r.isoPath, sha256: r.sha256, size: r.size, manifestPath: r.manifestPath })}\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(
      `boot-stack iso: ${e instanceof UserError ? e.message : ((e as Error).stack ?? String(e))}\n`,
    );
    return 1;
  }
}

main().then((code) => process.exit(code));
