// Uploads of the origin layout: one object per layout entry with the right headers and hashes,
// names stable per key, and adding a site adds exactly that site's objects and image.
// Artefacts are small temp files (harness.tempArtifacts) whose real sha256 replaces the example's.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as BootStackModule from "../../components/boot-stack";
import type { SiteConfig, StackConfig } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { originLayout } from "../../origin/layout";
import { PROD_FILE } from "../support/prod-config";
import { byType, Harness, installMocks, Recorded, tempArtifacts } from "./harness";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
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

/** Stands in for IpxeIso (tested by its own suite): a file per site and its hash. */
function fakeImage(site: SiteConfig, stage1: string) {
  const file = path.join(temp.dir, `${site.name}.iso`);
  fs.writeFileSync(file, `ISO for ${site.name}\n${stage1}`);
  return { path: file, sha256: crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex") };
}

let h: Harness;
let bootStack: typeof BootStackModule.bootStack;

async function build(config: StackConfig): Promise<Recorded[]> {
  h.reset();
  bootStack(config, { artifactPaths: temp.paths, buildImage: fakeImage });
  await h.settle();
  return byType(h.records, OBJECT);
}

let objects: Recorded[];
beforeAll(async () => {
  h = await installMocks();
  ({ bootStack } = await import("../../components/boot-stack"));
  objects = await build(prod);
});

const byKey = (records: Recorded[]) => Object.fromEntries(records.map((r) => [r.inputs.key, r]));

describe("uploads of the example stack", () => {
  test("one object per layout entry plus one image per site, each in the content bucket", () => {
    const layout = originLayout(prod, { baseUrl: "https://boot.example.com" });
    const keys = objects.map((o) => o.inputs.key).sort();
    expect(keys.filter((k) => !k.startsWith("images/"))).toEqual(layout.map((o) => o.key).sort());
    expect(keys.filter((k) => k.startsWith("images/"))).toEqual(
      prod.sites.map((s) => expect.stringMatching(new RegExp(`^images/${s.name}/[0-9a-f]{64}\\.iso$`))),
    );
    for (const o of objects) expect(o.inputs.bucket).toBe("origin-bucket-0a1b2c3");
  });

  test("resource names are the component name plus the key (stable per key)", () => {
    for (const o of objects.filter((o) => !o.inputs.key.startsWith("images/")))
      expect(o.name).toBe(`content-${o.inputs.key}`);
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
    expect(await o.source.path).toBe(temp.paths["debian12-linux"]);
  });

  test("images: images/<site>/<sha256>.iso, downloadable, immutable", () => {
    const image = objects.find((o) => o.name === "content-image-nyc2")!.inputs;
    const sha = image.metadata.sha256;
    expect(image.key).toBe(`images/nyc2/${sha}.iso`);
    expect(image).toMatchObject({
      contentType: "application/x-iso9660-image",
      cacheControl: "public, max-age=31536000, immutable",
      contentDisposition: 'attachment; filename="boot-nyc2.iso"',
    });
  });
});

describe("adding and removing a site", () => {
  const extra: SiteConfig = { ...prod.sites[1], name: "lis1", description: "Lisbon" };

  test("a new site adds exactly its two scripts and its image; index and manifest change in place", async () => {
    const before = byKey(objects);
    const after = byKey(await build({ ...prod, sites: [...prod.sites, extra] }));
    const added = Object.keys(after).filter((k) => !(k in before));
    expect(added.map((k) => after[k].name).sort()).toEqual([
      "content-image-lis1",
      "content-sites/lis1/stage1.ipxe",
      "content-sites/lis1/stage2.ipxe",
    ]);
    expect(Object.keys(before).filter((k) => !(k in after))).toEqual([]);
    const changed = Object.keys(before).filter(
      (k) => JSON.stringify(before[k].inputs) !== JSON.stringify(after[k].inputs),
    );
    expect(changed.sort()).toEqual(["manifest.json", "sites/index.ipxe"]);
  });

  test("removing a site removes exactly its objects and image", async () => {
    const after = byKey(await build({ ...prod, sites: prod.sites.filter((s) => s.name !== "sgp1") }));
    const removed = Object.keys(byKey(objects)).filter((k) => !(k in after));
    expect(removed.map((k) => byKey(objects)[k].name).sort()).toEqual([
      "content-image-sgp1",
      "content-sites/sgp1/stage1.ipxe",
      "content-sites/sgp1/stage2.ipxe",
    ]);
  });

  test("publishImages: false builds images but uploads none", async () => {
    const after = await build({ ...prod, origin: { ...prod.origin, publishImages: false } });
    expect(after.filter((o) => o.inputs.key.startsWith("images/"))).toEqual([]);
    expect(after).toHaveLength(objects.length - prod.sites.length);
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
