// The signatures' uploads under mocks (ipxe.codeSigning): each signed object's `<key>.sig` is a
// bucket object with the object's cache policy, the DER bytes as base64, the signatures' content
// type, after the artefacts like the scripts; no key material in any input. A stack that signs
// but was handed no signatures is refused before any resource is declared.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as SiteContentModule from "../../components/site-content";
import type * as BootStackModule from "../../components/boot-stack";
import { StackConfig } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { CACHE_CONTROL, CONTENT_TYPE, keys } from "../../origin/keys";
import { originLayout } from "../../origin/layout";
import { needsSignature, Signatures } from "../../origin/signatures";
import { PROD_FILE } from "../support/prod-config";
import { byType, Harness, installMocks, tempArtifacts } from "./harness";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const prodFile = loadStackFile(PROD_FILE);
const temp = tempArtifacts(Object.keys(prodFile.artifacts));
const config: StackConfig = {
  ...prodFile,
  artifacts: Object.fromEntries(
    Object.entries(prodFile.artifacts).map(([n, a]) => [n, { ...a, sha256: temp.artifacts[n].sha256 }]),
  ),
  ipxe: {
    ...prodFile.ipxe,
    mode: "compile",
    codeSigning: { trust: ["ca.pem"], certFile: "cs.pem", keyEnv: "K" },
  },
};
const origin = { baseUrl: "https://boot.example.com" };
// Stand-in DER bytes: this test is about the upload; real signatures are test/origin/sign-origin.test.ts's.
const signatures: Signatures = Object.fromEntries(
  originLayout(config, origin)
    .filter(needsSignature)
    .map((o) => [o.key, Buffer.from(`sig of ${o.key}`)]),
);

let h: Harness;
let SiteContent: typeof SiteContentModule.SiteContent;
let bootStack: typeof BootStackModule.bootStack;
beforeAll(async () => {
  h = await installMocks();
  ({ SiteContent } = await import("../../components/site-content"));
  ({ bootStack } = await import("../../components/boot-stack"));
});
afterAll(() => fs.rmSync(temp.dir, { recursive: true, force: true }));

test("each signed object's <key>.sig is uploaded with its cache policy, after the artefacts", async () => {
  h.reset();
  new SiteContent("content", {
    bucket: "b",
    objects: originLayout(config, origin, signatures),
    artifactPaths: temp.paths,
    workDir: path.dirname(temp.dir),
  });
  await h.settle();
  const objects = byType(h.records, OBJECT);
  const byKey = Object.fromEntries(objects.map((r) => [r.inputs.key, r]));
  const sigs = objects.filter((o) => o.inputs.key.endsWith(".sig"));
  expect(sigs.map((o) => o.inputs.key).sort()).toEqual(Object.keys(signatures).map(keys.signature).sort());
  const stage2 = byKey["sites/ams1/stage2.ipxe.sig"];
  expect(stage2.inputs).toMatchObject({
    contentType: CONTENT_TYPE.signature,
    cacheControl: CACHE_CONTROL.script,
    contentBase64: signatures["sites/ams1/stage2.ipxe"].toString("base64"),
  });
  expect(stage2.inputs.content).toBeUndefined();
  const art = keys.artifact("debian12-linux", config.artifacts["debian12-linux"].sha256);
  expect(byKey[`${art}.sig`].inputs.cacheControl).toBe(CACHE_CONTROL.immutable);
  const artefactUrns = objects.filter((o) => o.inputs.source !== undefined).map((o) => o.urn);
  expect(stage2.dependencies).toEqual(expect.arrayContaining(artefactUrns));
  expect(JSON.stringify(objects.map((o) => o.inputs))).not.toMatch(/PRIVATE KEY/);
});

test("a signing stack without signatures is refused before any resource is declared", async () => {
  h.reset();
  expect(() => bootStack(config, { artifactPaths: temp.paths, region: "eu-west-1" })).toThrow(
    /ipxe\.codeSigning is set: pass the origin's signatures/,
  );
  await h.settle();
  expect(h.records).toEqual([]);
});
