// Which CA certificates a compiled iPXE trusts (TRUST=/CERT=). The origin is CloudFront with an
// ACM certificate, which chains to Amazon's roots; trusting exactly those means a machine needs
// no cross-signing fetch from ca.ipxe.org at boot and trusts nothing else.
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../../config/errors";
import { IpxeConfig, OriginConfig } from "../../config/schema";

/** Amazon Root CA 1-4 as Debian's ca-certificates package installs them. */
export const AMAZON_ROOTS = [1, 2, 3, 4].map(
  (n) => `/usr/share/ca-certificates/mozilla/Amazon_Root_CA_${n}.crt`,
);

/**
 * `ipxe.trust` resolved against the project; unset and an HTTPS origin: Amazon's roots.
 * An explicit empty list keeps iPXE's own default (its root plus ca.ipxe.org cross-signing).
 */
export function trustFiles(
  ipxe: IpxeConfig,
  origin: Pick<OriginConfig, "transport">,
  projectDir: string,
): string[] | undefined {
  if (ipxe.trust) return ipxe.trust.length ? ipxe.trust.map((t) => path.resolve(projectDir, t)) : undefined;
  if (origin.transport !== "https") return undefined;
  const missing = AMAZON_ROOTS.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new ConfigError("boot-stack:ipxe", [
      {
        path: "ipxe.trust",
        message: `is unset, and the default CloudFront roots are missing (${missing.join(", ")}); install Debian's ca-certificates package or list CA files`,
      },
    ]);
  }
  return AMAZON_ROOTS;
}
