// IpxeIso under mocks: one local.Command under the component, named from it, running the fixed
// image command with every value in `environment` and no `dir` (the program's folder), triggered by
// the digest of the image's inputs only, with no machine-dependent value anywhere in its inputs;
// the image's key, sha256 and size are read from the command's JSON line.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as IsoModule from "../../components/ipxe-iso";
import type * as pulumiType from "@pulumi/pulumi";
import { validateStackConfig } from "../../config/validate";
import {
  DEFAULT_SOURCE_DATE_EPOCH,
  IMAGE_COMMAND,
  imageInputsDigest,
  ImageOptions,
  imageOptionsFor,
  parseImageResult,
} from "../../ipxe/build";
import { renderStage1 } from "../../ipxe/render/stage1";
import { originRefFor } from "../../ipxe/render/origin-ref";
import { prodRaw } from "../support/prod-config";

// Mocked registrations are quick alone, but the suite runs beside QEMU boots on two cores.
jest.setTimeout(60_000);

interface Rec {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const records: Rec[] = [];
const SHA = "ab".repeat(32);

let pulumi: typeof pulumiType;
let iso: typeof IsoModule;

beforeAll(async () => {
  pulumi = await import("@pulumi/pulumi");
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        records.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "command:local:Command") {
          const env = args.inputs.environment;
          state.stdout = `${JSON.stringify({ digest: env.BOOT_STACK_IMAGE_DIGEST, key: `images/${env.BOOT_STACK_SITE}/${SHA}.iso`, sha256: SHA, size: 3145728 })}`;
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => {
        throw new Error(`unmocked invoke ${args.token}`);
      },
    },
    "boot-stack",
    "test",
    false,
  );
  iso = await import("../../components/ipxe-iso");
});

const valueOf = <T>(o: pulumiType.Output<T>): Promise<T> => new Promise((r) => o.apply(r));
const settle = () => new Promise((r) => setTimeout(r, 50));

/** The example's ams1 in prebuilt mode (the example compiles; compile mode has its own test below). */
function ams1(projectDir: string): ImageOptions {
  const raw = prodRaw();
  raw.ipxe = { mode: "prebuilt" };
  const config = validateStackConfig(raw, "test");
  const site = config.sites.find((s) => s.name === "ams1")!;
  const origin = originRefFor(config.origin);
  return imageOptionsFor(config, site.name, renderStage1(site, origin), {
    projectDir,
    baseUrl: origin.baseUrl,
  });
}

const args = (image: ImageOptions, projectDir: string): IsoModule.IpxeIsoArgs => ({
  image,
  projectDir,
  bucket: "origin-bucket-0a1b2c3",
  region: "eu-west-1",
});

test("one local.Command under the component: fixed create and delete, no dir, values in environment only", async () => {
  records.splice(0);
  const image = ams1("/proj");
  const c = new iso.IpxeIso("iso-ams1", args(image, "/proj"));
  expect(await valueOf(c.urn)).toMatch(/::boot-stack:index:IpxeIso::iso-ams1$/);
  expect(await valueOf(c.command.urn)).toMatch(
    /::boot-stack:index:IpxeIso\$command:local:Command::iso-ams1-build$/,
  );
  const cmds = records.filter((r) => r.type === "command:local:Command");
  expect(cmds.map((r) => r.name)).toEqual(["iso-ams1-build"]);
  const inputs = cmds[0].inputs;
  expect(Object.keys(inputs).sort()).toEqual(["create", "delete", "environment", "triggers"]);
  expect(inputs.create).toBe("node_modules/.bin/tsx ipxe/build/image-command.ts");
  expect(inputs.delete).toBe(`${IMAGE_COMMAND} delete`);
  expect(inputs.environment).toEqual({
    BOOT_STACK_SITE: "ams1",
    BOOT_STACK_STAGE1: image.stage1,
    BOOT_STACK_MODE: "prebuilt",
    BOOT_STACK_PLATFORMS: "bios,uefi",
    BOOT_STACK_EMBED: "true",
    BOOT_STACK_REQUIRE_HTTPS: "true",
    SOURCE_DATE_EPOCH: String(DEFAULT_SOURCE_DATE_EPOCH),
    BOOT_STACK_IMAGE_DIGEST: await valueOf(c.digest),
    BOOT_STACK_PUBLISH_IMAGE: "true",
    BOOT_STACK_BUCKET: "origin-bucket-0a1b2c3",
    BOOT_STACK_BUCKET_REGION: "eu-west-1",
  });
});

test("the trigger is the digest of the image's inputs, with the stack's fixed SOURCE_DATE_EPOCH", async () => {
  records.splice(0);
  const image = ams1("/proj");
  const c = new iso.IpxeIso("iso-ams1b", args(image, "/proj"));
  await settle();
  const digest = imageInputsDigest({ ...image, sourceDateEpoch: DEFAULT_SOURCE_DATE_EPOCH });
  expect(await valueOf(c.digest)).toBe(digest);
  expect(records.find((r) => r.name === "iso-ams1b-build")!.inputs.triggers).toEqual([digest]);
});

test("a runner's SOURCE_DATE_EPOCH does not change the digest", async () => {
  const before = await valueOf(new iso.IpxeIso("iso-epoch-a", args(ams1("/proj"), "/proj")).digest);
  process.env.SOURCE_DATE_EPOCH = "1999999999";
  try {
    expect(await valueOf(new iso.IpxeIso("iso-epoch-b", args(ams1("/proj"), "/proj")).digest)).toBe(before);
  } finally {
    delete process.env.SOURCE_DATE_EPOCH;
  }
});

test("outputs are the command's key, sha256 and size", async () => {
  const c = new iso.IpxeIso("iso-out", args(ams1("/proj"), "/proj"));
  expect(await valueOf(c.key)).toBe(`images/ams1/${SHA}.iso`);
  expect(await valueOf(c.sha256)).toBe(SHA);
  expect(await valueOf(c.size)).toBe(3145728);
});

test("compile mode from two checkouts: the same inputs, with project paths relative and trust as PEM text", async () => {
  const envs: Record<string, string>[] = [];
  for (const checkout of ["a", "b"]) {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), `bs-iso-${checkout}-`));
    try {
      fs.mkdirSync(path.join(project, "certs"));
      const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
      fs.writeFileSync(path.join(project, "certs", "ca.pem"), pem);
      fs.mkdirSync(path.join(project, "ipxe-src"));
      const raw = prodRaw();
      raw.ipxe = { mode: "compile", sourceDir: "ipxe-src", trust: ["certs/ca.pem"], embed: false };
      const config = validateStackConfig(raw, "test");
      const site = config.sites[0];
      const origin = originRefFor(config.origin);
      const image = imageOptionsFor(config, site.name, renderStage1(site, origin), {
        projectDir: project,
        baseUrl: origin.baseUrl,
      });
      records.splice(0);
      new iso.IpxeIso(`iso-compile-${checkout}`, args(image, project));
      await settle();
      const env = records.find((r) => r.type === "command:local:Command")!.inputs.environment;
      expect(env).toMatchObject({
        BOOT_STACK_MODE: "compile",
        BOOT_STACK_IPXE_SOURCE_DIR: "ipxe-src",
        BOOT_STACK_IPXE_TRUST_PEM: JSON.stringify([pem]),
        BOOT_STACK_EMBED: "false",
      });
      envs.push(env);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  }
  expect(envs[0]).toEqual(envs[1]);
  for (const value of Object.values(envs[0])) {
    expect(value).not.toMatch(/^\//);
    expect(value).not.toContain(os.tmpdir());
  }
});

test("publishImages: false and an aws:profile reach the command", async () => {
  records.splice(0);
  new iso.IpxeIso("iso-private", {
    ...args(ams1("/proj"), "/proj"),
    publish: false,
    awsProfile: "boot-admin",
  });
  await settle();
  expect(records.find((r) => r.name === "iso-private-build")!.inputs.environment).toMatchObject({
    BOOT_STACK_PUBLISH_IMAGE: "false",
    AWS_PROFILE: "boot-admin",
  });
});

test("parseImageResult refuses output without a result line, naming the site", () => {
  expect(() => parseImageResult("progress only\n", "ams1")).toThrow(
    'image of site ams1: the image command printed no result (last line: "progress only")',
  );
});
