// Day 2 under an engine-faithful model (engine.ts): the real index.ts of fresh clones, state kept
// between runs, assets hashed on registration, unchanged Commands not re-run, changed ones really
// run (image builds in prebuilt mode, uploads through the AWS SDK to a local S3 API). Each step
// asserts the exact diff, as `pulumi preview --diff` would list it.
//  1. first up in clone A             2. preview in a fresh clone at A's path, empty caches
//  3. preview in a clone elsewhere    4. up after a menu-only change
//  5. up after one site's gateway change   6. up after adding a site   7. up after removing one
// then a refresh followed by a preview, and a scan of the state for machine-dependent values.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { parseDocument } from "yaml";
import { debian13IpxeDir } from "../../ipxe/build";
import { cacheDir } from "../../ipxe/build/cache";
import { startLocalS3, LocalS3 } from "../support/local-s3";
import type { RunResult } from "./engine";
import { stringsIn } from "./properties";
import { diffOf, makeClone, pulumiRun, readState } from "./workspace";

jest.setTimeout(300_000);

const STACK = "day2";
const BUCKET = "origin-bucket-0a1b2c3"; // what the modelled AWS provider names the origin's bucket
const FIXTURE = path.join(__dirname, "fixture", `Pulumi.${STACK}.yaml`);
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const COMMAND = "command:local:Command";
const ISO = "boot-stack:index:IpxeIso";

const object = (key: string) => `${OBJECT}::content-${key}`;
const image = (site: string) => [`${ISO}::iso-${site}`, `${COMMAND}::iso-${site}-build`];
const none = { create: [], update: [], replace: [], delete: [] };

let root: string;
let s3: LocalS3;
let stateFile: string;
/** The stack file as committed on main after each merged pull request. */
let stackYaml = fs.readFileSync(FIXTURE, "utf8");
const cloneA = () => path.join(root, "runner", "work", "boot-stack", "boot-stack");
const cloneB = () => path.join(root, "laptop", "src", "boot-stack");
const cacheA = () => path.join(root, "runner", "cache");

/** A fresh checkout of the current main at `dest`, with the stack file. */
function checkout(dest: string): string {
  makeClone(dest);
  fs.writeFileSync(path.join(dest, `Pulumi.${STACK}.yaml`), stackYaml);
  return dest;
}

/** A runner's cache: empty, or with only the iPXE package a CI cache step would restore. */
function freshCache(dir: string, withIpxePackage: boolean): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (withIpxePackage)
    fs.cpSync(path.join(cacheDir(), "ipxe", "debian13"), path.join(dir, "ipxe", "debian13"), {
      recursive: true,
    });
  return dir;
}

const run = (clone: string, mode: "preview" | "up" | "refresh", cache: string) =>
  pulumiRun(clone, mode, { stack: STACK, stateFile, env: { ...s3.env, BOOT_STACK_CACHE: cache } });

/** A pull request merged into main: the stack file edited. */
function merge(edit: (config: any) => void): void {
  const doc = parseDocument(stackYaml);
  const config = doc.toJS().config;
  edit(config);
  doc.set("config", config);
  stackYaml = doc.toString();
}

/** An up on a fresh runner: new checkout at A's path, cache with only the iPXE package. */
const upOnFreshRunner = () => run(checkout(cloneA()), "up", freshCache(cacheA(), true));

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function imageKeys(): Promise<string[]> {
  return (await s3.keys(BUCKET)).filter((k) => k.startsWith("images/"));
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-day2-"));
  stateFile = path.join(root, "state.json");
  s3 = await startLocalS3([BUCKET]);
  await debian13IpxeDir(cacheDir()); // the package the runners' caches are seeded with
});

afterAll(async () => {
  await s3?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const sites = ["ams1", "fra-lab", "nyc2"];
let firstImages: string[];
let firstUp: RunResult;

test("1. first up in clone A: everything created, one image per site built and uploaded", async () => {
  const r = (firstUp = await upOnFreshRunner());
  expect(r.error).toBeUndefined();
  const d = diffOf(r);
  expect(d.create).toEqual(expect.arrayContaining(sites.flatMap(image)));
  expect(d.create.filter((c) => c.startsWith(`${COMMAND}::`))).toEqual(
    sites.map((s) => `${COMMAND}::iso-${s}-build`),
  );
  expect([d.update, d.replace, d.delete, d.same]).toEqual([[], [], [], 0]);
  expect(r.commands.map((c) => `${c.action} ${c.name}`).sort()).toEqual(
    sites.map((s) => `create iso-${s}-build`),
  );

  firstImages = await imageKeys();
  expect(firstImages).toHaveLength(3);
  for (const key of firstImages) {
    const [, site, file] = key.split("/");
    const bytes = await s3.get(BUCKET, key);
    expect(file).toBe(`${sha256(bytes)}.iso`);
    const head = await s3.head(BUCKET, key);
    expect(head.metadata.sha256).toBe(sha256(bytes));
    expect(head.headers).toMatchObject({
      contentType: "application/x-iso9660-image",
      cacheControl: "public, max-age=31536000, immutable",
      contentDisposition: `attachment; filename="boot-${site}.iso"`,
    });
  }
  expect(firstImages.map((k) => k.split("/")[1]).sort()).toEqual(sites);
});

test("a stage-2 never goes live before the artefacts it references exist", () => {
  // The engine creates a resource only after the ones it depends on: in step 1 every script and
  // the manifest started registering after every artefact object had been created.
  const state = readState(stateFile);
  const isArtefact = (key: unknown) => String(key).startsWith("artifacts/");
  const objects = state.resources.filter((r) => r.type === OBJECT);
  const artefacts = objects.filter((r) => isArtefact(r.inputs.key));
  const scripts = objects.filter((r) => !isArtefact(r.inputs.key));
  expect([artefacts.length, scripts.length]).toEqual([2, 2 * 3 + 3]);
  const lastArtefact = Math.max(...artefacts.map((a) => firstUp.order[a.urn].finished));
  for (const s of scripts) {
    expect(s.dependencies).toEqual(expect.arrayContaining(artefacts.map((a) => a.urn)));
    expect(firstUp.order[s.urn].started).toBeGreaterThan(lastArtefact);
  }
  for (const a of artefacts) expect(a.retainOnDelete).toBe(true);
  for (const s of scripts) expect(s.retainOnDelete).toBe(false);
});

test("2. preview in a fresh clone at A's path, caches empty: succeeds, no change", async () => {
  const r = await run(checkout(cloneA()), "preview", freshCache(cacheA(), false));
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toMatchObject(none);
  expect(r.commands).toEqual([]);
  expect(fs.readdirSync(cacheA())).toEqual([]); // nothing built or fetched to find that out
});

test("3. preview in a clone at another path, another empty cache: no change", async () => {
  const r = await run(checkout(cloneB()), "preview", freshCache(path.join(root, "laptop", "cache"), false));
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toMatchObject(none);
});

test("4. up after a menu-only change: that stage-2 and the manifest, no image resource", async () => {
  merge((c) => (c["boot-stack:sites"][0].menu.timeoutSeconds = 30));
  const r = await upOnFreshRunner();
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toMatchObject({
    ...none,
    update: [object("manifest.json"), object("sites/ams1/stage2.ipxe")],
  });
  expect(r.commands).toEqual([]);
  expect(await imageKeys()).toEqual(firstImages);
});

test("5. up after one site's gateway change: that site's stage-1 and image only", async () => {
  merge((c) => (c["boot-stack:sites"][1].network.gateway = "172.16.120.254"));
  const r = await upOnFreshRunner();
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toMatchObject({
    ...none,
    update: [object("manifest.json"), object("sites/nyc2/stage1.ipxe")],
    replace: [`${COMMAND}::iso-nyc2-build`],
  });
  expect(r.commands.map((c) => `${c.action} ${c.name}`)).toEqual([
    "create iso-nyc2-build",
    "delete iso-nyc2-build",
  ]);
  const keys = await imageKeys();
  const others = firstImages.filter((k) => !k.startsWith("images/nyc2/"));
  expect(keys.filter((k) => !k.startsWith("images/nyc2/"))).toEqual(others);
  const nyc2 = keys.filter((k) => k.startsWith("images/nyc2/"));
  expect(nyc2).toHaveLength(1); // the old image was deleted by the replaced command
  expect(firstImages).not.toContain(nyc2[0]);
});

test("6. up after adding a site: its objects and its image", async () => {
  merge((c) =>
    c["boot-stack:sites"].push({
      ...c["boot-stack:sites"][0],
      name: "lis1",
      network: {
        ...c["boot-stack:sites"][0].network,
        subnet: "10.30.0.0/24",
        gateway: "10.30.0.1",
        address: "10.30.0.100",
        dns: [],
      },
    }),
  );
  const before = await imageKeys();
  const r = await upOnFreshRunner();
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toMatchObject({
    ...none,
    create: [...image("lis1"), object("sites/lis1/stage1.ipxe"), object("sites/lis1/stage2.ipxe")].sort(),
    update: [object("manifest.json"), object("sites/index.ipxe")],
  });
  const added = (await imageKeys()).filter((k) => !before.includes(k));
  expect(added).toEqual([expect.stringMatching(/^images\/lis1\/[0-9a-f]{64}\.iso$/)]);
});

test("7. up after removing a site: its objects and its image, nothing else", async () => {
  merge((c) => (c["boot-stack:sites"] = c["boot-stack:sites"].filter((s: any) => s.name !== "fra-lab")));
  const before = await imageKeys();
  const r = await upOnFreshRunner();
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toMatchObject({
    ...none,
    update: [object("manifest.json"), object("sites/index.ipxe")],
    delete: [
      ...image("fra-lab"),
      object("sites/fra-lab/stage1.ipxe"),
      object("sites/fra-lab/stage2.ipxe"),
    ].sort(),
  });
  expect(await imageKeys()).toEqual(before.filter((k) => !k.startsWith("images/fra-lab/")));
});

test("refresh, then a preview on a fresh runner: no change", async () => {
  const refreshed = await run(checkout(cloneA()), "refresh", freshCache(cacheA(), false));
  expect(refreshed.error).toBeUndefined();
  const r = await run(checkout(cloneB()), "preview", freshCache(path.join(root, "laptop", "cache"), false));
  expect(r.error).toBeUndefined();
  expect(diffOf(r)).toMatchObject(none);
});

test("no resource input or stored output holds an absolute path, a temp dir, the host, the user or a time", () => {
  const state = readState(stateFile);
  const user = os.userInfo().username;
  const forbidden = [root, os.tmpdir(), os.homedir(), cacheDir(), path.resolve(__dirname, "../..")];
  const offending: string[] = [];
  for (const r of state.resources)
    for (const [where, value] of [
      ["inputs", r.inputs],
      ["outputs", r.outputs],
    ] as const)
      for (const s of stringsIn(value)) {
        const bad =
          s.startsWith("/") ||
          forbidden.some((f) => s.includes(f)) ||
          new RegExp(`\\b${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`).test(s) ||
          s.includes(`/${user}/`) ||
          s.includes(`${user}@`) ||
          /\b20\d\d-[01]\d-[0-3]\dT[0-2]\d:/.test(s); // an ISO time stamp
        if (bad) offending.push(`${r.name} ${where}: ${s.slice(0, 160)}`);
      }
  expect(offending).toEqual([]);
});
