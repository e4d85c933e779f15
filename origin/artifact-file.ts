// An artefact's local file, checked against its configured sha256: the one check behind
// `validate --check-artifacts`, the upload and the local origin, so nothing unverified is used.
import * as fs from "node:fs";
import { UserError } from "../errors/user-error";
import { sha256File } from "../ipxe/build/hash";

export class ArtifactError extends UserError {
  constructor(message: string) {
    super(message, "ARTIFACT");
  }
}

/** The file is there, but its bytes are not the ones the config pins. */
export class ArtifactHashError extends ArtifactError {
  constructor(name: string, shown: string, expected: string, actual: string) {
    super(
      `artifacts.${name}.sha256: ${shown} has sha256 ${actual}, config says ${expected}; fix the file, or the config if the file changed on purpose`,
    );
  }
}

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

export interface VerifiedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Checks that `file` is a regular file holding exactly the bytes of `sha256`, or throws naming the
 * artefact; `shown` is how a mismatch names where the bytes came from (default the file).
 */
export async function verifyArtifactFile(
  name: string,
  file: string,
  sha256: string,
  shown = file,
): Promise<VerifiedFile> {
  const st = await fs.promises.stat(file).catch(() => undefined);
  if (!st)
    throw new ArtifactError(
      `artifacts.${name}.source: file ${file} does not exist; fix the path, or fetch it from a URL or Debian package (a file that is not in git does not exist on a CI runner)`,
    );
  if (!st.isFile())
    throw new ArtifactError(`artifacts.${name}.source: ${file} is not a regular file; point it at the file`);
  const actual = await fileSha256(file);
  if (actual !== sha256) throw new ArtifactHashError(name, shown, sha256, actual);
  return { path: file, size: st.size, mtimeMs: st.mtimeMs };
}
