// Which CAs a compiled image trusts, from the stack config.
import * as path from "node:path";
import { AMAZON_ROOTS, trustFiles } from "../../ipxe/build/trust";
import { IpxeConfig } from "../../config/schema";

const ipxe = (trust?: string[]): IpxeConfig => ({
  mode: "compile",
  platforms: ["bios", "uefi"],
  embed: true,
  ...(trust ? { trust } : {}),
});

test("unset trust on an HTTPS origin means Amazon's roots (CloudFront/ACM), from ca-certificates", () => {
  expect(trustFiles(ipxe(), { transport: "https" }, "/proj")).toEqual(AMAZON_ROOTS);
  expect(AMAZON_ROOTS.map((f) => path.basename(f))).toEqual([
    "Amazon_Root_CA_1.crt",
    "Amazon_Root_CA_2.crt",
    "Amazon_Root_CA_3.crt",
    "Amazon_Root_CA_4.crt",
  ]);
});

test("configured files resolve against the project; [] keeps iPXE's own trust; http needs none", () => {
  expect(trustFiles(ipxe(["certs/ca.pem", "/abs/other.pem"]), { transport: "https" }, "/proj")).toEqual([
    "/proj/certs/ca.pem",
    "/abs/other.pem",
  ]);
  expect(trustFiles(ipxe([]), { transport: "https" }, "/proj")).toBeUndefined();
  expect(trustFiles(ipxe(), { transport: "http" }, "/proj")).toBeUndefined();
});
