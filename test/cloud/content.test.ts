// Uploads of the origin layout and the per-site images of the example stack, under mocks: one
// object per layout entry with the right headers and hashes, names stable per key, the order that
// keeps a stage-2 from going live before its artefacts, and one image command per site.
// Adding a site adds exactly that site's objects and image; removing one removes exactly those.
// Artefacts are small temp files (harness.tempArtifacts) whose real sha256 replaces the example's.
import * as crypto from "node:crypto";
import * as path from "node:path";
import type * as BootStackModule from "../../components/boot-stack";
import type { SiteConfig, StackConfig } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { originLayout } from "../../origin/layout";
import { PROD_FILE } from "../support/prod-config";
import { byType, Harness, installMocks, Recorded, tempArtifacts, valueOf } from "./harness";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const COMMAND = "command:local:Command";
const ISO = "boot-stack:index:IpxeIso";
// Registering ~50 mocked resources takes seconds on 2 cores when the suite runs in parallel.
jest.setTimeout(60_000);

const prodFile = loadStackFile(PROD_FILE);
const temp = tempArtifacts(Object.keys(prodFile.artifacts));
const prod: StackConfig = {
  ...prodFile,
  artifacts: Object.fromEntries(
    Object.entries(prodFile.artifacts).map(([n, a]) => [n, { ...a, sha256: temp.artifacts[n].sha256 }]),
  ),
};

let h: Harness;
let bootStack: typeof BootStackModule.bootStack;

async function build(config: StackConfig, projectDir?: string): Promise<Recorded[]> {
  h.reset();
  bootStack(config, { artifactPaths: temp.paths, region: "eu-west-1", projectDir });
  await h.settle();
  return [...h.records];
}

let records: Recorded[];
let objects: Recorded[];
beforeAll(async () => {
  h = await installMocks();
  ({ bootStack } = await import("../../components/boot-stack"));
  records = await build(prod);
  objects = byType(records, OBJECT);
});

const byKey = (records: Recorded[]) => Object.fromEntries(records.map((r) => [r.inputs.key, r]));
const names = (records: Recorded[]) => records.map((r) => r.name).sort();

describe("uploads of the example stack", () => {
  test("one object per layout entry, each in the content bucket; no image is a bucket object", () => {
    const layout = originLayout(prod, { baseUrl: "https://boot.example.com" });
    expect(objects.map((o) => o.inputs.key).sort()).toEqual(layout.map((o) => o.key).sort());
    for (const o of objects) expect(o.inputs.bucket).toBe("origin-bucket-0a1b2c3");
  });

  test("resource names are the component name plus the key (stable per key), under SiteContent", () => {
    for (const o of objects) {
      expect(o.name).toBe(`content-${o.inputs.key}`);
      expect(o.parentType).toBe("boot-stack:index:SiteContent");
    }
  });

  test("scripts: inline text, iPXE content type, 30 s cache, sha256 of the bytes in metadata", () => {
    const o = byKey(objects)["sites/ams1/stage2.ipxe"].inputs;
    expect(o.contentType).toBe("text/plain; charset=utf-8");
    expect(o.cacheControl).toBe("public, max-age=30, must-revalidate");
    expect(o.content.startsWith("#!ipxe")).toBe(true);
    expect(o.metadata).toEqual({ sha256: crypto.createHash("sha256").update(o.content).digest("hex") });
    expect(o.checksumAlgorithm).toBe("SHA256");
    expect(o.source).toBeUndefined();
    expect(byKey(objects)["manifest.json"].inputs.contentType).toBe("application/json");
  });

  test("artefacts: content-addressed key, the verified local file as an asset, immutable caching", async () => {
    const sha = prod.artifacts["debian12-linux"].sha256;
    const o = byKey(objects)[`artifacts/${sha}/debian12-linux`].inputs;
    expect(o.contentType).toBe("application/octet-stream");
    expect(o.cacheControl).toBe("public, max-age=31536000, immutable");
    expect(o.metadata).toEqual({ sha256: sha });
    expect(o.content).toBeUndefined();
    expect(await o.source.path).toBe(temp.paths["debian12-linux"]); // outside the project: as given
  });

  test("an artefact inside the program's folder is referenced by a relative path (no machine path in state)", async () => {
    const inside = byType(await build(prod, path.dirname(temp.dir)), OBJECT);
    const sha = prod.artifacts["debian12-initrd"].sha256;
    const o = byKey(inside)[`artifacts/${sha}/debian12-initrd`].inputs;
    expect(await o.source.path).toBe(path.join(path.basename(temp.dir), "debian12-initrd"));
  });
});

describe("order and lifetime: a stage-2 never goes live before the artefacts it references", () => {
  const artefacts = () => objects.filter((o) => o.inputs.key.startsWith("artifacts/"));
  const scripts = () => objects.filter((o) => !o.inputs.key.startsWith("artifacts/"));

  test("every script and the manifest depend on every artefact object", () => {
    const count = Object.keys(prod.artifacts).length;
    expect(artefacts()).toHaveLength(count);
    expect(scripts().length).toBe(objects.length - count);
    for (const s of scripts())
      expect(s.dependencies).toEqual(expect.arrayContaining(artefacts().map((a) => a.urn)));
  });

  test("artefacts are kept when they leave the stack (a cached stage-2 may still point at them); scripts are not", () => {
    for (const a of artefacts()) expect(a.retainOnDelete).toBe(true);
    for (const s of scripts()) expect(s.retainOnDelete).toBe(false);
  });
});

describe("images: one IpxeIso per site", () => {
  test("each site has its component and command, named from the site and parented to the component", () => {
    expect(names(byType(records, ISO))).toEqual(prod.sites.map((s) => `iso-${s.name}`).sort());
    const commands = byType(records, COMMAND);
    expect(names(commands)).toEqual(prod.sites.map((s) => `iso-${s.name}-build`).sort());
    for (const c of commands) expect(c.parentType).toBe(ISO);
  });

  test("the command uploads to the content bucket in the stack's region", () => {
    for (const c of byType(records, COMMAND))
      expect(c.inputs.environment).toMatchObject({
        BOOT_STACK_BUCKET: "origin-bucket-0a1b2c3",
        BOOT_STACK_BUCKET_REGION: "eu-west-1",
        BOOT_STACK_PUBLISH_IMAGE: "true",
      });
  });
});

describe("adding and removing a site", () => {
  const extra: SiteConfig = { ...prod.sites[1], name: "lis1", description: "Lisbon" };
  const key = (r: Recorded) => `${r.type} ${r.name}`;
  const inputsOf = (rs: Recorded[]) => Object.fromEntries(rs.map((r) => [key(r), JSON.stringify(r.inputs)]));

  test("a new site adds exactly its two scripts and its image; index and manifest change in place", async () => {
    const before = inputsOf(records);
    const after = inputsOf(await build({ ...prod, sites: [...prod.sites, extra] }));
    expect(
      Object.keys(after)
        .filter((k) => !(k in before))
        .sort(),
    ).toEqual(
      [
        `${OBJECT} content-sites/lis1/stage1.ipxe`,
        `${OBJECT} content-sites/lis1/stage2.ipxe`,
        `${ISO} iso-lis1`,
        `${COMMAND} iso-lis1-build`,
      ].sort(),
    );
    expect(Object.keys(before).filter((k) => !(k in after))).toEqual([]);
    expect(
      Object.keys(before)
        .filter((k) => before[k] !== after[k])
        .sort(),
    ).toEqual([`${OBJECT} content-manifest.json`, `${OBJECT} content-sites/index.ipxe`]);
  });

  test("removing a site removes exactly its objects and its image; nothing else changes", async () => {
    const before = inputsOf(records);
    const after = inputsOf(await build({ ...prod, sites: prod.sites.filter((s) => s.name !== "sgp1") }));
    expect(
      Object.keys(before)
        .filter((k) => !(k in after))
        .sort(),
    ).toEqual(
      [
        `${OBJECT} content-sites/sgp1/stage1.ipxe`,
        `${OBJECT} content-sites/sgp1/stage2.ipxe`,
        `${ISO} iso-sgp1`,
        `${COMMAND} iso-sgp1-build`,
      ].sort(),
    );
    expect(
      Object.keys(after)
        .filter((k) => before[k] !== after[k])
        .sort(),
    ).toEqual([`${OBJECT} content-manifest.json`, `${OBJECT} content-sites/index.ipxe`]);
  });

  test("publishImages: false still builds each image (sha256 reported) but uploads none", async () => {
    const off = await build({ ...prod, origin: { ...prod.origin, publishImages: false } });
    const commands = byType(off, COMMAND);
    expect(commands).toHaveLength(prod.sites.length);
    for (const c of commands) expect(c.inputs.environment.BOOT_STACK_PUBLISH_IMAGE).toBe("false");
    expect(byType(off, OBJECT)).toHaveLength(objects.length);
  });
});

describe("outputs per site", () => {
  test("isoUrl is the CDN URL of the key the image command reported; the digest is known before the image is built", async () => {
    h.reset();
    const stack = bootStack(prod, { artifactPaths: temp.paths, region: "eu-west-1" });
    await h.settle();
    const ams1 = stack.outputs.sites.ams1;
    const sha = await valueOf(ams1.isoSha256);
    expect(await valueOf(ams1.isoUrl!)).toBe(`https://boot.example.com/images/ams1/${sha}.iso`);
    expect(await valueOf(ams1.isoInputsDigest)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("guards", () => {
  test("an artefact without a verified file stops before any object is declared", async () => {
    h.reset();
    const { SiteContent } = await import("../../components/site-content");
    const layout = originLayout(prod, { baseUrl: "https://boot.example.com" });
    const { "debian12-initrd": _, ...missingOne } = temp.paths;
    expect(
      () => new SiteContent("broken", { bucket: "b", objects: layout, artifactPaths: missingOne }),
    ).toThrow(/artifacts\.debian12-initrd: no verified local file/);
    await h.settle();
    expect(byType(h.records, OBJECT)).toEqual([]);
  });
});
