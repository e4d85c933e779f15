// UEFI Secure Boot with the organisation's own db key: the UEFI iPXE binary is signed (sbsign,
// under faketime for reproducible bytes: ../sign/efi.ts) before it is probed and packaged, so the
// manifest's sha256 is that of the signed binary the firmware will check.
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { signEfiBinary } from "../sign/efi";
import { SigningError } from "../sign/errors";
import { loadSigner, SignerSource } from "../sign/signer";
import { ImageBuildError } from "./errors";
import { sha256, sha256File } from "./hash";

/** The db key that signs the UEFI binary: a certificate file, and the key from a file or an environment variable. */
export type SecureBootOptions = SignerSource;

/** Where config errors point (the stack's key for these options). */
export const SECURE_BOOT_FIELD = "ipxe.secureBoot";

/**
 * sha256 of the db certificate's DER bytes (what the signature embeds, and the manifest's
 * certSha256): an input of the image's digest, read at preview, so a bad path fails before any
 * build. The key is not read here; only the build needs it.
 */
export function certificateSha256(file: string, field: string): string {
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch (e) {
    throw new ImageBuildError(
      `${field} ${file} cannot be read (${(e as NodeJS.ErrnoException).code}): fix the path in the stack config`,
    );
  }
  try {
    return sha256(new X509Certificate(pem).raw);
  } catch {
    throw new ImageBuildError(`${field} ${file} is not a PEM certificate (BEGIN CERTIFICATE)`);
  }
}

/** Loads and checks the db key now (file or variable, passphrase, key ↔ certificate), so a build
 * that cannot be signed fails before minutes of compiling, with the signer's one-line message. */
export function checkSecureBootKey(sb: SecureBootOptions): void {
  try {
    loadSigner(sb, SECURE_BOOT_FIELD);
  } catch (e) {
    if (e instanceof SigningError) throw new ImageBuildError(e.message);
    throw e;
  }
}

export interface SignedUefi {
  file: string;
  /** Subject of the signing certificate, and its sha256 (DER). */
  signer: string;
  certSha256: string;
}

/**
 * Signs `file` into the cache, named by what decides its bytes (the input, the certificate and
 * the epoch). Signing takes a fraction of a second, so it runs every time: a missing or wrong
 * key is reported on every build, not hidden by a cached result.
 */
export async function signUefiBinary(
  file: string,
  sb: SecureBootOptions,
  cacheDir: string,
  sourceDateEpoch: number,
): Promise<SignedUefi> {
  try {
    const signer = loadSigner(sb, SECURE_BOOT_FIELD);
    const key = sha256([await sha256File(file), signer.certSha256, String(sourceDateEpoch)].join("\n"));
    const out = path.join(cacheDir, "ipxe", "signed", key.slice(0, 20), path.basename(file));
    await signEfiBinary(file, out, signer, sourceDateEpoch);
    return { file: out, signer: signer.subject, certSha256: signer.certSha256 };
  } catch (e) {
    if (e instanceof SigningError) throw new ImageBuildError(e.message);
    throw e;
  }
}
