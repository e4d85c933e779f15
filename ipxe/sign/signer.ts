// The organisation's signing key and certificate, read at run time and checked before anything
// is signed. The private key comes from a file or from an environment variable (a CI secret
// store), never from the stack config or the repository; it stays in this process's memory and
// reaches the signing tools through a pipe (tools.ts `secretFd3`), so it is never written to a
// file, a Pulumi input, state or a log. Only the certificate (public) is named in config and hashed.
import { createHash, createPrivateKey, KeyObject, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import { SigningError } from "./errors";

export interface SignerSource {
  /** PEM certificate of the signing key (public: its sha256 goes into build triggers). */
  certFile: string;
  /** PEM private key file (PKCS#8 or traditional, optionally encrypted). One of keyFile/keyEnv. */
  keyFile?: string;
  /** Name of an environment variable that holds the PEM private key. */
  keyEnv?: string;
  /** Name of an environment variable that holds the key's passphrase (for an encrypted key). */
  passphraseEnv?: string;
}

export interface Signer {
  certFile: string;
  certPem: string;
  /** sha256 of the certificate's DER bytes (its fingerprint). */
  certSha256: string;
  subject: string;
  /** The private key, unencrypted PKCS#8 PEM, for the signing tool's fd 3 only. */
  keyPem: Buffer;
}

/** How errors name each option: config keys under a block, or a CLI's flags. */
export type SignerFields = Record<keyof SignerSource, string>;

export function signerFields(fieldOrNames: string | SignerFields): SignerFields {
  if (typeof fieldOrNames !== "string") return fieldOrNames;
  const at = (k: keyof SignerSource) => `${fieldOrNames}.${k}`;
  return {
    certFile: at("certFile"),
    keyFile: at("keyFile"),
    keyEnv: at("keyEnv"),
    passphraseEnv: at("passphraseEnv"),
  };
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? "error";

function readCert(field: SignerFields, file: string): { pem: string; cert: X509Certificate } {
  let pem: string;
  try {
    pem = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SigningError(
      `${field.certFile} ${file} cannot be read (${errno(e)}): give the PEM certificate of the signing key`,
    );
  }
  try {
    return { pem, cert: new X509Certificate(pem) };
  } catch {
    throw new SigningError(`${field.certFile} ${file} is not a PEM certificate (BEGIN CERTIFICATE)`);
  }
}

function readKeyText(field: SignerFields, src: SignerSource): { text: string; where: string } {
  if (Boolean(src.keyFile) === Boolean(src.keyEnv))
    throw new SigningError(
      `give exactly one of ${field.keyFile} (a PEM key file) or ${field.keyEnv} (the name of an environment variable holding the PEM key)`,
    );
  if (src.keyEnv) {
    const text = process.env[src.keyEnv];
    if (!text)
      throw new SigningError(
        `${field.keyEnv}: environment variable ${src.keyEnv} is not set: export the PEM private key in it (e.g. from the CI secret store)`,
      );
    return { text, where: `environment variable ${src.keyEnv}` };
  }
  try {
    return { text: fs.readFileSync(src.keyFile!, "utf8"), where: `${field.keyFile} ${src.keyFile}` };
  } catch (e) {
    throw new SigningError(
      `${field.keyFile} ${src.keyFile} cannot be read (${errno(e)}): give the PEM private key file`,
    );
  }
}

function decryptKey(field: SignerFields, src: SignerSource, text: string, where: string): KeyObject {
  const passphrase = src.passphraseEnv ? process.env[src.passphraseEnv] : undefined;
  if (src.passphraseEnv && passphrase === undefined)
    throw new SigningError(
      `${field.passphraseEnv}: environment variable ${src.passphraseEnv} is not set: export the key's passphrase in it`,
    );
  try {
    return createPrivateKey({
      key: text,
      format: "pem",
      ...(passphrase !== undefined ? { passphrase } : {}),
    });
  } catch (e) {
    // OpenSSL asks for a passphrase it was not given ("interrupted or cancelled"), or the
    // passphrase does not decrypt the key ("bad decrypt").
    const msg = `${(e as NodeJS.ErrnoException).code} ${(e as Error).message}`;
    if (passphrase === undefined && /INTERRUPTED_OR_CANCELLED|passphrase/i.test(msg))
      throw new SigningError(
        `${where} is encrypted: set ${field.passphraseEnv} to the name of an environment variable holding its passphrase`,
      );
    if (passphrase !== undefined && /BAD_DECRYPT|bad decrypt/i.test(msg))
      throw new SigningError(
        `${where} could not be decrypted with the passphrase in ${src.passphraseEnv}: check the passphrase`,
      );
    throw new SigningError(`${where} is not a PEM private key`);
  }
}

/**
 * Reads and checks the signer: the certificate parses, the key decrypts, the key is RSA (UEFI
 * Secure Boot verifies RSA-2048 Authenticode signatures, and RSA PKCS#1 v1.5 signatures are
 * deterministic, so the same input gives the same signed bytes), and the key matches the
 * certificate. Errors name the config block (e.g. "ipxe.secureBoot") or the CLI's flags.
 */
export function loadSigner(src: SignerSource, fieldOrNames: string | SignerFields): Signer {
  const field = signerFields(fieldOrNames);
  const { pem, cert } = readCert(field, src.certFile);
  const { text, where } = readKeyText(field, src);
  const key = decryptKey(field, src, text, where);
  if (key.asymmetricKeyType !== "rsa")
    throw new SigningError(
      `${where} is a ${key.asymmetricKeyType} key: use an RSA key (UEFI Secure Boot verifies RSA, and RSA signatures are reproducible)`,
    );
  if (!cert.checkPrivateKey(key))
    throw new SigningError(
      `${where} does not belong to ${field.certFile} ${src.certFile} (${cert.subject.replace(/\n/g, ", ")}): give the key that certificate was issued for`,
    );
  return {
    certFile: src.certFile,
    certPem: pem,
    certSha256: createHash("sha256").update(cert.raw).digest("hex"),
    subject: cert.subject.replace(/\n/g, ", "),
    keyPem: Buffer.from(key.export({ type: "pkcs8", format: "pem" })),
  };
}
