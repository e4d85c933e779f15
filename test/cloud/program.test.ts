// The Pulumi program itself (index.ts), fed the example stack's config through pulumi.Config
// as `pulumi up` would, with the Cloudflare token as a secret. Its artefacts are replaced by
// small temp files with their real sha256, so the resolver's hash check really runs.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CodeSigningPki, makeCodeSigningPki } from "../../local/code-signing-pki";
import type { RawStackConfig } from "../../config/validate";
import { prodRaw } from "../support/prod-config";
import { DISTRIBUTION_DOMAIN, Harness, installMocks, tempArtifacts, valueOf } from "./harness";

const TOKEN = "cf-test-token-must-never-leak-0123456789";

function configFor(raw: RawStackConfig, extra: Record<string, string> = {}): Record<string, string> {
  const config: Record<string, string> = {
    "aws:region": "eu-west-1",
    "cloudflare:apiToken": TOKEN,
    ...extra,
  };
  for (const [key, value] of Object.entries(raw))
    if (value !== undefined) config[`boot-stack:${key}`] = JSON.stringify(value);
  return config;
}

let h: Harness;
let program: () => Promise<any>;
const temp = tempArtifacts(["debian12-linux", "debian12-initrd", "rescue-vmlinuz", "rescue-initrd"]);

function rawWithTempArtifacts() {
  const raw = prodRaw();
  raw.artifacts = temp.artifacts;
  return raw;
}

async function run(
  raw: RawStackConfig,
  extra: Record<string, string> = {},
): Promise<{ outputs?: any; error?: Error }> {
  h.reset();
  h.pulumi.runtime.setAllConfig(configFor(raw, extra), ["cloudflare:apiToken"]);
  try {
    const outputs = await program();
    await h.settle();
    return { outputs };
  } catch (error) {
    await h.settle();
    return { error: error as Error };
  }
}

beforeAll(async () => {
  h = await installMocks();
  const mod: any = await import("../../index");
  program = mod.default ?? mod;
});

test("the example stack deploys: same resources as the component tests, URLs exported", async () => {
  const { outputs, error } = await run(rawWithTempArtifacts());
  expect(error).toBeUndefined();
  const resolved = await valueOf(h.pulumi.output(outputs));
  expect(resolved.cdnUrl).toBe("https://boot.example.com");
  expect(resolved.sites.sgp1.stage2Url).toBe("https://boot.example.com/sites/sgp1/stage2.ipxe");
  expect(resolved.manifestUrl).toBe("https://boot.example.com/manifest.json");
  // Every origin URL, in the order each site's image tries them: the hostname, the distribution's own name.
  expect(resolved.sites.sgp1.origins).toEqual(["https://boot.example.com", `https://${DISTRIBUTION_DOMAIN}`]);
  expect(resolved.cdnDefaultUrl).toMatch(/^https:\/\/[a-z0-9]+\.cloudfront\.net$/);
  expect(h.records.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2")).toHaveLength(
    4 * 2 + 2 + 4 + 1,
  ); // the layout: two scripts per site, index, generic stage-1, artefacts, manifest
  expect(h.records.filter((r) => r.type === "command:local:Command")).toHaveLength(4); // one image per site
  expect(resolved.sites.ams1.isoUrl).toBe(
    `https://boot.example.com/images/ams1/${resolved.sites.ams1.isoSha256}.iso`,
  );
  expect(h.records.filter((r) => r.type === "aws:cloudfront/distribution:Distribution")).toHaveLength(1);
});

test("a site's mirror is listed among its origins, last, and the image's and the bucket's stage-1 try them in that order", async () => {
  const raw = rawWithTempArtifacts();
  raw.sites[0].mirror = "https://mirror.example.net/boot";
  const { outputs, error } = await run(raw);
  expect(error).toBeUndefined();
  const resolved = await valueOf(h.pulumi.output(outputs));
  expect(resolved.sites.ams1.origins).toEqual([
    "https://boot.example.com",
    `https://${DISTRIBUTION_DOMAIN}`,
    "https://mirror.example.net/boot",
  ]);
  const ams1 = h.records.find((r) => r.name === "iso-ams1-build")!;
  const stage1 = ams1.inputs.environment.BOOT_STACK_STAGE1;
  expect(stage1).toContain(
    `set bs_origin_0 https://boot.example.com\nset bs_origin_1 https://${DISTRIBUTION_DOMAIN}\nset bs_origin_2 https://mirror.example.net/boot\n`,
  );
  // The reference copy in the bucket is the image's script, byte for byte, and the manifest says so.
  const uploaded = h.records.find((r) => r.name === "content-sites/ams1/stage1.ipxe")!;
  expect(uploaded.inputs.content).toBe(stage1);
  const manifest = JSON.parse(h.records.find((r) => r.name === "content-manifest.json")!.inputs.content);
  const entry = manifest.objects.find((o: { key: string }) => o.key === "sites/ams1/stage1.ipxe");
  expect(entry.sha256).toBe(createHash("sha256").update(stage1).digest("hex"));
  expect(uploaded.inputs.metadata).toEqual({ sha256: entry.sha256 });
});

test("the Cloudflare token never reaches a resource input, a rendered script or an output", async () => {
  const { outputs } = await run(rawWithTempArtifacts());
  expect(h.records.length).toBeGreaterThan(20);
  for (const r of h.records) expect(JSON.stringify(r.inputs)).not.toContain(TOKEN);
  const scripts = h.records.filter((r) => typeof r.inputs.content === "string");
  expect(scripts.length).toBeGreaterThan(0);
  for (const s of scripts) expect(s.inputs.content).not.toContain(TOKEN);
  expect(JSON.stringify(await valueOf(h.pulumi.output(outputs)))).not.toContain(TOKEN);
  // The token is there to be read, as a secret: the check above is not vacuous.
  expect(await valueOf(new h.pulumi.Config("cloudflare").requireSecret("apiToken"))).toBe(TOKEN);
});

test("the stack's aws:profile reaches the certificate's us-east-1 provider and the image uploads", async () => {
  await run(rawWithTempArtifacts(), { "aws:profile": "boot-admin" });
  const providers = h.records.filter((r) => r.type === "pulumi:providers:aws");
  expect(providers.map((p) => [p.name, p.inputs.region, p.inputs.profile])).toEqual([
    ["origin-us-east-1", "us-east-1", "boot-admin"],
  ]);
  for (const c of h.records.filter((r) => r.type === "command:local:Command"))
    expect(c.inputs.environment).toMatchObject({
      AWS_PROFILE: "boot-admin",
      BOOT_STACK_BUCKET_REGION: "eu-west-1",
    });
});

test("without aws:region the program stops before any resource exists, naming the key", async () => {
  h.reset();
  const config = configFor(rawWithTempArtifacts());
  delete config["aws:region"];
  h.pulumi.runtime.setAllConfig(config, ["cloudflare:apiToken"]);
  await expect(program()).rejects.toThrow(/aws:region/);
  await h.settle();
  expect(h.records).toEqual([]);
});

test("an invalid config fails with every problem listed, before any resource exists", async () => {
  const raw = rawWithTempArtifacts();
  raw.origin.hostname = "not a host";
  raw.sites[0].network.gateway = "10.99.0.1";
  const { error } = await run(raw);
  // A RunError: Pulumi prints its message without the program's stack trace.
  expect(h.pulumi.RunError.isInstance(error)).toBe(true);
  expect(error?.message).toMatch(/origin\.hostname/);
  expect(error?.message).toMatch(/sites\[0\] "ams1"\.network\.gateway/);
  expect(h.records).toEqual([]);
});

test("an artefact whose bytes do not match its sha256 fails before any resource exists", async () => {
  const raw = rawWithTempArtifacts();
  fs.writeFileSync(temp.paths["rescue-initrd"] + ".tampered", "other bytes\n");
  raw.artifacts = {
    ...temp.artifacts,
    "rescue-initrd": {
      ...temp.artifacts["rescue-initrd"],
      source: temp.paths["rescue-initrd"] + ".tampered",
    },
  };
  const { error } = await run(raw);
  expect(error?.message).toMatch(/artifacts\.rescue-initrd\.sha256: .* has sha256 [0-9a-f]{64}, config says/);
  expect(h.records).toEqual([]);
});

describe("ipxe.codeSigning", () => {
  let pki: CodeSigningPki;
  const KEY_ENV = "BOOT_STACK_TEST_PROGRAM_SIGNING_KEY";
  beforeAll(async () => {
    pki = await makeCodeSigningPki(path.join(temp.dir, "pki"));
  });
  afterEach(() => delete process.env[KEY_ENV]);
  const signing = (certFile: string) => {
    const raw = rawWithTempArtifacts();
    raw.ipxe = {
      ...raw.ipxe,
      mode: "compile",
      codeSigning: { trust: [pki.ca.cert], certFile, keyEnv: KEY_ENV },
    };
    return raw;
  };

  test("a signature command per site, for the shared scripts and per artefact; the key reaches no input or output", async () => {
    const keyPem = fs.readFileSync(pki.signer.key, "utf8");
    process.env[KEY_ENV] = keyPem;
    const { outputs, error } = await run(signing(pki.signer.cert));
    expect(error).toBeUndefined();
    const objects = h.records.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2");
    // No `.sig` objects: the commands upload them at up (components/object-signatures.ts).
    expect(objects).toHaveLength(4 * 2 + 2 + 4 + 1);
    const commands = h.records.filter(
      (r) => r.type === "command:local:Command" && r.name.startsWith("content-sign-"),
    );
    expect(commands).toHaveLength(4 + 1 + 4); // every site, the shared scripts, every artefact
    const keyBody = keyPem.split("\n")[1];
    for (const r of h.records) expect(JSON.stringify(r.inputs)).not.toContain(keyBody);
    expect(JSON.stringify(await valueOf(h.pulumi.output(outputs)))).not.toContain(keyBody);
  });

  test("a key that is not there, or a certificate under another CA: one line naming the field, no resource", async () => {
    const { error } = await run(signing(pki.signer.cert));
    expect(error?.message).toMatch(/^ipxe\.codeSigning\.keyEnv: environment variable \S+ is not set/);
    expect(h.records).toEqual([]);
    process.env[KEY_ENV] = fs.readFileSync(pki.other.signer.key, "utf8");
    const other = await run(signing(pki.other.signer.cert));
    expect(other.error?.message).toMatch(
      /^ipxe\.codeSigning\.certFile .* was not issued by a CA in ipxe\.codeSigning\.trust/,
    );
    expect(other.error?.message).not.toContain("\n");
    expect(h.records).toEqual([]);
  });
});

describe("ipxe.secureBoot at `pulumi up`", () => {
  // Debian's test db key (passphrase-protected), as the organisation's: paths and names in config.
  const DB = "/usr/share/ovmf/PkKek-1-snakeoil";
  const withSecureBoot = () => {
    const raw = rawWithTempArtifacts();
    raw.ipxe = {
      ...raw.ipxe,
      mode: "compile",
      secureBoot: { certFile: `${DB}.pem`, keyFile: `${DB}.key`, passphraseEnv: "BS_TEST_DB_PASS" },
    };
    return raw;
  };

  test("the passphrase's variable unset: stops before any resource exists, naming the field and the fix", async () => {
    delete process.env.BS_TEST_DB_PASS;
    const { error } = await run(withSecureBoot());
    expect(h.pulumi.RunError.isInstance(error)).toBe(true);
    expect(error?.message).toBe(
      "ipxe.secureBoot.passphraseEnv: environment variable BS_TEST_DB_PASS is not set: export the key's passphrase in it",
    );
    expect(h.records).toEqual([]);
  });

  test("with it set: the image Commands carry the certificate and names, never the key or the passphrase", async () => {
    process.env.BS_TEST_DB_PASS = "snakeoil";
    try {
      const { error } = await run(withSecureBoot());
      expect(error).toBeUndefined();
    } finally {
      delete process.env.BS_TEST_DB_PASS;
    }
    const commands = h.records.filter((r) => r.type === "command:local:Command");
    expect(commands).toHaveLength(4);
    const keyLines = fs
      .readFileSync(`${DB}.key`, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("-----") && !l.includes(":"));
    for (const c of commands) {
      const env = c.inputs.environment;
      expect(JSON.parse(env.BOOT_STACK_SECURE_BOOT)).toEqual({
        certPem: fs.readFileSync(`${DB}.pem`, "utf8"),
        keyFile: `${DB}.key`,
        passphraseEnv: "BS_TEST_DB_PASS",
      });
      const stored = JSON.stringify(c.inputs);
      expect(Object.values(env)).not.toContain("snakeoil"); // the passphrase
      expect(stored).not.toMatch(/PRIVATE KEY/);
      for (const line of keyLines) expect(stored).not.toContain(line);
    }
  });
});
