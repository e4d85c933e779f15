// The artefact resolver's Debian-package source: the file comes out of the package's .deb, is
// checked against its sha256, and only verified bytes are cached (content-addressed). A .deb
// already in the cache is used without the network; the archive itself is asked for the
// example's pinned package and for a version the suite does not list.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ArtifactConfig, DebianPackageSource } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { sha256 } from "../../ipxe/build/hash";
import { ArtifactStore, resolveArtifact, resolveArtifacts } from "../../origin/artifacts";
import { PROD_FILE } from "../support/prod-config";

jest.setTimeout(180_000);

let tmp: string;
let store: ArtifactStore;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-artifacts-"));
  store = { projectDir: tmp, cacheDir: path.join(tmp, "cache") };
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const KERNEL = Buffer.from("a kernel, packaged\n");
const INITRD = Buffer.from("an initrd, packaged\n");

/** A real .deb (dpkg-deb --build) holding two files, put where a fetched one would be cached. */
function cachedFakePackage(): { source: (file: string) => DebianPackageSource; debSha256: string } {
  const root = path.join(tmp, "pkgroot");
  fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
  fs.mkdirSync(path.join(root, "usr/lib/fake"), { recursive: true });
  fs.writeFileSync(
    path.join(root, "DEBIAN/control"),
    "Package: fake-netboot\nVersion: 1.0+deb12u1\nArchitecture: all\nMaintainer: t <t@example.com>\nDescription: test\n",
  );
  fs.writeFileSync(path.join(root, "usr/lib/fake/linux"), KERNEL);
  fs.writeFileSync(path.join(root, "usr/lib/fake/initrd.gz"), INITRD);
  const debDir = path.join(store.cacheDir, "debian");
  fs.mkdirSync(debDir, { recursive: true });
  const deb = path.join(debDir, "fake-netboot_1.0+deb12u1_all.deb");
  execFileSync("dpkg-deb", ["--build", "--root-owner-group", root, deb], { stdio: "ignore" });
  return {
    debSha256: sha256(fs.readFileSync(deb)),
    source: (file) => ({ debianPackage: "fake-netboot", version: "1.0+deb12u1", suite: "bookworm", file }),
  };
}

test("files of a cached package: extracted, verified, cached by sha256; no network", async () => {
  const fake = cachedFakePackage();
  const artifacts: Record<string, ArtifactConfig> = {
    linux: {
      source: { ...fake.source("usr/lib/fake/linux"), debSha256: fake.debSha256 },
      sha256: sha256(KERNEL),
    },
    initrd: { source: fake.source("usr/lib/fake/initrd.gz"), sha256: sha256(INITRD) },
  };
  const files = await resolveArtifacts(artifacts, store);
  expect(files.linux).toBe(path.join(store.cacheDir, sha256(KERNEL), "linux"));
  expect(fs.readFileSync(files.linux)).toEqual(KERNEL);
  expect(fs.readFileSync(files.initrd)).toEqual(INITRD);
  // The cache holds the two verified files and the package, nothing half-written.
  expect(fs.readdirSync(store.cacheDir).sort()).toEqual([sha256(INITRD), sha256(KERNEL), "debian"].sort());
  expect(fs.readdirSync(path.join(store.cacheDir, sha256(KERNEL)))).toEqual(["linux"]);
});

test("a sha256 that does not match names the field and the package file, and caches nothing", async () => {
  const fake = cachedFakePackage();
  const wrong = "0".repeat(64);
  await expect(
    resolveArtifact("linux", { source: fake.source("usr/lib/fake/linux"), sha256: wrong }, store),
  ).rejects.toThrow(
    `artifacts.linux.sha256: usr/lib/fake/linux of Debian package fake-netboot 1.0+deb12u1 (bookworm, `,
  );
  expect(fs.readdirSync(path.join(store.cacheDir, wrong))).toEqual([]);
});

test("a file the package does not hold is named as source.file", async () => {
  const fake = cachedFakePackage();
  await expect(
    resolveArtifact("linux", { source: fake.source("usr/lib/fake/vmlinuz"), sha256: sha256(KERNEL) }, store),
  ).rejects.toThrow(
    /^artifacts\.linux\.source\.file: fake-netboot_1\.0\+deb12u1_all\.deb has no file usr\/lib\/fake\/vmlinuz .*; name a file the package holds$/,
  );
});

test("a local file that is not there says so, and why CI cares", async () => {
  await expect(
    resolveArtifact("rescue", { source: "artifacts/rescue/vmlinuz", sha256: "a".repeat(64) }, store),
  ).rejects.toThrow(
    /^artifacts\.rescue\.source: file .*artifacts\/rescue\/vmlinuz does not exist; .*CI runner/,
  );
});

describe("from Debian's archive (this machine reaches deb.debian.org through apt)", () => {
  // The example stack's pinned installer kernel, altered one field at a time.
  const pinned = loadStackFile(PROD_FILE).artifacts["debian12-linux"].source as DebianPackageSource;

  test("a version the suite no longer lists: source.version, and how to pin or freeze", async () => {
    const source: DebianPackageSource = { ...pinned, version: "20230607+deb12u1", debSha256: undefined };
    await expect(resolveArtifact("linux", { source, sha256: "a".repeat(64) }, store)).rejects.toThrow(
      /^artifacts\.linux\.source\.version: debian-installer-12-netboot-amd64 version 20230607\+deb12u1 is not in bookworm at \S+ \(E: Version '20230607\+deb12u1' for 'debian-installer-12-netboot-amd64' was not found\); a suite lists only its newest version: pin the current one .*snapshot\.debian\.org/,
    );
  });

  test("a .deb whose sha256 differs from debSha256 is refused and not kept", async () => {
    const source: DebianPackageSource = { ...pinned, debSha256: "b".repeat(64) };
    await expect(resolveArtifact("linux", { source, sha256: "a".repeat(64) }, store)).rejects.toThrow(
      /^artifacts\.linux\.source\.debSha256: debian-installer-12-netboot-amd64_20230607\+deb12u15_all\.deb has sha256 499e4609976bfd47c1b3025382fb5dddeb023350921142b919c89c4d24bd7f9b, config says b{64}/,
    );
    expect(fs.readdirSync(path.join(store.cacheDir, "debian"))).toEqual([]);
  });
});
