// The image command a site's Pulumi Command runs (components/ipxe-iso.ts), in the program's folder:
//   node_modules/.bin/tsx ipxe/build/image-command.ts          create: build, publish, report
//   node_modules/.bin/tsx ipxe/build/image-command.ts delete   delete: unpublish this image
// Values come from the environment (command-env.ts). `create` builds the image into the cache
// under its inputs digest (reusing an earlier build of the same digest), uploads it if the bucket
// does not have it yet, and prints one JSON line {digest, key, sha256, size}. `delete` reads that
// line back from PULUMI_COMMAND_STDOUT (pulumi-command sets it for deletes) and removes the object
// if this image still owns it (publish.ts). Both print a one-line summary on stderr: stdout and
// stderr are kept in the stack's state, so the builder's progress (with local paths) is shown only
// when something fails.
import * as fs from "node:fs";
import * as path from "node:path";
import { keys } from "../../origin/keys";
import { cacheDir } from "./cache";
import { imageCommandInput, ImageCommandResult, parseImageResult } from "./command-env";
import { imageInputsDigest } from "./digest";
import { UserError } from "../../errors/user-error";
import { ImageBuildError } from "./errors";
import { sha256File } from "./hash";
import { buildSiteImage, isoFileName, manifestFileName } from "./index";

// The S3 client is loaded only when there is something to publish (it costs a second to load).
const s3 = () => import("./publish");

/** An earlier build of the same digest in this cache, if its bytes are intact. */
async function cachedBuild(dir: string, site: string): Promise<{ sha256: string; size: number } | undefined> {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, manifestFileName(site)), "utf8"));
    const iso = path.join(dir, isoFileName(site));
    if ((await sha256File(iso)) === manifest.sha256) return { sha256: manifest.sha256, size: manifest.size };
  } catch {
    /* not built here yet */
  }
  return undefined;
}

async function create(progress: (m: string) => void): Promise<string> {
  const cache = cacheDir();
  const { options, digest, publishing } = imageCommandInput(process.env, path.join(cache, "trust"));
  const computed = imageInputsDigest(options);
  if (computed !== digest)
    throw new ImageBuildError(
      `site ${options.site}: the program named this image ${digest.slice(0, 12)}, but its inputs here give ${computed.slice(0, 12)} (a prebuilt binary or trust file changed in between?): run pulumi up again`,
    );
  const dir = path.join(cache, "images", digest);
  const built =
    (await cachedBuild(dir, options.site)) ??
    (await buildSiteImage({ ...options, outDir: dir, cacheDir: cache, onProgress: progress }));
  const result: ImageCommandResult = {
    digest,
    key: keys.image(options.site, built.sha256),
    sha256: built.sha256,
    size: built.size,
  };
  let done = "not published (origin.publishImages is false)";
  if (publishing.publish) {
    const file = path.join(dir, isoFileName(options.site));
    const how = await (
      await s3()
    ).publishImage(publishing, {
      site: options.site,
      digest,
      file,
      sha256: built.sha256,
    });
    done = { uploaded: "uploaded", present: "already published", claimed: "already published (relabelled)" }[
      how
    ];
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return `${options.site}: ${result.key} (${result.size} bytes) ${done}`;
}

async function remove(): Promise<string> {
  const { options, publishing } = imageCommandInput(process.env, path.join(cacheDir(), "trust"));
  if (!publishing.publish) return `${options.site}: nothing to delete (images not published)`;
  const previous = parseImageResult(process.env.PULUMI_COMMAND_STDOUT ?? "", options.site);
  const how = await (await s3()).unpublishImage(publishing, previous);
  return `${options.site}: ${previous.key} ${{ deleted: "deleted", kept: "kept (a newer image of the same bytes owns it)", absent: "already gone" }[how]}`;
}

async function main(action: string): Promise<number> {
  const log: string[] = [];
  try {
    if (action !== "create" && action !== "delete")
      throw new ImageBuildError(`unknown action ${JSON.stringify(action)}: use create or delete`);
    const summary = action === "create" ? await create((m) => log.push(m)) : await remove();
    process.stderr.write(`${summary}\n`);
    return 0;
  } catch (e) {
    for (const line of log) process.stderr.write(`${line}\n`);
    // A user-facing problem (bad input, a missing tool, S3 refusing) is one line; a bug keeps its stack.
    const known = e instanceof UserError;
    process.stderr.write(`boot-stack image: ${known ? e.message : ((e as Error).stack ?? String(e))}\n`);
    return 1;
  }
}

main(process.argv[2] ?? "create").then((code) => process.exit(code));
