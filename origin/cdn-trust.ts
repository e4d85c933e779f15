// Which CAs a compiled iPXE must trust to reach this deployment's origin over HTTPS. The origin is
// CloudFront with an ACM certificate, which chains to Amazon's roots; trusting exactly those means
// a machine needs no cross-signing fetch from ca.ipxe.org at boot and trusts nothing else.
// The builder takes trust files and knows nothing of CloudFront: the CLI and the Pulumi component
// hand these over as the default for `ipxe.trust` (ipxe/build/stack-options.ts).
import * as fs from "node:fs";
import { ConfigError } from "../config/errors";

/** Amazon Root CA 1-4 as Debian's ca-certificates package installs them. */
export const AMAZON_ROOTS = [1, 2, 3, 4].map(
  (n) => `/usr/share/ca-certificates/mozilla/Amazon_Root_CA_${n}.crt`,
);

/** The CA files of CloudFront's certificates; a clear error when this machine lacks them. */
export function cdnTrustFiles(roots: string[] = AMAZON_ROOTS): string[] {
  const missing = roots.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new ConfigError("boot-stack:ipxe", [
      {
        path: "ipxe.trust",
        message: `is unset, and the default CloudFront roots are missing (${missing.join(", ")}); install Debian's ca-certificates package or list CA files`,
      },
    ]);
  }
  return roots;
}
