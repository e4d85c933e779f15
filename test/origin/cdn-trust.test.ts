// The CAs of the deployment's CDN (CloudFront with ACM certificates): Amazon's roots, as Debian's
// ca-certificates installs them; the default trust of compiled images on an https origin.
import * as fs from "node:fs";
import * as path from "node:path";
import { AMAZON_ROOTS, cdnTrustFiles } from "../../origin/cdn-trust";

test("Amazon Root CA 1-4 from ca-certificates, present on this machine (scripts/setup.sh installs them)", () => {
  expect(AMAZON_ROOTS.map((f) => path.basename(f))).toEqual([
    "Amazon_Root_CA_1.crt",
    "Amazon_Root_CA_2.crt",
    "Amazon_Root_CA_3.crt",
    "Amazon_Root_CA_4.crt",
  ]);
  expect(cdnTrustFiles()).toEqual(AMAZON_ROOTS);
  for (const f of AMAZON_ROOTS) expect(fs.readFileSync(f, "utf8")).toContain("-----BEGIN CERTIFICATE-----");
});

test("missing roots: a config error naming ipxe.trust and the fix", () => {
  expect(() => cdnTrustFiles(["/nonexistent/Amazon_Root_CA_1.crt"])).toThrow(
    /ipxe\.trust: is unset, and the default CloudFront roots are missing .*install Debian's ca-certificates package or list CA files/,
  );
});
