// Artefacts (kernels, initrds) come from local files or URLs; every consumer gets a local file
// whose sha256 has been checked against the config, so nothing unverified is ever served.
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { ArtifactConfig } from "../config/schema";
import { sha256File } from "../ipxe/build/hash";

export interface ArtifactStore {
  /** Relative local sources are resolved against this folder (the project). */
  projectDir: string;
  /** Downloads land in `<cacheDir>/<sha256>/<name>`. */
  cacheDir: string;
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactError";
  }
}

export const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** Hashes already computed, by path, size and mtime: the resolver and the local origin check the
 * same large files, and each should be read once, not once per check. */
const knownHashes = new Map<string, string>();

/** sha256 of a file, computed once while its path, size and mtime stay the same. */
export async function fileSha256(file: string): Promise<string> {
  const st = await fs.promises.stat(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  let sha = knownHashes.get(key);
  if (sha === undefined) {
    sha = await sha256File(file);
    knownHashes.set(key, sha);
  }
  return sha;
}

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
    if (!fs.existsSync(file))
      throw new ArtifactError(
        `${where}.source: file ${file} does not exist; fix the path or fetch the file first`,
      );
    await checkHash(file, artifact.sha256, where);
    return file;
  }
  const cached = cachedArtifactPath(store, name, artifact.sha256);
  if (fs.existsSync(cached) && (await fileSha256(cached)) === artifact.sha256) return cached;
  await download(artifact.source, cached, where);
  try {
    await checkHash(cached, artifact.sha256, where);
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
  const errors = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (errors.length)
    throw new ArtifactError(
      `${errors.length} artefact problem${errors.length > 1 ? "s" : ""}:\n  ${errors.join("\n  ")}`,
    );
  return Object.fromEntries(
    entries.map(([name], i) => [name, (results[i] as PromiseFulfilledResult<string>).value]),
  );
}

async function checkHash(file: string, expected: string, where: string): Promise<void> {
  const actual = await fileSha256(file);
  if (actual !== expected) {
    throw new ArtifactError(
      `${where}.sha256: ${file} has sha256 ${actual}, config says ${expected}; update the config if the file changed on purpose`,
    );
  }
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
  await pipeline(
    Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
    fs.createWriteStream(partial),
  );
  fs.renameSync(partial, dest);
}
