// Signs what the origin serves (ipxe.codeSigning), at run time: the key is read now from keyFile
// or keyEnv (ipxe/sign/signer.ts), its certificate is checked against the CA the images trust,
// and only the signatures (public) go on, to the layout, Pulumi inputs and state. Signatures are
// deterministic (ipxe/sign/cms.ts), so they are cached by certificate and content hash: an
// unchanged stack runs no openssl and uploads nothing new.
import { createHash, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfig } from "../config/schema";
import { UserError } from "../errors/user-error";
import { cacheDir } from "../ipxe/build/cache";
import { checkCodeSigningUsage, loadCodeSigner, signDetachedAll } from "../ipxe/sign/cms";
import { SigningError } from "../ipxe/sign/errors";
import { Signer } from "../ipxe/sign/signer";
import { OriginRef } from "../ipxe/render/origin-ref";
import { OriginObject, originLayout } from "./layout";
import { needsSignature, Signatures } from "./signatures";

const FIELD = "ipxe.codeSigning";

/** A problem with ipxe.codeSigning's key, certificate or CA: one line naming the field (exit 3). */
export class CodeSigningConfigError extends UserError {
  constructor(message: string) {
    super(message, "CONFIG");
  }
}

export type CodeSigningConfig = NonNullable<StackConfig["ipxe"]["codeSigning"]>;

export interface SignOriginOptions {
  /** Base of relative paths in the config (certFile, keyFile, trust): the project folder. */
  projectDir: string;
  /** The verified local file of an artefact (origin/artifacts.ts resolveArtifacts). */
  artifactFile: (name: string, object: OriginObject) => string | Promise<string>;
  /** Where signatures are cached. @default <cacheDir>/signatures */
  cache?: string;
}

/**
 * The signer of ipxe.codeSigning, checked: key and certificate match, the certificate may sign
 * code and was issued by a CA in `trust` (else iPXE would refuse every signature at boot).
 */
export function loadOriginSigner(cs: CodeSigningConfig, projectDir: string): Signer {
  return asConfigError(() => {
    const abs = (f: string) => path.resolve(projectDir, f);
    const signer = loadCodeSigner(
      {
        certFile: abs(cs.certFile),
        keyFile: cs.keyFile === undefined ? undefined : abs(cs.keyFile),
        keyEnv: cs.keyEnv,
        passphraseEnv: cs.passphraseEnv,
      },
      FIELD,
    );
    checkIssuedByTrust(cs, new X509Certificate(signer.certPem), signer.subject, abs);
    return signer;
  });
}

/**
 * The public half of loadOriginSigner, with no key: the certificate may sign code and was issued
 * by a CA in `trust`. What `pulumi preview` checks; returns the certificate's fingerprint.
 */
export function checkCodeSigningCert(cs: CodeSigningConfig, projectDir: string): { certSha256: string } {
  return asConfigError(() => {
    const abs = (f: string) => path.resolve(projectDir, f);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(fs.readFileSync(abs(cs.certFile)));
    } catch (e) {
      throw new SigningError(
        `${FIELD}.certFile ${cs.certFile} is not a readable PEM certificate (${(e as NodeJS.ErrnoException).code ?? "not PEM"}): give the code-signing certificate`,
      );
    }
    checkCodeSigningUsage(cert, cs.certFile, FIELD);
    checkIssuedByTrust(cs, cert, cert.subject.replace(/\n/g, ", "), abs);
    return { certSha256: createHash("sha256").update(cert.raw).digest("hex") };
  });
}

function asConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SigningError) throw new CodeSigningConfigError(e.message);
    throw e;
  }
}

function checkIssuedByTrust(
  cs: CodeSigningConfig,
  leaf: X509Certificate,
  subject: string,
  abs: (f: string) => string,
): void {
  const issued = cs.trust.some((file, i) => {
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(fs.readFileSync(abs(file)));
    } catch (e) {
      throw new SigningError(
        `${FIELD}.trust[${i}] ${file} is not a readable PEM certificate (${(e as NodeJS.ErrnoException).code ?? "not PEM"}): give the code-signing CA the images trust`,
      );
    }
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  });
  if (!issued)
    throw new SigningError(
      `${FIELD}.certFile ${cs.certFile} (${subject}) was not issued by a CA in ${FIELD}.trust (${cs.trust.join(", ")}): iPXE would refuse its signatures; issue it from that CA, or add its CA to trust (a new image)`,
    );
}

/** Bytes to sign, named by their sha256 (the cache key) and read only when not cached. */
export interface ToSign {
  sha256: string;
  bytes: () => Buffer | Promise<Buffer>;
}

/**
 * The one signing function of the local origin (signOrigin) and of the Pulumi program's signature
 * command (signature-command.ts): detached signatures, cached by certificate and content hash
 * (signatures are deterministic, so the cache is exact), in the order given.
 */
export async function signCached(signer: Signer, items: ToSign[], cache?: string): Promise<Buffer[]> {
  const dir = path.join(cache ?? path.join(cacheDir(), "signatures"), signer.certSha256);
  const cached = (sha: string) => path.join(dir, `${sha}.sig`);
  const out: Buffer[] = items.map((o) =>
    fs.existsSync(cached(o.sha256)) ? fs.readFileSync(cached(o.sha256)) : Buffer.alloc(0),
  );
  const missing = items.map((o, i) => ({ o, i })).filter(({ i }) => out[i].length === 0);
  const bytes = await Promise.all(missing.map(({ o }) => o.bytes()));
  const made = await signDetachedAll(bytes, signer);
  fs.mkdirSync(dir, { recursive: true });
  missing.forEach(({ o, i }, j) => {
    out[i] = made[j];
    // Written whole under a temporary name: a reader never sees half a signature.
    const tmp = `${cached(o.sha256)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, made[j]);
    fs.renameSync(tmp, cached(o.sha256));
  });
  return out;
}

/** Signatures for every object iPXE fetches, or undefined when the stack does not sign. */
export async function signOrigin(
  config: StackConfig,
  origin: OriginRef,
  opts: SignOriginOptions,
): Promise<Signatures | undefined> {
  const cs = config.ipxe.codeSigning;
  if (!cs) return undefined;
  const signer = loadOriginSigner(cs, opts.projectDir);
  const objects = originLayout(config, origin).filter(needsSignature);
  const made = await signCached(
    signer,
    objects.map((o) => ({
      sha256: o.sha256,
      bytes: async () =>
        o.content.kind === "artifact"
          ? fs.promises.readFile(await opts.artifactFile(o.content.name, o))
          : Buffer.from(o.content.kind === "inline" ? o.content.text : o.content.data),
    })),
    opts.cache,
  );
  return Object.fromEntries(objects.map((o, i) => [o.key, made[i]]));
}
