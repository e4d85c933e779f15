// Signatures by command under the engine model (engine.ts): a program of the real pieces — config
// validation, the up-only key check of index.ts, the origin layout, siteContent with its signature
// commands (components/object-signatures.ts) — run as pulumi runs it, state kept between runs, the
// signature commands really run (origin/signature-command.ts) against a local S3 API (s3rver).
// Images are left out: with codeSigning they are compiled, which fresh runners would redo each time.
//  1. up with the key: one command per site, one for the shared scripts, one per artefact; every
//     `.sig` in the bucket verifies with openssl against the org CA and not against another CA,
//     and each script is uploaded after its signature;
//  2. preview on a fresh runner with NO key: succeeds, no change;
//  3. one menu change, preview with no key: that stage-2, its site's command, the manifest; nothing runs;
//  4. up without the key: one line naming the field, before any resource;
//  5. up with the key: exactly that site's command runs; its new `.sig` verifies;
//  6. up after removing a site: its scripts and its `.sig` objects are gone;
// and neither the state nor the commands' inputs and outputs hold key material.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { parse, stringify } from "yaml";
import { makeCodeSigningPki } from "../../local/code-signing-pki";
import { run as runTool } from "../../ipxe/build/tools";
import { startLocalS3, LocalS3 } from "../support/local-s3";
import { diffOf, pulumiRun, REPO } from "./workspace";

jest.setTimeout(300_000);

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const COMMAND = "command:local:Command";
const KEY_ENV = "BOOT_STACK_ENGINE_SIGNING_KEY";
const BUCKET = "content-bucket";
const object = (key: string) => `${OBJECT}::content-${key}`;
const signCommand = (group: string) => `${COMMAND}::content-sign-${group}`;
const mod = (p: string) => JSON.stringify(path.join(REPO, p));

// index.ts's signing path, with fixed artefact files and bucket instead of the Origin and images.
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { validateStackConfig } from ${mod("config/validate")};
import { originRefFor } from ${mod("ipxe/render/origin-ref")};
import { originLayout } from ${mod("origin/layout")};
import { loadOriginSigner } from ${mod("origin/sign-origin")};
import { objectSigningFor, siteContent } from ${mod("components/boot-stack")};
export = async () => {
  const cfg = new pulumi.Config("boot-stack");
  const config = validateStackConfig({
    origin: cfg.getObject("origin"), artifacts: cfg.getObject("artifacts"),
    ipxe: cfg.getObject("ipxe"), sites: cfg.getObject("sites"),
  });
  if (config.ipxe.codeSigning && !pulumi.runtime.isDryRun()) loadOriginSigner(config.ipxe.codeSigning, process.cwd());
  const artifactPaths = { kernel: "artifacts/vmlinuz", initrd: "artifacts/initrd.img" };
  const signing = objectSigningFor(config, { projectDir: process.cwd(), region: "eu-west-1" });
  siteContent(originLayout(config, originRefFor(config.origin)), ${JSON.stringify(BUCKET)}, {
    artifactPaths, projectDir: process.cwd(), signing,
  });
};
`;

let root: string;
let s3: LocalS3;
let keyPem: string;
let pki: Awaited<ReturnType<typeof makeCodeSigningPki>>;
let stackYaml: any;

/** A fresh checkout of the program on a runner: its own folder (the command runs there). */
function writeProject(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "artifacts"), { recursive: true });
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.writeFileSync(path.join(dir, "Pulumi.sig.yaml"), stringify(stackYaml));
  for (const f of ["vmlinuz", "initrd.img"])
    fs.copyFileSync(path.join(REPO, "test/engine/fixture/artifacts", f), path.join(dir, "artifacts", f));
  // The signature command is the clone's own (SIGNATURE_COMMAND runs origin/… in the program's folder).
  fs.symlinkSync(path.join(REPO, "origin"), path.join(dir, "origin"));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

const run = (dir: string, mode: "preview" | "up", cache: string, withKey: boolean) =>
  pulumiRun(dir, mode, {
    stack: "sig",
    stateFile: path.join(root, "state.json"),
    env: { ...s3.env, [KEY_ENV]: withKey ? keyPem : undefined, BOOT_STACK_CACHE: path.join(root, cache) },
  });

async function verifies(data: Buffer, sig: Buffer, ca: string): Promise<boolean> {
  fs.writeFileSync(path.join(root, "v.data"), data);
  fs.writeFileSync(path.join(root, "v.sig"), sig);
  const r = await runTool("openssl", [
    ...["cms", "-verify", "-binary", "-inform", "DER", "-in", path.join(root, "v.sig")],
    ...["-content", path.join(root, "v.data"), "-CAfile", ca, "-purpose", "any", "-out", "/dev/null"],
  ]);
  return r.code === 0;
}

/**
 * Every `.sig` in the bucket verifies its object under the org CA and not under the other CA. The
 * objects: artefacts as the bucket holds them, scripts as the state's bucket objects hold them
 * (the engine model simulates the AWS provider, so scripts are not in s3rver).
 */
async function checkBucketSignatures(): Promise<string[]> {
  const state = JSON.parse(fs.readFileSync(path.join(root, "state.json"), "utf8"));
  const all = await s3.keys(BUCKET);
  const sigs = all.filter((k) => k.endsWith(".sig"));
  for (const sig of sigs) {
    const signed = sig.slice(0, -".sig".length);
    const script = state.resources.find(
      (r: any) => r.type === OBJECT && r.inputs.key === signed && typeof r.inputs.content === "string",
    );
    const data = script ? Buffer.from(script.inputs.content) : await s3.get(BUCKET, signed);
    const der = await s3.get(BUCKET, sig);
    expect(await verifies(data, der, pki.ca.cert)).toBe(true);
    expect(await verifies(data, der, pki.other.ca.cert)).toBe(false);
  }
  return sigs;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-engine-sig-"));
  s3 = await startLocalS3([BUCKET]);
  pki = await makeCodeSigningPki(path.join(root, "pki"));
  keyPem = fs.readFileSync(pki.signer.key, "utf8");
  const day2 = parse(fs.readFileSync(path.join(__dirname, "fixture", "Pulumi.day2.yaml"), "utf8"));
  const config = day2.config;
  config["boot-stack:ipxe"] = {
    mode: "compile",
    platforms: ["bios"],
    codeSigning: { trust: [pki.ca.cert], certFile: pki.signer.cert, keyEnv: KEY_ENV },
  };
  for (const a of Object.values(config["boot-stack:artifacts"]) as { source: string }[])
    a.source = `artifacts/${path.basename(a.source)}`;
  stackYaml = { config };
  // What the artefacts' bucket objects upload (the engine model simulates the AWS provider; the
  // signature commands read the artefacts from the bucket).
  for (const [name, a] of Object.entries(config["boot-stack:artifacts"]) as [string, any][])
    await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `artifacts/${a.sha256}/${name}`,
        Body: fs.readFileSync(path.join(REPO, "test/engine/fixture/artifacts", path.basename(a.source))),
      }),
    );
});
afterAll(async () => {
  await s3?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test("signatures by command: preview needs no key, up signs and uploads what changed, verified by openssl", async () => {
  const sites: any[] = stackYaml.config["boot-stack:sites"];
  const names = sites.map((s) => s.name);
  const first = await run(writeProject(path.join(root, "runner-a")), "up", "cache-a", true);
  expect(first.error).toBeUndefined();
  const commands = diffOf(first).create.filter((c) => c.startsWith(COMMAND));
  expect(commands).toEqual(
    [...names.map((n) => `sites/${n}`), "shared", "artifacts/kernel", "artifacts/initrd"]
      .map(signCommand)
      .sort(),
  );
  const sigs = await checkBucketSignatures();
  const signedObjects = diffOf(first).create.filter(
    (c) => c.startsWith(OBJECT) && !c.endsWith("manifest.json"),
  );
  expect(sigs).toHaveLength(signedObjects.length);
  expect(sigs).toContain(`sites/${names[0]}/stage2.ipxe.sig`);
  const head = await s3.head(BUCKET, `sites/${names[0]}/stage2.ipxe.sig`);
  expect(head.headers).toMatchObject({
    contentType: "application/pkcs7-signature",
    cacheControl: "public, max-age=30, must-revalidate",
  });
  expect(
    (await s3.head(BUCKET, `${sigs.find((k) => k.startsWith("artifacts/"))}`)).headers.cacheControl,
  ).toBe("public, max-age=31536000, immutable");
  // A script goes up only once its signature is there.
  const urn = (type: string, name: string) =>
    Object.keys(first.order).find((u) => u.endsWith(`${type}::${name}`))!;
  for (const n of names) {
    const cmd = first.order[urn(COMMAND, `content-sign-sites/${n}`)];
    const script = first.order[urn(OBJECT, `content-sites/${n}/stage2.ipxe`)];
    expect(script.started).toBeGreaterThan(cmd.finished);
  }

  // A fresh runner, no key in its environment, empty cache: nothing to do.
  const fresh = await run(writeProject(path.join(root, "runner-b")), "preview", "cache-b", false);
  expect(fresh.error).toBeUndefined();
  const d = diffOf(fresh);
  expect([d.create, d.update, d.replace, d.delete]).toEqual([[], [], [], []]);

  sites[0].menu.entries[0].label = "Rescue (changed)";
  const changedKeys = [
    object("manifest.json"),
    object(`sites/${names[0]}/stage2.ipxe`),
    signCommand(`sites/${names[0]}`),
  ].sort();
  const preview = await run(writeProject(path.join(root, "runner-b")), "preview", "cache-b", false);
  expect(preview.error).toBeUndefined();
  expect(diffOf(preview)).toMatchObject({ create: [], update: changedKeys, replace: [], delete: [] });
  expect(preview.commands).toEqual([]);

  const noKey = await run(writeProject(path.join(root, "runner-b")), "up", "cache-b", false);
  expect(noKey.error).toMatch(
    new RegExp(`^ipxe\\.codeSigning\\.keyEnv: environment variable ${KEY_ENV} is not set`),
  );
  expect(noKey.error!.split("\n")).toHaveLength(1);
  // Nothing declared, nothing run (a failed run applies none of the deletes it lists).
  expect(noKey.steps.filter((st) => st.op !== "delete" && st.type !== "pulumi:pulumi:Stack")).toEqual([]);
  expect(noKey.commands).toEqual([]);

  const before = await s3.get(BUCKET, `sites/${names[0]}/stage2.ipxe.sig`);
  const up = await run(writeProject(path.join(root, "runner-b")), "up", "cache-b", true);
  expect(up.error).toBeUndefined();
  expect(diffOf(up)).toMatchObject({ create: [], update: changedKeys, replace: [], delete: [] });
  expect(up.commands).toEqual([{ name: `content-sign-sites/${names[0]}`, action: "update" }]);
  const after = await s3.get(BUCKET, `sites/${names[0]}/stage2.ipxe.sig`);
  expect(after.equals(before)).toBe(false);
  const state = JSON.parse(fs.readFileSync(path.join(root, "state.json"), "utf8"));
  const stage2 = state.resources.find((r: any) => r.name === `content-sites/${names[0]}/stage2.ipxe`);
  expect(await verifies(Buffer.from(stage2.inputs.content), after, pki.ca.cert)).toBe(true);

  // A site removed: its scripts, their signatures and its command go.
  const gone = names[names.length - 1];
  stackYaml.config["boot-stack:sites"] = sites.filter((s) => s.name !== gone);
  const removed = await run(writeProject(path.join(root, "runner-b")), "up", "cache-b", true);
  expect(removed.error).toBeUndefined();
  expect(diffOf(removed).delete).toContain(signCommand(`sites/${gone}`));
  expect(removed.commands).toContainEqual({ name: `content-sign-sites/${gone}`, action: "delete" });
  const left = await s3.keys(BUCKET);
  expect(left.filter((k) => k.startsWith(`sites/${gone}/`))).toEqual([]);
  expect(await checkBucketSignatures()).toHaveLength(sigs.length - 2);

  // No key material anywhere in the state: not in the commands' inputs (environment, stdin), not
  // in their outputs (stdout, stderr); the variable's name is there, its value is not.
  const text = fs.readFileSync(path.join(root, "state.json"), "utf8");
  for (const line of keyPem.split("\n").filter((l) => l.length > 20)) expect(text).not.toContain(line);
  expect(text).not.toContain("PRIVATE KEY");
  const cmds = state.resources.filter((r: any) => r.type === COMMAND);
  expect(cmds.length).toBeGreaterThan(0);
  for (const c of cmds) expect(JSON.parse(c.inputs.environment.BOOT_STACK_CODE_SIGNING).keyEnv).toBe(KEY_ENV);
  process.stdout.write(
    `engine signatures: first up ${first.seconds.toFixed(1)} s (${commands.length} signature commands), ` +
      `preview on a fresh runner without the key ${fresh.seconds.toFixed(1)} s, one menu change: preview ` +
      `${preview.seconds.toFixed(1)} s, up ${up.seconds.toFixed(1)} s; a site removed ${removed.seconds.toFixed(1)} s\n`,
  );
});
