// The prebuilt mode end to end, with Debian 13's real iPXE binaries (fetched once into .cache/):
// a site's ISO has BIOS and UEFI El Torito entries, the stage-1 as the isolinux INITRD and as
// autoexec.ipxe on the EFI FAT image, the probed binaries, a USB stick's own boot path (usb.ts),
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
import { MBR_CODE, USB_PARTITION } from "../../ipxe/build/usb";
import { mediumScript } from "../../ipxe/render/medium";
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
    "/medium-cd.ipxe",
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
  // The CD's medium script first (ipxe/render/medium.ts): SYSLINUX concatenates the two.
  expect(cfg).toMatch(/^\s*INITRD \/medium-cd\.ipxe,\/stage1\.ipxe$/m);
  expect(isoRead(first.isoPath, "/medium-cd.ipxe").toString()).toBe(mediumScript("cd"));
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

test("a USB stick boots its own path: mbr.bin, then SYSLINUX on the appended partition with the disk medium", () => {
  const iso = fs.readFileSync(first.isoPath);
  expect(iso.readUInt16LE(510)).toBe(0xaa55);
  expect(iso.subarray(0, 440).equals(fs.readFileSync(MBR_CODE).subarray(0, 440))).toBe(true);
  const entry = 446 + 16 * (USB_PARTITION - 1);
  expect(iso[entry]).toBe(0x80); // the active partition
  expect(iso[entry + 4]).toBe(0xef); // an EFI system partition too (UEFI from a stick)
  const start = iso.readUInt32LE(entry + 8);
  const fat = iso.subarray(start * 512, (start + iso.readUInt32LE(entry + 12)) * 512);
  expect(fat.readUInt32LE(0x1c)).toBe(start); // the BPB knows where it starts
  expect(fatFiles(fat)).toEqual(
    expect.arrayContaining(["EFI/BOOT/BOOTX64.EFI", "autoexec.ipxe", "ipxe.lkrn", "syslinux.cfg"]),
  );
  // SYSLINUX installed (its files are hidden, so mdir does not list them).
  expect(fatRead(fat, "ldlinux.sys").length).toBeGreaterThan(0);
  expect(fatRead(fat, "ldlinux.c32").length).toBeGreaterThan(0);
  expect(fatRead(fat, "syslinux.cfg").toString()).toMatch(/^\s*INITRD \/medium-disk\.ipxe,\/stage1\.ipxe$/m);
  expect(fatRead(fat, "medium-disk.ipxe").toString()).toBe(mediumScript("disk"));
  expect(fatRead(fat, "stage1.ipxe").toString()).toBe(stage1);
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
