// The organisation's code-signing CA built into a compiled iPXE, so `imgverify` can check
// detached CMS signatures (../sign/cms.ts) against it. iPXE keeps one list of trusted roots
// (TRUST=) for TLS and for signatures alike, so the CA joins the origin's roots; CERT= carries
// the certificates themselves (FACTS: TRUST= alone is not enough for a private CA).
import { BuildMode } from "./binaries";
import { ImageBuildError } from "./errors";

/** `trust` plus the code-signing CAs; refuses prebuilt mode, which cannot take either. */
export function withCodeSigningTrust(
  mode: BuildMode,
  trust: string[] | undefined,
  codeSigningTrust: string[] | undefined,
): string[] | undefined {
  if (!codeSigningTrust?.length) return trust;
  if (mode !== "compile")
    throw new ImageBuildError(
      "ipxe.codeSigningTrust needs mode compile: a CA is built into iPXE at compile time (TRUST=/CERT=), and Debian's prebuilt iPXE has no imgverify or imgtrust, so it cannot verify signatures",
    );
  return [...(trust ?? []), ...codeSigningTrust.filter((f) => !trust?.includes(f))];
}
