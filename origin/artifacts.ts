// Artefacts (kernels, initrds) come from local files or URLs; every consumer gets a local file
// whose sha256 has been checked against the config, so nothing unverified is ever served.
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { ArtifactConfig } from "../config/schema";
import { UserError } from "../errors/user-error";
import { ArtifactError, fileSha256, verifyArtifactFile } from "./artifact-file";

export { ArtifactError } from "./artifact-file";

export interface ArtifactStore {
  /** Relative local sources are resolved against this folder (the project). */
  projectDir: string;
  /** Downloads land in `<cacheDir>/<sha256>/<name>`. */
  cacheDir: string;
}

export const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** Where a downloaded artefact is kept: `<cacheDir>/<sha256>/<name>`. */
export const cachedArtifactPath = (store: ArtifactStore, name: string, sha256: string): string =>
  path.join(store.cacheDir, sha256, name);

/** Returns a local file holding exactly the configured bytes, or throws naming the artefact. */
export async function resolveArtifact(
  name: string,
  artifact: ArtifactConfig,
  store: ArtifactStore,
): Promise<string> {
  const where = `artifacts.${name}`;
  if (!isUrl(artifact.source)) {
    const file = path.resolve(store.projectDir, artifact.source);
    await verifyArtifactFile(name, file, artifact.sha256);
    return file;
  }
  const cached = cachedArtifactPath(store, name, artifact.sha256);
  if (fs.existsSync(cached) && (await fileSha256(cached)) === artifact.sha256) return cached;
  await download(artifact.source, cached, where);
  try {
    await verifyArtifactFile(name, cached, artifact.sha256);
  } catch (e) {
    fs.rmSync(cached, { force: true }); // never keep bytes that failed the check
    throw e;
  }
  return cached;
}

/** Resolves every artefact before anything is uploaded or served: all problems at once. */
export async function resolveArtifacts(
  artifacts: Record<string, ArtifactConfig>,
  store: ArtifactStore,
): Promise<Record<string, string>> {
  const entries = Object.entries(artifacts);
  const results = await Promise.allSettled(entries.map(([name, a]) => resolveArtifact(name, a, store)));
  const bug = results.find((r) => r.status === "rejected" && !(r.reason instanceof UserError));
  if (bug) throw (bug as PromiseRejectedResult).reason; // a bug keeps its stack
  const errors = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (errors.length)
    throw new ArtifactError(
      `${errors.length} artefact problem${errors.length > 1 ? "s" : ""}:\n  ${errors.join("\n  ")}`,
    );
  return Object.fromEntries(
    entries.map(([name], i) => [name, (results[i] as PromiseFulfilledResult<string>).value]),
  );
}

async function download(url: string, dest: string, where: string): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new ArtifactError(
      `${where}.source: cannot download ${url} (${(e as Error).cause ?? (e as Error).message}); check the URL or use a local file`,
    );
  }
  if (!response.ok || !response.body)
    throw new ArtifactError(`${where}.source: ${url} answered HTTP ${response.status}`);
  try {
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      fs.createWriteStream(partial),
    );
  } catch (e) {
    fs.rmSync(partial, { force: true });
    throw new ArtifactError(
      `${where}.source: downloading ${url} failed (${(e as Error).message}); check the network and the cache folder, then try again`,
    );
  }
  fs.renameSync(partial, dest);
}
