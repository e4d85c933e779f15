// The prebuilt mode end to end, with Debian 13's real iPXE binaries (fetched once into .cache/):
// a site's ISO has BIOS and UEFI El Torito entries, the stage-1 as the isolinux INITRD and as
// autoexec.ipxe on the EFI FAT image, the probed binaries, an isohybrid MBR + GPT for USB sticks,
// the same sha256 on every build, and a manifest that describes it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadStackFile } from "../../config/stack-file";
import { renderStage1 } from "../../ipxe/render/stage1";
import { buildSiteImage, debian13IpxeDir, SiteImageResult } from "../../ipxe/build";
import { sha256 } from "../../ipxe/build/hash";
import { cacheDir } from "../../ipxe/build/cache";
import { PROD_FILE } from "../support/prod-config";
import { elTorito, fatFiles, fatRead, isoFiles, isoRead } from "./inspect";

jest.setTimeout(180_000);

const config = loadStackFile(PROD_FILE);
const origin = { baseUrl: "https://boot.example.com" };
const ams1 = config.sites.find((s) => s.name === "ams1")!;
const stage1 = renderStage1(ams1, origin);

let tmp: string;
let first: SiteImageResult;
let debianDir: string;
const progress: string[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-image-"));
  debianDir = await debian13IpxeDir(cacheDir());
  first = await buildSiteImage({
    site: "ams1",
    stage1,
    outDir: path.join(tmp, "a"),
    onProgress: (m) => progress.push(m),
  });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("the ISO boots both ways: El Torito BIOS (isolinux) and UEFI (the EFI FAT image)", () => {
  expect(elTorito(first.isoPath)).toEqual([
    { platform: "BIOS", path: "/isolinux/isolinux.bin" },
    { platform: "UEFI", path: "/boot/efiboot.img" },
  ]);
  expect(isoFiles(first.isoPath)).toEqual([
    "/boot/efiboot.img",
    "/ipxe.lkrn",
    "/isolinux/isolinux.bin",
    "/isolinux/isolinux.cfg",
    "/isolinux/ldlinux.c32",
    "/stage1.ipxe",
  ]);
});

test("BIOS: isolinux boots Debian 13's ipxe.lkrn with the site's stage-1 as its initrd", () => {
  expect(
    isoRead(first.isoPath, "/ipxe.lkrn").equals(fs.readFileSync(path.join(debianDir, "ipxe.lkrn"))),
  ).toBe(true);
  expect(isoRead(first.isoPath, "/stage1.ipxe").toString()).toBe(stage1);
  const cfg = isoRead(first.isoPath, "/isolinux/isolinux.cfg").toString();
  expect(cfg).toMatch(/^\s*KERNEL \/ipxe\.lkrn$/m);
  expect(cfg).toMatch(/^\s*INITRD \/stage1\.ipxe$/m);
  expect(cfg).toMatch(/^TIMEOUT 0$/m);
});

test("UEFI: the FAT image holds EFI/BOOT/BOOTX64.EFI (Debian 13's ipxe-amd64.efi) and autoexec.ipxe (the stage-1)", () => {
  const fat = isoRead(first.isoPath, "/boot/efiboot.img");
  expect(fatFiles(fat)).toEqual(["EFI/BOOT/BOOTX64.EFI", "autoexec.ipxe"]);
  expect(
    fatRead(fat, "EFI/BOOT/BOOTX64.EFI").equals(fs.readFileSync(path.join(debianDir, "ipxe-amd64.efi"))),
  ).toBe(true);
  expect(fatRead(fat, "autoexec.ipxe").toString()).toBe(stage1);
});

test("it is a hybrid image: MBR boot signature and a GPT header, so it also boots from a USB stick", () => {
  const head = Buffer.alloc(1024);
  const fd = fs.openSync(first.isoPath, "r");
  fs.readSync(fd, head, 0, 1024, 0);
  fs.closeSync(fd);
  expect(head.readUInt16LE(510)).toBe(0xaa55);
  expect(head.toString("latin1", 512, 520)).toBe("EFI PART");
});

test("same inputs, same bytes: a second build elsewhere has the same sha256; another site differs", async () => {
  const again = await buildSiteImage({ site: "ams1", stage1, outDir: path.join(tmp, "b") });
  expect(again.sha256).toBe(first.sha256);
  expect(sha256(fs.readFileSync(again.isoPath))).toBe(first.sha256);
  const sgp1 = config.sites.find((s) => s.name === "sgp1")!;
  const other = await buildSiteImage({
    site: "sgp1",
    stage1: renderStage1(sgp1, origin),
    outDir: path.join(tmp, "b"),
  });
  expect(other.sha256).not.toBe(first.sha256);
});

test("the manifest next to the image says what it is", () => {
  const manifest = JSON.parse(fs.readFileSync(first.manifestPath, "utf8"));
  expect(path.dirname(first.manifestPath)).toBe(path.dirname(first.isoPath));
  expect(manifest).toMatchObject({
    site: "ams1",
    image: "ams1.iso",
    sha256: first.sha256,
    size: fs.statSync(first.isoPath).size,
    platforms: ["bios", "uefi"],
    stage1Sha256: sha256(stage1),
    volumeId: "BOOTSTACK_AMS1",
    sourceDateEpoch: 1735689600,
    ipxe: {
      mode: "prebuilt",
      embedded: false,
      version: expect.stringMatching(/^1\.21\.1\+git2025/),
      source: expect.stringMatching(/^debian13:ipxe_1\.21\.1.*_all\.deb$/),
    },
  });
  expect(
    manifest.ipxe.binaries.map((b: { platform: string; https: boolean }) => [b.platform, b.https]),
  ).toEqual([
    ["bios", true],
    ["uefi", true],
  ]);
  expect(manifest.ipxe.binaries[0].missingCommands).toContain("imgverify");
});

test("the output folder holds the image and its manifest only (no temp files left)", () => {
  expect(fs.readdirSync(path.dirname(first.isoPath)).sort()).toEqual(["ams1.iso", "ams1.iso.json"]);
});

test("one platform only: a UEFI-only image has no isolinux and a single El Torito entry", async () => {
  const r = await buildSiteImage({
    site: "ams1",
    stage1,
    outDir: path.join(tmp, "uefi"),
    platforms: ["uefi"],
  });
  expect(elTorito(r.isoPath)).toEqual([{ platform: "UEFI", path: "/boot/efiboot.img" }]);
  expect(isoFiles(r.isoPath)).toEqual(["/boot/efiboot.img", "/stage1.ipxe"]);
  expect(r.manifest.platforms).toEqual(["uefi"]);
});
