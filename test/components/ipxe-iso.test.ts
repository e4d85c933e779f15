// IpxeIso with Pulumi mocks: one local.Command under the component, running the fixed builder
// command with every value in `environment`, triggers made of content hashes only, and the
// image's path/sha256/size read from the builder's JSON line. Changing one site's config
// changes that site's triggers only.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as IsoModule from "../../components/ipxe-iso";
import type * as pulumiType from "@pulumi/pulumi";
import { SiteConfig } from "../../config/schema";
import { validateStackConfig } from "../../config/validate";
import { sha256 } from "../../ipxe/build/hash";
import { IMAGE_LAYOUT_VERSION } from "../../ipxe/build/plan";
import { renderStage1 } from "../../ipxe/render/stage1";
import { originRefFor } from "../../ipxe/render/origin-ref";
import { REPO_ROOT } from "../../local/paths";
import { prodRaw } from "../support/prod-config";

interface Rec {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const records: Rec[] = [];
const FAKE_SHA = "ab".repeat(32);

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
          const out = path.join(
            args.inputs.environment.BOOT_STACK_OUT_DIR,
            `${args.inputs.environment.BOOT_STACK_SITE}.iso`,
          );
          state.stdout = `${JSON.stringify({ isoPath: out, sha256: FAKE_SHA, size: 3145728, manifestPath: `${out}.json` })}`;
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

function stage1s(raw: ReturnType<typeof prodRaw>): Map<string, string> {
  const config = validateStackConfig(raw, "test");
  const origin = originRefFor(config.origin);
  return new Map(config.sites.map((s: SiteConfig) => [s.name, renderStage1(s, origin)]));
}

test("one local.Command under the component, fixed command line, values in environment only", async () => {
  records.splice(0);
  const stage1 = stage1s(prodRaw()).get("ams1")!;
  const c = new iso.IpxeIso("iso-ams1", { site: "ams1", stage1, outDir: "out/images" });
  expect(await valueOf(c.urn)).toMatch(/::boot-stack:index:IpxeIso::iso-ams1$/);
  expect(await valueOf(c.command.urn)).toMatch(
    /::boot-stack:index:IpxeIso\$command:local:Command::iso-ams1-build$/,
  );
  const cmds = records.filter((r) => r.type === "command:local:Command");
  expect(cmds.map((r) => r.name)).toEqual(["iso-ams1-build"]);
  const inputs = cmds[0].inputs;
  expect(inputs.create).toBe("node_modules/.bin/tsx ipxe/build/cli-entry.ts");
  expect(inputs.create).not.toContain("ams1");
  expect(inputs.dir).toBe(REPO_ROOT);
  expect(inputs.environment).toEqual({
    BOOT_STACK_SITE: "ams1",
    BOOT_STACK_STAGE1: stage1,
    BOOT_STACK_MODE: "prebuilt",
    BOOT_STACK_OUT_DIR: path.join(REPO_ROOT, "out/images"),
  });
  expect(inputs.assetPaths).toEqual(["out/images/ams1.iso"]);
  expect(inputs.triggers).toEqual([
    `layout ${IMAGE_LAYOUT_VERSION}`,
    "site ams1",
    `stage1 ${sha256(stage1)}`,
    "mode prebuilt",
    "platforms bios,uefi",
    "prebuilt debian13",
  ]);
  expect(Object.keys(inputs).sort()).toEqual(["assetPaths", "create", "dir", "environment", "triggers"]);
});

test("outputs are the builder's path, sha256 and size", async () => {
  const c = new iso.IpxeIso("iso-fra", { site: "fra-lab", stage1: "#!ipxe\n", outDir: "/abs/out" });
  expect(await valueOf(c.path)).toBe("/abs/out/fra-lab.iso");
  expect(await valueOf(c.sha256)).toBe(FAKE_SHA);
  expect(await valueOf(c.size)).toBe(3145728);
});

test("changing one site's config changes that site's triggers only", () => {
  const before = stage1s(prodRaw());
  const raw = prodRaw();
  raw.sites.find((s: { name: string }) => s.name === "sgp1").network.dhcpTimeoutSeconds = 20;
  const after = stage1s(raw);
  const changed = [...before.keys()].filter((site) => {
    const t = (s1: string) => JSON.stringify(iso.isoTriggers({ site, stage1: s1, outDir: "out" }));
    return t(before.get(site)!) !== t(after.get(site)!);
  });
  expect(changed).toEqual(["sgp1"]);
});

test("compile mode: triggers carry the iPXE commit, the committed headers' hashes and the trust files' hashes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-trust-"));
  try {
    const ca = path.join(dir, "ca.pem");
    fs.writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    const args = { site: "ams1", stage1: "#!ipxe\n", outDir: "out", mode: "compile" as const, trust: [ca] };
    const t1 = iso.isoTriggers(args);
    const general = fs.readFileSync(path.join(REPO_ROOT, "ipxe/config/local/general.h"), "utf8");
    expect(t1).toEqual(
      expect.arrayContaining([
        "ipxe 0ab2277c40f1de56c736b9e7db7ee23d52509ec5",
        "embed true",
        `header general.h ${sha256(general)}`,
        `trust 0 ${sha256(fs.readFileSync(ca))}`,
      ]),
    );
    expect(t1.filter((t) => t.startsWith("header "))).toHaveLength(2);
    fs.appendFileSync(ca, "\n");
    expect(iso.isoTriggers(args)).not.toEqual(t1);
    expect(iso.isoTriggers({ ...args, trust: [ca] }).filter((t) => !t.startsWith("trust "))).toEqual(
      t1.filter((t) => !t.startsWith("trust ")),
    );
    expect(iso.isoTriggers({ ...args, ref: "1".repeat(40) })).toContain(`ipxe ${"1".repeat(40)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("compile mode passes its options through environment, never the command line", async () => {
  records.splice(0);
  new iso.IpxeIso("iso-nyc2", {
    site: "nyc2",
    stage1: "#!ipxe\n",
    outDir: "out",
    mode: "compile",
    sourceDir: "/src/ipxe",
    trust: ["/etc/ca.pem"],
    embed: false,
    requireHttps: true,
    platforms: ["bios"],
  });
  await new Promise((r) => setTimeout(r, 50));
  const cmd = records.find((r) => r.name === "iso-nyc2-build")!;
  expect(cmd.inputs.environment).toMatchObject({
    BOOT_STACK_MODE: "compile",
    BOOT_STACK_IPXE_SOURCE_DIR: "/src/ipxe",
    BOOT_STACK_IPXE_TRUST: JSON.stringify(["/etc/ca.pem"]),
    BOOT_STACK_EMBED: "false",
    BOOT_STACK_REQUIRE_HTTPS: "true",
    BOOT_STACK_PLATFORMS: "bios",
  });
  expect(cmd.inputs.create).toBe(iso.BUILD_COMMAND);
});

test("parseResult refuses output without a result line, naming the site", () => {
  expect(() => iso.parseResult("progress only\n", "ams1")).toThrow(
    'IpxeIso ams1: the image builder printed no result (last line: "progress only")',
  );
});
