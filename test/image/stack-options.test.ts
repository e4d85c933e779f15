// The one "stack config → image options" adapter (used by `boot-stack iso` and the Pulumi
// component): relative paths from the project folder, HTTPS required when the stage-1 chains over
// https, and which CAs a compiled image trusts.
import { IpxeConfig } from "../../config/schema";
import { imageOptionsFor } from "../../ipxe/build";
import { AMAZON_ROOTS, cdnTrustFiles } from "../../origin/cdn-trust";

const ipxe = (extra: Partial<IpxeConfig> = {}): IpxeConfig => ({
  mode: "compile",
  platforms: ["bios", "uefi"],
  embed: true,
  ...extra,
});
const https = { transport: "https" as const };
const deployment = (defaultTrust?: () => string[]) => ({
  projectDir: "/proj",
  baseUrl: "https://boot.example.com",
  defaultTrust,
});

test("the stack's ipxe section becomes the builder's options; relative paths from the project folder", () => {
  const o = imageOptionsFor(
    {
      ipxe: ipxe({ mode: "prebuilt", prebuiltDir: "bin", sourceDir: "/abs/src", ref: "1".repeat(40) }),
      origin: https,
    },
    "ams1",
    "#!ipxe\n",
    deployment(),
  );
  expect(o).toEqual({
    site: "ams1",
    stage1: "#!ipxe\n",
    mode: "prebuilt",
    platforms: ["bios", "uefi"],
    prebuiltDir: "/proj/bin",
    sourceDir: "/abs/src",
    ref: "1".repeat(40),
    embed: true,
    requireHttps: true,
  });
});

test("HTTPS is required exactly when the stage-1 chains over https (e.g. the CLI's --base-url http://…)", () => {
  const at = (baseUrl: string) =>
    imageOptionsFor({ ipxe: ipxe(), origin: https }, "s", "#!ipxe\n", { projectDir: "/p", baseUrl })
      .requireHttps;
  expect([at("https://boot.example.com"), at("http://10.0.2.100")]).toEqual([true, false]);
});

test("compile mode trust: configured files from the project; unset on https: the deployment's; []: iPXE's own; http: none", () => {
  const trust = (config: Partial<IpxeConfig>, transport: "https" | "http" = "https") =>
    imageOptionsFor({ ipxe: ipxe(config), origin: { transport } }, "s", "#!ipxe\n", deployment(cdnTrustFiles))
      .trust;
  expect(trust({ trust: ["certs/ca.pem", "/abs/other.pem"] })).toEqual([
    "/proj/certs/ca.pem",
    "/abs/other.pem",
  ]);
  expect(trust({})).toEqual(AMAZON_ROOTS);
  expect(trust({ trust: [] })).toBeUndefined();
  expect(trust({}, "http")).toBeUndefined();
});

test("prebuilt mode trusts what its binaries trust: the deployment's CAs are not even looked up", () => {
  const lookup = jest.fn(() => AMAZON_ROOTS);
  const o = imageOptionsFor(
    { ipxe: ipxe({ mode: "prebuilt" }), origin: https },
    "s",
    "#!ipxe\n",
    deployment(lookup),
  );
  expect(o.trust).toBeUndefined();
  expect(lookup).not.toHaveBeenCalled();
});

test("ipxe.secureBoot and ipxe.codeSigning reach the builder as paths and variable names, files from the project", () => {
  const o = imageOptionsFor(
    {
      ipxe: ipxe({
        secureBoot: { certFile: "keys/db.pem", keyFile: "/secure/db.key", passphraseEnv: "DB_PASS" },
        codeSigning: { trust: ["keys/ca.pem"], certFile: "keys/cs.pem", keyEnv: "CS_KEY" },
      }),
      origin: { transport: "http" },
    },
    "s",
    "#!ipxe\n",
    deployment(),
  );
  expect(o.secureBoot).toEqual({
    certFile: "/proj/keys/db.pem",
    keyFile: "/secure/db.key",
    passphraseEnv: "DB_PASS",
  });
  // The image trusts the CA only; the leaf and its key are the upload's business.
  expect(o.codeSigningTrust).toEqual(["/proj/keys/ca.pem"]);
  const env = imageOptionsFor(
    { ipxe: ipxe({ secureBoot: { certFile: "db.pem", keyEnv: "DB_KEY" } }), origin: https },
    "s",
    "#!ipxe\n",
    deployment(cdnTrustFiles),
  );
  expect(env.secureBoot).toEqual({ certFile: "/proj/db.pem", keyEnv: "DB_KEY" });
  expect(env.codeSigningTrust).toBeUndefined();
});
