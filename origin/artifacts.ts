// Artefacts (kernels, initrds) come from local files, URLs or Debian packages; every consumer
// gets a local file whose sha256 has been checked against the config, so nothing unverified is
// ever served. Fetched artefacts are cached content-addressed: a warm cache fetches nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { ArtifactConfig, ArtifactSource, DebianPackageSource } from "../config/schema";
import { UserError } from "../errors/user-error";
import { cacheDir } from "../ipxe/build/cache";
import {
  DebianPackageError,
  DebianPackageFailure,
  DebianPackageRequest,
  describePackage,
  downloadDebianPackage,
  extractDebianFile,
} from "../ipxe/build/debian-package";
import { ArtifactError, fileSha256, verifyArtifactFile } from "./artifact-file";

export { ArtifactError } from "./artifact-file";

export interface ArtifactStore {
  /** Relative local sources are resolved against this folder (the project). */
  projectDir: string;
  /** Fetched artefacts land in `<cacheDir>/<sha256>/<name>`; Debian packages in `<cacheDir>/debian/`. */
  cacheDir: string;
}

/** The store every command and the program use: the project, and the one cache rule (BOOT_STACK_CACHE). */
export const defaultArtifactStore = (projectDir: string): ArtifactStore => ({
  projectDir,
  cacheDir: path.join(cacheDir(), "artifacts"),
});

export const isUrl = (source: ArtifactSource): source is string =>
  typeof source === "string" && /^https?:\/\//i.test(source);

/** The three forms of `artifacts.<name>.source`. */
export type SourceKind = "file" | "url" | "debianPackage";

export const sourceKind = (source: ArtifactSource): SourceKind =>
  typeof source !== "string" ? "debianPackage" : isUrl(source) ? "url" : "file";

/** Whether the artefact must be fetched over the network (not a file of the project). */
export const isFetched = (source: ArtifactSource): boolean => sourceKind(source) !== "file";

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
  const { source } = artifact;
  if (typeof source === "string" && !isUrl(source)) {
    const file = path.resolve(store.projectDir, source);
    await verifyArtifactFile(name, file, artifact.sha256);
    return file;
  }
  const cached = cachedArtifactPath(store, name, artifact.sha256);
  if (fs.existsSync(cached) && (await fileSha256(cached)) === artifact.sha256) return cached;
  const partial = `${cached}.${process.pid}.partial`;
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  try {
    if (typeof source === "string") await download(source, partial, where);
    else await fromDebianPackage(source, partial, store, where);
    // Never keep bytes that failed the check: only verified bytes get the cached name.
    await verifyArtifactFile(name, partial, artifact.sha256, describeSource(source));
    fs.renameSync(partial, cached);
  } finally {
    fs.rmSync(partial, { force: true });
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

export function describeSource(source: ArtifactSource): string {
  if (typeof source === "string") return source;
  return `${source.file} of Debian package ${describePackage(packageRequest(source))}`;
}

const packageRequest = (s: DebianPackageSource): DebianPackageRequest => ({
  name: s.debianPackage,
  version: s.version,
  suite: s.suite,
  archive: s.archive,
});

/** What the user should change when the package cannot be had. */
const PACKAGE_FIX: Record<DebianPackageFailure, { field: string; fix: string }> = {
  list: { field: "source.archive", fix: "check the archive URL and suite, and that this machine reaches it" },
  version: {
    field: "source.version",
    fix: "a suite lists only its newest version: pin the current one (`apt-cache policy <package>`) with its sha256, or point source.archive at a frozen snapshot.debian.org archive",
  },
  download: { field: "source", fix: "check that this machine reaches the Debian archive" },
  unpack: { field: "source.debianPackage", fix: "check that the package is a valid .deb" },
  file: { field: "source.file", fix: "name a file the package holds" },
};

/** Downloads in flight, by cache folder and package: artefacts fetched together share one. */
const packageDownloads = new Map<string, Promise<string>>();

async function fromDebianPackage(
  source: DebianPackageSource,
  dest: string,
  store: ArtifactStore,
  where: string,
): Promise<void> {
  const dir = path.join(store.cacheDir, "debian");
  const id = `${dir}\0${source.debianPackage}=${source.version}\0${source.archive ?? ""}`;
  try {
    let deb = packageDownloads.get(id);
    if (!deb) {
      deb = cachedOrDownloadedDeb(source, dir, where);
      packageDownloads.set(id, deb);
      // Only while in flight: afterwards the cache folder itself is the record.
      void deb.finally(() => packageDownloads.delete(id)).catch(() => undefined);
    }
    await extractDebianFile(await deb, source.file, dest);
  } catch (e) {
    if (!(e instanceof DebianPackageError)) throw e;
    const { field, fix } = PACKAGE_FIX[e.failure];
    throw new ArtifactError(`${where}.${field}: ${e.message}; ${fix}`);
  }
}

async function cachedOrDownloadedDeb(
  source: DebianPackageSource,
  dir: string,
  where: string,
): Promise<string> {
  // apt names the file <package>_<version without epoch>_<arch>.deb.
  const version = source.version.replace(/^[0-9]+:/, "");
  const prefix = `${source.debianPackage}_${version}_`;
  const known = fs.existsSync(dir)
    ? fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith(".deb"))
    : undefined;
  let deb = known ? path.join(dir, known) : await downloadDebianPackage(packageRequest(source), dir);
  if (source.debSha256) {
    const actual = await fileSha256(deb);
    if (actual !== source.debSha256) {
      fs.rmSync(deb, { force: true });
      if (known) return cachedOrDownloadedDeb(source, dir, where); // a stale cache copy: fetch afresh
      throw new ArtifactError(
        `${where}.source.debSha256: ${path.basename(deb)} has sha256 ${actual}, config says ${source.debSha256}; update the config if the package changed on purpose`,
      );
    }
  }
  return deb;
}

async function download(url: string, dest: string, where: string): Promise<void> {
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
      fs.createWriteStream(dest),
    );
  } catch (e) {
    throw new ArtifactError(
      `${where}.source: downloading ${url} failed (${(e as Error).message}); check the network and the cache folder, then try again`,
    );
  }
}
