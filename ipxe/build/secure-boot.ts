// UEFI Secure Boot with the organisation's own db key: the UEFI iPXE binary is signed (sbsign,
// under faketime for reproducible bytes: ../sign/efi.ts) before it is probed and packaged, so the
// manifest's sha256 is that of the signed binary the firmware will check.
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
