// A throwaway code-signing PKI for the signing tests: the organisation's CA and a code-signing
// certificate it issued (keyUsage digitalSignature, extendedKeyUsage codeSigning, as iPXE's
// imgverify requires: https://ipxe.org/err/022ae1), and the same pair from another CA.
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir } from "../ipxe/build/cache";
import { issueLeaf, makeCa, TestCa, TestLeaf } from "./test-ca";

export interface CodeSigningPki {
  ca: TestCa;
  signer: TestLeaf;
  other: { ca: TestCa; signer: TestLeaf };
}

export const CODE_SIGNING_EXTENSIONS = [
  "basicConstraints=CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=codeSigning",
];

export async function makeCodeSigningPki(dir: string, days = 2): Promise<CodeSigningPki> {
  const ca = await makeCa(dir, "org-ca", "boot-stack test code-signing CA", days);
  const otherCa = await makeCa(dir, "other-ca", "some other CA", days);
  const leaf = (c: TestCa, name: string) =>
    issueLeaf(dir, c, name, "boot-stack test signer", CODE_SIGNING_EXTENSIONS, days);
  return {
    ca,
    signer: await leaf(ca, "org-signer"),
    other: { ca: otherCa, signer: await leaf(otherCa, "other-signer") },
  };
}

/**
 * The same, kept in the cache for a month: a compiled image that trusts the CA is then built once
 * (the CA is part of the build's cache key), not on every run. Made anew when under a day is left.
 */
export async function cachedCodeSigningPki(): Promise<CodeSigningPki> {
  const dir = path.join(cacheDir(), "test-pki", "code-signing");
  const f = (name: string) => path.join(dir, name);
  const pki: CodeSigningPki = {
    ca: { name: "org-ca", key: f("org-ca.key"), cert: f("org-ca.crt") },
    signer: { key: f("org-signer.key"), cert: f("org-signer.crt") },
    other: {
      ca: { name: "other-ca", key: f("other-ca.key"), cert: f("other-ca.crt") },
      signer: { key: f("other-signer.key"), cert: f("other-signer.crt") },
    },
  };
  const files = [pki.ca, pki.signer, pki.other.ca, pki.other.signer].flatMap((x) => [x.key, x.cert]);
  const fresh = () =>
    files.every((x) => fs.existsSync(x)) &&
    [pki.ca.cert, pki.signer.cert, pki.other.ca.cert, pki.other.signer.cert].every(
      (c) => new Date(new X509Certificate(fs.readFileSync(c)).validTo).getTime() > Date.now() + 86_400_000,
    );
  if (fresh()) return pki;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await makeCodeSigningPki(tmp, 30);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return pki;
}
