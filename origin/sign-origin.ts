// Signs what the origin serves (ipxe.codeSigning), at run time: the key is read now from keyFile
// or keyEnv (ipxe/sign/signer.ts), its certificate is checked against the CA the images trust,
// and only the signatures (public) go on, to the layout, Pulumi inputs and state. Signatures are
// deterministic (ipxe/sign/cms.ts), so they are cached by certificate and content hash: an
// unchanged stack runs no openssl and uploads nothing new.
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfig } from "../config/schema";
import { UserError } from "../errors/user-error";
import { cacheDir } from "../ipxe/build/cache";
import { loadCodeSigner, signDetachedAll } from "../ipxe/sign/cms";
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

type CodeSigningConfig = NonNullable<StackConfig["ipxe"]["codeSigning"]>;

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
  try {
    return checkedSigner(cs, projectDir);
  } catch (e) {
    if (e instanceof SigningError) throw new CodeSigningConfigError(e.message);
    throw e;
  }
}

function checkedSigner(cs: CodeSigningConfig, projectDir: string): Signer {
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
  const leaf = new X509Certificate(signer.certPem);
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
      `${FIELD}.certFile ${cs.certFile} (${signer.subject}) was not issued by a CA in ${FIELD}.trust (${cs.trust.join(", ")}): iPXE would refuse its signatures; issue it from that CA, or add its CA to trust (a new image)`,
    );
  return signer;
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
  const dir = path.join(opts.cache ?? path.join(cacheDir(), "signatures"), signer.certSha256);
  const cached = (o: OriginObject) => path.join(dir, `${o.sha256}.sig`);
  const signatures: Signatures = {};
  const missing: OriginObject[] = [];
  for (const o of originLayout(config, origin).filter(needsSignature)) {
    if (fs.existsSync(cached(o))) signatures[o.key] = fs.readFileSync(cached(o));
    else missing.push(o);
  }
  const bytes = await Promise.all(
    missing.map(async (o) =>
      o.content.kind === "artifact"
        ? fs.promises.readFile(await opts.artifactFile(o.content.name, o))
        : Buffer.from(o.content.kind === "inline" ? o.content.text : o.content.data),
    ),
  );
  const made = await signDetachedAll(bytes, signer);
  fs.mkdirSync(dir, { recursive: true });
  missing.forEach((o, i) => {
    signatures[o.key] = made[i];
    // Written whole under a temporary name: a reader never sees half a signature.
    const tmp = `${cached(o)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, made[i]);
    fs.renameSync(tmp, cached(o));
  });
  return signatures;
}
