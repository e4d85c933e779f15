// A throwaway code-signing PKI for the signing tests: the organisation's CA and a code-signing
// certificate it issued (keyUsage digitalSignature, extendedKeyUsage codeSigning, as iPXE's
// imgverify requires: https://ipxe.org/err/022ae1), and the same pair from another CA.
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

export async function makeCodeSigningPki(dir: string): Promise<CodeSigningPki> {
  const ca = await makeCa(dir, "org-ca", "boot-stack test code-signing CA");
  const otherCa = await makeCa(dir, "other-ca", "some other CA");
  return {
    ca,
    signer: await issueLeaf(dir, ca, "org-signer", "boot-stack test signer", CODE_SIGNING_EXTENSIONS),
    other: {
      ca: otherCa,
      signer: await issueLeaf(
        dir,
        otherCa,
        "other-signer",
        "boot-stack test signer",
        CODE_SIGNING_EXTENSIONS,
      ),
    },
  };
}
