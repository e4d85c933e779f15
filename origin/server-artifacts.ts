// Artefact files behind the local origin: where each one lives on disk, checked against its
// configured sha256 before the first byte is served, and checked again if the file changes.
import * as fs from "node:fs";
import { ArtifactSource } from "../config/schema";
import { fileSha256 } from "./artifacts";

/**
 * Turns a configured artefact into a local file path (fetching it first unless it is a file), or
 * undefined when it is deliberately not available here (it is then answered with 404).
 */
export type ArtifactResolver = (
  name: string,
  source: ArtifactSource,
  sha256: string,
) => Promise<string | undefined> | string | undefined;

export interface VerifiedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export class ArtifactHashError extends Error {
  constructor(name: string, file: string, expected: string, actual: string) {
    super(
      `artefact ${name} (${file}) has sha256 ${actual}, but the config says ${expected}: fix artifacts.${name}.sha256 or the file`,
    );
    this.name = "ArtifactHashError";
  }
}

/** Checks a file against its configured sha256 (hashed once per path, size and mtime). */
export async function verifyArtifactFile(name: string, file: string, sha256: string): Promise<VerifiedFile> {
  const st = await fs.promises.stat(file);
  if (!st.isFile()) throw new Error(`artefact ${name}: ${file} is not a regular file`);
  const actual = await fileSha256(file);
  if (actual !== sha256) throw new ArtifactHashError(name, file, sha256, actual);
  return { path: file, size: st.size, mtimeMs: st.mtimeMs };
}
