// The signature commands under mocks (ipxe.codeSigning; components/object-signatures.ts): one
// Command per site, one for the shared scripts, one per artefact; their inputs are public digests,
// the codeSigning block as configured and the scripts' text — no key; no triggers (a replace would
// delete what it just uploaded); each script waits for its signature and the artefacts'; no `.sig`
// bucket objects. A certificate that cannot sign for the images stops bootStack before any resource.
// What the command does at up is test/engine/signatures.test.ts's.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as BootStackModule from "../../components/boot-stack";
import { StackConfig } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { makeCodeSigningPki, CodeSigningPki } from "../../local/code-signing-pki";
import { CACHE_CONTROL, keys } from "../../origin/keys";
import { originLayout } from "../../origin/layout";
import { SIGNATURE_COMMAND, SIGNATURE_COMMAND_VERSION } from "../../origin/signature-command-env";
import { PROD_FILE } from "../support/prod-config";
import { byType, Harness, installMocks, tempArtifacts } from "./harness";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const COMMAND = "command:local:Command";
const KEY_ENV = "BOOT_STACK_TEST_SIGNING_KEY";
const prodFile = loadStackFile(PROD_FILE);
const temp = tempArtifacts(Object.keys(prodFile.artifacts));
const origin = { baseUrl: "https://boot.example.com" };

let h: Harness;
let pki: CodeSigningPki;
let config: StackConfig;
let mod: typeof BootStackModule;
beforeAll(async () => {
  h = await installMocks();
  mod = await import("../../components/boot-stack");
  pki = await makeCodeSigningPki(path.join(temp.dir, "pki"));
  config = {
    ...prodFile,
    artifacts: Object.fromEntries(
      Object.entries(prodFile.artifacts).map(([n, a]) => [n, { ...a, sha256: temp.artifacts[n].sha256 }]),
    ),
    ipxe: {
      ...prodFile.ipxe,
      mode: "compile",
      codeSigning: { trust: [pki.ca.cert], certFile: pki.signer.cert, keyEnv: KEY_ENV },
    },
  };
});
afterAll(() => fs.rmSync(temp.dir, { recursive: true, force: true }));

test("one signature command per site, for the shared scripts and per artefact; public inputs only; scripts after their signatures", async () => {
  h.reset();
  const projectDir = path.dirname(temp.dir);
  const signing = mod.objectSigningFor(config, { projectDir, region: "eu-west-1" })!;
  const layout = originLayout(config, origin);
  mod.siteContent(layout, "b", { artifactPaths: temp.paths, projectDir, signing });
  await h.settle();
  const commands = byType(h.records, COMMAND);
  const byName = Object.fromEntries(commands.map((c) => [c.name.replace("content-sign-", ""), c]));
  expect(Object.keys(byName).sort()).toEqual(
    [
      ...config.sites.map((s) => `sites/${s.name}`),
      "shared",
      ...Object.keys(config.artifacts).map((a) => `artifacts/${a}`),
    ].sort(),
  );
  const ams1 = byName["sites/ams1"];
  const env = ams1.inputs.environment;
  const stage2 = layout.find((o) => o.key === keys.stage2("ams1"))!;
  expect(ams1.inputs).toMatchObject({ create: SIGNATURE_COMMAND, delete: `${SIGNATURE_COMMAND} delete` });
  expect(ams1.inputs.triggers).toBeUndefined();
  expect(env).toMatchObject({
    BOOT_STACK_SIGN_VERSION: SIGNATURE_COMMAND_VERSION,
    BOOT_STACK_SIGN_CERT_SHA256: signing.certSha256,
    BOOT_STACK_BUCKET: "b",
    BOOT_STACK_BUCKET_REGION: "eu-west-1",
  });
  expect(JSON.parse(env.BOOT_STACK_SIGN_OBJECTS)).toEqual([
    {
      key: keys.stage1("ams1"),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      cacheControl: CACHE_CONTROL.script,
      from: "stdin",
    },
    { key: keys.stage2("ams1"), sha256: stage2.sha256, cacheControl: CACHE_CONTROL.script, from: "stdin" },
  ]);
  expect(JSON.parse(env.BOOT_STACK_CODE_SIGNING)).toEqual(config.ipxe.codeSigning);
  expect(JSON.parse(ams1.inputs.stdin)[keys.stage2("ams1")]).toBe((stage2.content as any).text);
  // An artefact's signature is kept like the artefact, and made from the bytes the bucket holds.
  const kernel = byName["artifacts/debian12-linux"];
  expect(kernel.inputs.delete).toBeUndefined();
  expect(kernel.inputs.stdin).toBeUndefined();
  expect(JSON.parse(kernel.inputs.environment.BOOT_STACK_SIGN_OBJECTS)).toEqual([
    {
      key: keys.artifact("debian12-linux", config.artifacts["debian12-linux"].sha256),
      sha256: config.artifacts["debian12-linux"].sha256,
      cacheControl: CACHE_CONTROL.immutable,
      from: "bucket",
    },
  ]);
  const objects = byType(h.records, OBJECT);
  const byKey = Object.fromEntries(objects.map((r) => [r.inputs.key, r]));
  expect(kernel.dependencies).toContain(
    byKey[JSON.parse(kernel.inputs.environment.BOOT_STACK_SIGN_OBJECTS)[0].key].urn,
  );
  expect(objects.filter((o) => o.inputs.key.endsWith(".sig"))).toEqual([]);
  const artefactCommands = commands.filter((c) => c.name.includes("-sign-artifacts/")).map((c) => c.urn);
  expect(byKey[keys.stage2("ams1")].dependencies).toEqual(
    expect.arrayContaining([ams1.urn, ...artefactCommands]),
  );
  expect(byKey[keys.stage2("ams1")].dependencies).not.toContain(byName["sites/fra-lab"].urn);
  expect(byKey[keys.manifest].dependencies).toEqual(expect.arrayContaining(commands.map((c) => c.urn)));
  expect(JSON.stringify(h.records.map((r) => r.inputs))).not.toMatch(/PRIVATE KEY/);
});

test("a certificate under another CA stops bootStack before any resource, with no key needed", async () => {
  h.reset();
  const other: StackConfig = {
    ...config,
    ipxe: { ...config.ipxe, codeSigning: { ...config.ipxe.codeSigning!, certFile: pki.other.signer.cert } },
  };
  expect(() => mod.bootStack(other, { artifactPaths: temp.paths, region: "eu-west-1" })).toThrow(
    /^ipxe\.codeSigning\.certFile .* was not issued by a CA in ipxe\.codeSigning\.trust/,
  );
  await h.settle();
  expect(h.records).toEqual([]);
});
