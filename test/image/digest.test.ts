// What each kind of change touches, as the image digests of the example stack's sites say (the
// digest is each image's trigger, so "changed digest" = "that image is rebuilt and re-uploaded"):
// | change                                             | images touched |
// | stage-2 only (menu, entries, arguments, artefacts) | none           |
// | one site's stage-1 (mode, gateway, DNS, VLAN, ...) | that site's    |
// | add a site                                         | that site's    |
// | iPXE version, build headers, trust, platforms, ... | every site's   |
// | another checkout path, a moved file, same content  | none           |
import { createHash, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfig } from "../../config/schema";
import { validateStackConfig } from "../../config/validate";
import type * as DigestModule from "../../ipxe/build/digest";
import { imageInputs, imageInputsDigest, imageOptionsFor } from "../../ipxe/build";
import { DEBIAN13_IPXE } from "../../ipxe/build/pin";
import { originRefFor } from "../../ipxe/render/origin-ref";
import { renderStage1 } from "../../ipxe/render/stage1";
import { prodRaw } from "../support/prod-config";
import { makeCa } from "../../local/test-ca";

type Raw = ReturnType<typeof prodRaw>;
/** The example stack in prebuilt mode (the example itself compiles; each test says which it uses). */
const prebuilt = (): Raw => {
  const raw = prodRaw();
  raw.ipxe = { mode: "prebuilt" };
  return raw;
};

let tmp: string;
let otherDbCert: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-digest-"));
  // Two real db certificates (the digest names a certificate by its DER sha256).
  const keys = path.join(tmp, "keys");
  fs.mkdirSync(keys);
  fs.copyFileSync((await makeCa(keys, "db", "db 2026")).cert, path.join(keys, "db.pem"));
  otherDbCert = (await makeCa(keys, "db-next", "db 2027")).cert;
  fs.mkdirSync(path.join(tmp, "a", "certs"), { recursive: true });
  fs.mkdirSync(path.join(tmp, "a", "bin"), { recursive: true });
  fs.writeFileSync(
    path.join(tmp, "a", "certs", "ca.pem"),
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  );
  fs.writeFileSync(path.join(tmp, "a", "bin", "ipxe.lkrn"), "bios binary");
  fs.writeFileSync(path.join(tmp, "a", "bin", "ipxe-amd64.efi"), "uefi binary");
  fs.copyFileSync(path.join(keys, "db.pem"), path.join(tmp, "a", "certs", "db.pem"));
  fs.writeFileSync(
    path.join(tmp, "a", "certs", "code-ca.pem"),
    "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n",
  );
  fs.cpSync(path.join(tmp, "a"), path.join(tmp, "b"), { recursive: true });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Each site's digest, computed with the given digest function (default: the real one). */
function digests(
  raw: Raw,
  projectDir = path.join(tmp, "a"),
  digestOf: typeof imageInputsDigest = imageInputsDigest,
): Record<string, string> {
  const config: StackConfig = validateStackConfig(raw, "test");
  const origin = originRefFor(config.origin);
  return Object.fromEntries(
    config.sites.map((s) => [
      s.name,
      digestOf(
        imageOptionsFor(config, s.name, renderStage1(s, origin), { projectDir, baseUrl: origin.baseUrl }),
      ),
    ]),
  );
}

/** Sites whose digest differs. */
function touched(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after)
    .filter((site) => before[site] !== after[site])
    .sort();
}

const ALL = ["ams1", "fra-lab", "nyc2", "sgp1"];
const edit = (change: (raw: Raw) => void, base: () => Raw = prebuilt): Raw => {
  const raw = base();
  change(raw);
  return raw;
};
const site = (raw: Raw, name: string) => raw.sites.find((s: { name: string }) => s.name === name);
const compileRaw = () =>
  edit((r) => (r.ipxe = { mode: "compile", trust: ["certs/ca.pem"], platforms: ["bios", "uefi"] }));
/** Compile mode with Secure Boot and code signing, the keys outside the project. */
const signedRaw = () =>
  edit((r) => {
    r.ipxe = {
      mode: "compile",
      trust: ["certs/ca.pem"],
      secureBoot: { certFile: "certs/db.pem", keyFile: "/secure/db.key", passphraseEnv: "DB_PASS" },
      codeSigning: { trust: ["certs/code-ca.pem"], certFile: "certs/cs.pem", keyEnv: "CS_KEY" },
    };
  });
const prebuiltDirRaw = () => edit((r) => (r.ipxe = { mode: "prebuilt", prebuiltDir: "bin" }));

describe("stage-2 only: no image", () => {
  test.each<[string, (raw: Raw) => void]>([
    ["menu timeout", (r) => (site(r, "ams1").menu.timeoutSeconds = 99)],
    ["entry label", (r) => (site(r, "nyc2").menu.entries[0].label = "Disk")],
    ["kernel arguments", (r) => site(r, "ams1").menu.entries[0].args.push("quiet")],
    ["menu default", (r) => (site(r, "fra-lab").menu.default = "disk")],
    ["an artefact's bytes", (r) => (r.artifacts["debian12-initrd"].sha256 = "f".repeat(64))],
  ])("%s", (_, change) => {
    expect(touched(digests(prebuilt()), digests(edit(change)))).toEqual([]);
  });
});

describe("one site's stage-1: that site's image only", () => {
  test.each<[string, (raw: Raw) => void, string]>([
    ["gateway", (r) => (site(r, "ams1").network.gateway = "10.20.0.254"), "ams1"],
    ["DNS", (r) => (site(r, "nyc2").network.dns = ["172.16.120.54"]), "nyc2"],
    ["DHCP timeout", (r) => (site(r, "sgp1").network.dhcpTimeoutSeconds = 20), "sgp1"],
    ["VLAN", (r) => (site(r, "nyc2").network.vlan = 121), "nyc2"],
    [
      "mode",
      (r) =>
        (site(r, "fra-lab").network = {
          mode: "static",
          subnet: "10.9.0.0/24",
          gateway: "10.9.0.1",
          address: "10.9.0.5",
        }),
      "fra-lab",
    ],
  ])("%s", (_, change, only) => {
    expect(touched(digests(prebuilt()), digests(edit(change)))).toEqual([only]);
  });

  test("adding a site adds its digest and changes no other", () => {
    const before = digests(prebuilt());
    const after = digests(edit((r) => r.sites.push({ ...structuredClone(site(r, "nyc2")), name: "lis1" })));
    expect(Object.keys(after).filter((s) => !(s in before))).toEqual(["lis1"]);
    expect(touched(before, after)).toEqual(["lis1"]);
  });
});

describe("what every image is made of: every image", () => {
  test.each<[string, () => Raw, (raw: Raw) => void]>([
    ["platforms", prebuilt, (r) => (r.ipxe = { platforms: ["uefi"] })],
    ["mode", prebuilt, (r) => (r.ipxe = { mode: "compile" })],
    [
      "prebuiltDir binaries",
      prebuiltDirRaw,
      () => fs.appendFileSync(path.join(tmp, "a", "bin", "ipxe.lkrn"), "!"),
    ],
    ["compile: iPXE commit", compileRaw, (r) => (r.ipxe.ref = "1".repeat(40))],
    ["compile: embed", compileRaw, (r) => (r.ipxe.embed = false)],
    ["Secure Boot turned on", compileRaw, (r) => (r.ipxe.secureBoot = signedRaw().ipxe.secureBoot)],
    [
      "Secure Boot: a new db certificate",
      signedRaw,
      () => fs.copyFileSync(otherDbCert, path.join(tmp, "a", "certs", "db.pem")),
    ],
    ["code signing turned on", compileRaw, (r) => (r.ipxe.codeSigning = signedRaw().ipxe.codeSigning)],
    [
      "code signing: the CA file's contents",
      signedRaw,
      () => fs.appendFileSync(path.join(tmp, "a", "certs", "code-ca.pem"), "\n"),
    ],
    [
      "compile: trust file contents",
      compileRaw,
      () => fs.appendFileSync(path.join(tmp, "a", "certs", "ca.pem"), "\n"),
    ],
  ])("%s", (_, base, change) => {
    const before = digests(base());
    expect(touched(before, digests(edit(change, base)))).toEqual(ALL);
  });

  test("the pinned Debian iPXE package (version and sha256)", () => {
    const before = digests(prebuilt());
    let after: Record<string, string> = {};
    jest.isolateModules(() => {
      jest.doMock("../../ipxe/build/pin", () => ({
        ...jest.requireActual("../../ipxe/build/pin"),
        DEBIAN13_IPXE: { ...DEBIAN13_IPXE, version: "1.21.2-1", sha256: "e".repeat(64) },
      }));
      const { imageInputsDigest: other } = require("../../ipxe/build/digest") as typeof DigestModule;
      after = digests(prebuilt(), undefined, other);
    });
    expect(touched(before, after)).toEqual(ALL);
  });

  test("compile: a committed build header", () => {
    const before = digests(compileRaw());
    let after: Record<string, string> = {};
    jest.isolateModules(() => {
      const actual = jest.requireActual("../../ipxe/build/compile");
      jest.doMock("../../ipxe/build/compile", () => ({
        ...actual,
        readHeaders: () =>
          actual
            .readHeaders()
            .map((h: { name: string; text: string }) => ({ ...h, text: `${h.text}\n#define X 1\n` })),
      }));
      const { imageInputsDigest: other } = require("../../ipxe/build/digest") as typeof DigestModule;
      after = digests(compileRaw(), undefined, other);
    });
    expect(touched(before, after)).toEqual(ALL);
  });
});

describe("key material: no image", () => {
  test.each<[string, (raw: Raw) => void]>([
    ["the db key file's path", (r) => (r.ipxe.secureBoot.keyFile = "/elsewhere/db.key")],
    [
      "the db key from a variable instead",
      (r) => (r.ipxe.secureBoot = { certFile: "certs/db.pem", keyEnv: "DB_KEY" }),
    ],
    ["the passphrase variable's name", (r) => (r.ipxe.secureBoot.passphraseEnv = "OTHER_PASS")],
    [
      "the code-signing leaf and its key",
      (r) => Object.assign(r.ipxe.codeSigning, { certFile: "x.pem", keyEnv: "K2" }),
    ],
  ])("%s", (_, change) => {
    // Neither key is read to compute the digest: neither exists here.
    expect(touched(digests(signedRaw()), digests(edit(change, signedRaw)))).toEqual([]);
  });

  test("the inputs name the db certificate by its DER sha256, and nothing of a key", () => {
    const config = validateStackConfig(signedRaw(), "test");
    const origin = originRefFor(config.origin);
    const s = config.sites[0];
    const lines = imageInputs(
      imageOptionsFor(config, s.name, renderStage1(s, origin), {
        projectDir: path.join(tmp, "b"),
        baseUrl: origin.baseUrl,
      }),
    );
    const der = new X509Certificate(fs.readFileSync(path.join(tmp, "b", "certs", "db.pem"))).raw;
    expect(lines).toContain(`secure-boot ${createHash("sha256").update(der).digest("hex")}`);
    expect(lines.filter((l) => l.startsWith("code-signing-trust "))).toHaveLength(1);
    expect(lines.join("\n")).not.toMatch(/db\.key|DB_PASS|CS_KEY|DB_KEY|cs\.pem|\/secure/);
  });
});

describe("where things are: no image", () => {
  test("another checkout path (relative config paths, the same files)", () => {
    fs.cpSync(path.join(tmp, "b"), path.join(tmp, "c"), { recursive: true });
    for (const base of [compileRaw, prebuiltDirRaw])
      expect(digests(base(), path.join(tmp, "c"))).toEqual(digests(base(), path.join(tmp, "b")));
  });

  test("a runner's SOURCE_DATE_EPOCH is an input when no epoch is fixed (the component fixes it)", () => {
    const before = digests(prebuilt());
    process.env.SOURCE_DATE_EPOCH = "1600000000";
    try {
      expect(touched(before, digests(prebuilt()))).toEqual(ALL);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
  });

  test("the inputs name no path, and name the iPXE by content", () => {
    const config = validateStackConfig(compileRaw(), "test");
    const origin = originRefFor(config.origin);
    const s = config.sites[0];
    const lines = imageInputs(
      imageOptionsFor(config, s.name, renderStage1(s, origin), {
        projectDir: path.join(tmp, "a"),
        baseUrl: origin.baseUrl,
      }),
    );
    for (const line of lines) expect(line).not.toContain(tmp);
    expect(lines.filter((l) => /^(ipxe|header|trust|embed) /.test(l)).map((l) => l.split(" ")[0])).toEqual([
      "ipxe",
      "embed",
      "header",
      "header",
      "trust",
    ]);
    const prebuiltLines = imageInputs(
      imageOptionsFor(validateStackConfig(prebuilt(), "t"), s.name, renderStage1(s, origin), {
        projectDir: tmp,
        baseUrl: origin.baseUrl,
      }),
    );
    expect(prebuiltLines).toContain(`ipxe debian13 ${DEBIAN13_IPXE.version} ${DEBIAN13_IPXE.sha256}`);
  });
});

describe("bad input: one line naming the field, before anything is built", () => {
  test("a prebuiltDir that is not there", () => {
    const raw = edit((r) => (r.ipxe = { mode: "prebuilt", prebuiltDir: "no-such-dir" }));
    expect(() => digests(raw)).toThrow(
      /^ipxe\.prebuiltDir .*no-such-dir is not a readable folder: point it at/,
    );
  });

  test("a prebuiltDir without the binary a platform needs", () => {
    fs.mkdirSync(path.join(tmp, "a", "empty"), { recursive: true });
    const raw = edit((r) => (r.ipxe = { mode: "prebuilt", prebuiltDir: "empty", platforms: ["uefi"] }));
    expect(() => digests(raw)).toThrow(
      /^ipxe\.prebuiltDir .*empty has no UEFI binary \(looked for ipxe-amd64\.efi/,
    );
  });

  test("a db certificate that cannot be read, or is not one", () => {
    const raw = edit(
      (r) => (r.ipxe = { mode: "compile", secureBoot: { certFile: "certs/nope.pem", keyEnv: "K" } }),
    );
    expect(() => digests(raw)).toThrow(
      /^ipxe\.secureBoot\.certFile .*certs\/nope\.pem cannot be read \(ENOENT\): fix the path/,
    );
    const notCert = edit(
      (r) => (r.ipxe = { mode: "compile", secureBoot: { certFile: "certs/ca.pem", keyEnv: "K" } }),
    );
    expect(() => digests(notCert)).toThrow(
      /^ipxe\.secureBoot\.certFile .*certs\/ca\.pem is not a PEM certificate/,
    );
  });

  test("a code-signing CA file that cannot be read", () => {
    const raw = edit(
      (r) =>
        (r.ipxe = {
          mode: "compile",
          codeSigning: { trust: ["certs/gone.pem"], certFile: "c", keyEnv: "K" },
        }),
    );
    expect(() => digests(raw)).toThrow(
      /^ipxe\.codeSigning\.trust\[0\] .*certs\/gone\.pem cannot be read \(ENOENT\)/,
    );
  });

  test("a trust file that cannot be read", () => {
    const raw = edit((r) => (r.ipxe = { mode: "compile", trust: ["certs/missing.pem"] }));
    expect(() => digests(raw)).toThrow(
      /^ipxe\.trust\[0\] .*certs\/missing\.pem cannot be read \(ENOENT\): fix the path/,
    );
  });
});
