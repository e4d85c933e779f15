// `boot-stack serve --stack <name>`: the local origin. Serves the stack's origin layout on
// 127.0.0.1 until Ctrl-C, logging one line per request. Scripts point at --base-url, by
// default http://10.0.2.100: the address QEMU's guestfwd gives the origin inside a test VM.
import * as fs from "node:fs";
import { Command } from "commander";
import { cachedArtifactPath, defaultArtifactStore, isFetched, resolveArtifact } from "../../origin/artifacts";
import { originLayout } from "../../origin/layout";
import { signOrigin } from "../../origin/sign-origin";
import { OriginServer } from "../../origin/server";
import { GUEST_ORIGIN, guestfwd } from "../../local/guest-network";
import { loadStack, originRef } from "../project";
import { UsageError } from "../../errors/user-error";
import { ArtifactSource } from "../../config/schema";

interface ServeOptions {
  stack: string;
  port: string;
  baseUrl?: string;
  fetchArtifacts?: boolean;
  projectDir?: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Serve a stack's origin layout on 127.0.0.1 (the local origin), with an access log.")
    .requiredOption("-s, --stack <name>", "stack name, e.g. prod")
    .option("-p, --port <port>", "TCP port on 127.0.0.1 (0 picks a free one)", "8080")
    .option(
      "--base-url <url>",
      `origin URL the scripts point at (default ${GUEST_ORIGIN.baseUrl}, the origin as a QEMU guest sees it)`,
    )
    .option(
      "--fetch-artifacts",
      "download artefacts given as URLs that are not in the cache yet (default: serve 404 for them)",
    )
    .option("--project-dir <dir>", "folder with Pulumi.yaml (default: nearest up from here)")
    .action((opts: ServeOptions) => serve(opts));
}

async function serve(opts: ServeOptions): Promise<void> {
  if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65535)
    throw new UsageError(`--port ${JSON.stringify(opts.port)}: expected a TCP port number 0-65535`);
  const stack = loadStack(opts.stack, opts.projectDir);
  const ref = originRef(stack, opts.baseUrl ?? GUEST_ORIGIN.baseUrl);
  const store = defaultArtifactStore(stack.dir);
  const available = (source: ArtifactSource, name: string, sha256: string) =>
    !isFetched(source) || opts.fetchArtifacts || fs.existsSync(cachedArtifactPath(store, name, sha256));
  // ipxe.codeSigning: signed as `pulumi up` signs; signing needs every artefact's bytes.
  const signatures = await signOrigin(stack.config, ref, {
    projectDir: stack.dir,
    artifactFile: (name, o) => {
      const source = (o.content as { source: ArtifactSource }).source;
      if (!available(source, name, o.sha256))
        throw new UsageError(
          `artefact ${name} is a URL not in the cache, and ipxe.codeSigning must sign it: run with --fetch-artifacts`,
        );
      return resolveArtifact(name, { source, sha256: o.sha256 }, store);
    },
  });
  const layout = originLayout(stack.config, ref, signatures);
  const server = await OriginServer.start({
    objects: layout,
    port: Number(opts.port),
    resolveArtifact: (name, source, sha256) => {
      // Nothing is downloaded unless asked: a fetched artefact is served only once it is in the cache.
      if (!available(source, name, sha256)) return undefined;
      return resolveArtifact(name, { source, sha256 }, store);
    },
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "EADDRINUSE") throw e;
    throw new UsageError(
      `--port ${opts.port}: already in use on 127.0.0.1; pick another (or 0 for any free port)`,
    );
  });
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out(
    `origin: serving ${layout.length - server.unavailable().length} objects of stack ${opts.stack} on ${server.url} (scripts point at ${ref.baseUrl})`,
  );
  for (const key of server.unavailable())
    out(
      `origin: warning: ${key} is a URL artefact not in the cache: answered with 404 (run with --fetch-artifacts to download it)`,
    );
  out(`origin: for a QEMU guest: -netdev user,id=n0,restrict=on,${guestfwd(80, server.port)}`);
  out("origin: Ctrl-C stops it");
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      out(`origin: ${signal}: closing`);
      server.down().then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
