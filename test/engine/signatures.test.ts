// Signed uploads under the engine model (engine.ts): a program of the real pieces — config
// validation, signOrigin (the key from an environment variable), the origin layout, SiteContent —
// run as `pulumi up` runs it, state kept between runs. Images are left out: with codeSigning they
// are compiled, which the day-2 test's fresh runners would redo each time.
//  1. first up: every script and artefact uploaded with its `<key>.sig`;
//  2. up on a fresh runner (empty signature cache): nothing changes, signatures are deterministic;
//  3. up after one menu change: that stage-2, its signature and the manifest, nothing else;
// and the key is nowhere in the state.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { makeCodeSigningPki } from "../../local/code-signing-pki";
import { diffOf, pulumiRun, REPO } from "./workspace";

jest.setTimeout(300_000);

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const KEY_ENV = "BOOT_STACK_ENGINE_SIGNING_KEY";
const object = (key: string) => `${OBJECT}::content-${key}`;

const PROGRAM = `
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { validateStackConfig } from ${JSON.stringify(path.join(REPO, "config/validate"))};
import { originRefFor } from ${JSON.stringify(path.join(REPO, "ipxe/render/origin-ref"))};
import { originLayout } from ${JSON.stringify(path.join(REPO, "origin/layout"))};
import { signOrigin } from ${JSON.stringify(path.join(REPO, "origin/sign-origin"))};
import { SiteContent } from ${JSON.stringify(path.join(REPO, "components/site-content"))};
export = async () => {
  const cfg = new pulumi.Config("boot-stack");
  const config = validateStackConfig({
    origin: cfg.getObject("origin"), artifacts: cfg.getObject("artifacts"),
    ipxe: cfg.getObject("ipxe"), sites: cfg.getObject("sites"),
  });
  const artifactPaths = { kernel: "artifacts/vmlinuz", initrd: "artifacts/initrd.img" };
  const ref = originRefFor(config.origin);
  const signatures = await signOrigin(config, ref, {
    projectDir: process.cwd(),
    artifactFile: (name) => path.resolve((artifactPaths as Record<string, string>)[name]),
  });
  new SiteContent("content", { bucket: "b", objects: originLayout(config, ref, signatures), artifactPaths });
};
`;

let root: string;
let keyPem: string;
let stackYaml: any;

function writeProject(dir: string): string {
  fs.mkdirSync(path.join(dir, "artifacts"), { recursive: true });
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.writeFileSync(path.join(dir, "Pulumi.sig.yaml"), stringify(stackYaml));
  for (const f of ["vmlinuz", "initrd.img"])
    fs.copyFileSync(path.join(REPO, "test/engine/fixture/artifacts", f), path.join(dir, "artifacts", f));
  if (!fs.existsSync(path.join(dir, "node_modules")))
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

const run = (dir: string, cache: string) =>
  pulumiRun(dir, "up", {
    stack: "sig",
    stateFile: path.join(root, "state.json"),
    env: { [KEY_ENV]: keyPem, BOOT_STACK_CACHE: path.join(root, cache) },
  });

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-engine-sig-"));
  const pki = await makeCodeSigningPki(path.join(root, "pki"));
  keyPem = fs.readFileSync(pki.signer.key, "utf8");
  const day2 = parse(fs.readFileSync(path.join(__dirname, "fixture", "Pulumi.day2.yaml"), "utf8"));
  const config = day2.config;
  config["boot-stack:ipxe"] = {
    mode: "compile",
    platforms: ["bios"],
    codeSigning: { trust: [pki.ca.cert], certFile: pki.signer.cert, keyEnv: KEY_ENV },
  };
  stackYaml = { config };
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test("signed uploads: deterministic across runners, one changed script re-signs one signature", async () => {
  const first = await run(writeProject(path.join(root, "runner-a")), "cache-a");
  expect(first.error).toBeUndefined();
  const created = diffOf(first).create.filter((c) => c.startsWith(OBJECT));
  const sigs = created.filter((c) => c.endsWith(".sig"));
  expect(sigs).toContain(object("sites/ams1/stage2.ipxe.sig"));
  // A signature beside every object iPXE fetches: all but the manifest.
  expect(sigs).toHaveLength((created.length - 1) / 2);

  const again = await run(writeProject(path.join(root, "runner-b")), "cache-b");
  expect(again.error).toBeUndefined();
  const d = diffOf(again);
  expect([d.create, d.update, d.replace, d.delete]).toEqual([[], [], [], []]);

  const sites = stackYaml.config["boot-stack:sites"];
  sites[0].menu.entries[0].label = "Rescue (changed)";
  const changed = await run(writeProject(path.join(root, "runner-b")), "cache-b");
  expect(changed.error).toBeUndefined();
  expect(diffOf(changed).update).toEqual(
    [
      object("manifest.json"),
      object(`sites/${sites[0].name}/stage2.ipxe`),
      object(`sites/${sites[0].name}/stage2.ipxe.sig`),
    ].sort(),
  );
  const state = fs.readFileSync(path.join(root, "state.json"), "utf8");
  expect(state).not.toContain(keyPem.split("\n")[1]);
  expect(state).not.toContain(KEY_ENV + "=");
  process.stdout.write(
    `engine signatures: first up ${first.seconds.toFixed(1)} s, unchanged on a fresh runner ${again.seconds.toFixed(1)} s, one menu change ${changed.seconds.toFixed(1)} s\n`,
  );
});
