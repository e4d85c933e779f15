// Detached CMS signatures for iPXE's imgverify (https://ipxe.org/crypto, https://ipxe.org/cmd/imgverify):
// `openssl cms -sign -binary -noattr -outform DER`, the form ipxe.org documents. -noattr leaves
// out the signed attributes (signingTime among them), and RSA PKCS#1 v1.5 is deterministic, so
// the same bytes and key give the same signature: a re-render uploads nothing new.
// The signer's certificate must carry keyUsage digitalSignature and extendedKeyUsage codeSigning
// (iPXE refuses others: https://ipxe.org/err/022ae1, https://ipxe.org/err/022ae2).
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lastLine, run } from "../build/tools";
import { SigningError } from "./errors";
import { loadSigner, Signer, SignerFields, signerFields, SignerSource } from "./signer";

const CODE_SIGNING_EKU = "1.3.6.1.5.5.7.3.3";

/** loadSigner, and the certificate must allow code signing (imgverify refuses it otherwise). */
export function loadCodeSigner(src: SignerSource, fieldOrNames: string | SignerFields): Signer {
  const signer = loadSigner(src, fieldOrNames);
  checkCodeSigningUsage(new X509Certificate(signer.certPem), src.certFile, fieldOrNames);
  return signer;
}

/** The certificate allows code signing; no key needed (what a preview can check). */
export function checkCodeSigningUsage(
  cert: X509Certificate,
  certFile: string,
  fieldOrNames: string | SignerFields,
): void {
  if (!(cert.keyUsage ?? []).includes(CODE_SIGNING_EKU))
    throw new SigningError(
      `${signerFields(fieldOrNames).certFile} ${certFile} (${cert.subject.replace(/\n/g, ", ")}) has no extendedKeyUsage codeSigning, so iPXE's imgverify would refuse its signatures (https://ipxe.org/err/022ae2): issue a code-signing certificate (keyUsage digitalSignature, extendedKeyUsage codeSigning)`,
    );
}

export interface CmsOptions {
  /** PEM file of intermediate CA certificates to carry in the signature (-certfile). */
  chainFile?: string;
}

/** A detached DER signature of `data` by `signer`. */
export async function signDetached(data: Buffer, signer: Signer, opts: CmsOptions = {}): Promise<Buffer> {
  const args = [
    "cms",
    "-sign",
    "-binary",
    "-noattr",
    "-md",
    "sha256",
    "-outform",
    "DER",
    "-signer",
    signer.certFile,
    "-inkey",
    "/dev/fd/3",
    ...(opts.chainFile ? ["-certfile", opts.chainFile] : []),
  ];
  const r = await run("openssl", args, {
    input: data,
    secretFd3: signer.keyPem,
    wholeStdout: true,
    timeoutMs: 60_000,
  });
  if (r.code !== 0 || r.stdout.length === 0)
    throw new SigningError(`openssl cms -sign failed (exit ${r.code}): ${lastLine(r.stderr)}`);
  return r.stdout;
}

/**
 * Signs many objects, a few openssl processes at a time (one per core): for a fleet's scripts
 * and artefacts at upload time. Results are in the order given.
 */
export async function signDetachedAll(
  items: Buffer[],
  signer: Signer,
  opts: CmsOptions & { concurrency?: number } = {},
): Promise<Buffer[]> {
  const out: Buffer[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await signDetached(items[i], signer, opts);
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? os.cpus().length, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

/**
 * Whether `sig` is a valid detached signature of `data` by a certificate under one of the CAs
 * (PEM files), as iPXE's imgverify would judge it (any purpose: iPXE checks codeSigning itself).
 */
export async function verifyDetached(data: Buffer, sig: Buffer, caFiles: string[]): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-verify-"));
  try {
    const file = (name: string, bytes: Buffer | string) => {
      fs.writeFileSync(path.join(dir, name), bytes);
      return path.join(dir, name);
    };
    const cas = file("ca.pem", caFiles.map((f) => fs.readFileSync(f, "utf8")).join("\n"));
    const r = await run("openssl", [
      ...["cms", "-verify", "-binary", "-inform", "DER", "-in", file("sig", sig)],
      ...["-content", file("data", data), "-CAfile", cas, "-purpose", "any", "-out", "/dev/null"],
    ]);
    return r.code === 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
