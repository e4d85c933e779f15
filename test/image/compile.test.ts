// Compile mode with a real iPXE source tree (BOOT_STACK_IPXE_SRC, a folder outside the repo; the
// project never downloads iPXE source itself here). Proves: HTTPS on for BIOS and UEFI, the
// site's stage-1 compiled into both binaries (not loaded from the medium), the user's tree left
// untouched, a second site or another CA costing a re-link, not a full build, and the same bytes
// whatever was built in between.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadStackFile } from "../../config/stack-file";
import { renderStage1 } from "../../ipxe/render/stage1";
import { buildSiteImage, IPXE_PINNED_COMMIT, SiteImageResult } from "../../ipxe/build";
import { probeBinary, readableBody } from "../../ipxe/build/probe";
import { PROD_FILE } from "../support/prod-config";
import { cacheDir } from "../../ipxe/build/cache";
import { sha256 } from "../../ipxe/build/hash";
import { makeCa } from "../../local/test-ca";
import { fatFiles, isoFiles, isoRead } from "./inspect";

const SRC = process.env.BOOT_STACK_IPXE_SRC;
if (!SRC)
  process.stdout.write(
    "skipped: compile-mode image tests need an iPXE source tree: set BOOT_STACK_IPXE_SRC=/path/to/ipxe (a checkout of https://github.com/ipxe/ipxe at the pinned commit)\n",
  );
const maybe = SRC ? describe : describe.skip;

// A full build is minutes on 2 cores (measured 130-490 s); later runs re-use the cache.
jest.setTimeout(30 * 60_000);

maybe("compile mode (BOOT_STACK_IPXE_SRC)", () => {
  const config = loadStackFile(PROD_FILE);
  const origin = { baseUrl: "https://boot.example.com" };
  const stage1 = renderStage1(
    config.sites.find((s) => s.name === "nyc2")!,
    origin,
  );
  let tmp: string;
  let r: SiteImageResult;
  let lkrn: Buffer;
  let efi: Buffer;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-compile-"));
    r = await buildSiteImage({
      site: "nyc2",
      stage1,
      mode: "compile",
      outDir: tmp,
      onProgress: (m) => process.stdout.write(`  ${m}\n`),
    });
    lkrn = isoRead(r.isoPath, "/ipxe.lkrn");
    efi = isoRead(r.isoPath, "/boot/efiboot.img");
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("the manifest records compile mode, the pinned commit and the embedded stage-1", () => {
    expect(r.manifest.ipxe).toMatchObject({
      mode: "compile",
      commit: IPXE_PINNED_COMMIT,
      embedded: true,
      version: expect.stringMatching(/\(g0ab22\)$/),
    });
  });

  test("the stage-1 is inside both binaries; the medium loads only its own medium script", async () => {
    expect((await readableBody(lkrn)).includes(Buffer.from(stage1))).toBe(true);
    const { fatRead } = await import("./inspect");
    const bootx64 = fatRead(efi, "EFI/BOOT/BOOTX64.EFI");
    expect((await readableBody(bootx64)).includes(Buffer.from(stage1))).toBe(true);
    expect(fatFiles(efi)).toEqual(["EFI/BOOT/BOOTX64.EFI"]);
    // The embedded stage-1 is not loaded from the medium: isolinux hands iPXE only the medium
    // script (local-disk's way back to the next boot device).
    expect(isoRead(r.isoPath, "/isolinux/isolinux.cfg").toString()).toMatch(/^\s*INITRD \/medium-cd\.ipxe$/m);
    expect(isoFiles(r.isoPath)).toContain("/ipxe.lkrn");
  });

  test("HTTPS is on for BIOS and UEFI, and every command the scripts may use is there", async () => {
    for (const p of r.manifest.ipxe.binaries) expect(p).toMatchObject({ https: true, missingCommands: [] });
    const lk = path.join(tmp, "probe.lkrn");
    fs.writeFileSync(lk, lkrn);
    expect((await probeBinary(lk, "bios")).features).toEqual(expect.arrayContaining(["HTTPS", "VLAN"]));
  });

  test("the user's source tree is not written to", () => {
    const bin = path.join(SRC!, "src", "bin");
    expect(fs.existsSync(bin) ? fs.readdirSync(bin).filter((f) => f !== ".gitignore") : []).toEqual([]); // upstream ships bin/.gitignore
    expect(fs.existsSync(path.join(SRC!, "src", "bin-x86_64-efi"))).toBe(false);
  });

  test("another site re-links only (seconds), and rebuilding the first site gives the same sha256", async () => {
    const sgp1 = renderStage1(
      config.sites.find((s) => s.name === "sgp1")!,
      origin,
    );
    const other = await buildSiteImage({ site: "sgp1", stage1: sgp1, mode: "compile", outDir: tmp });
    expect(other.compile!.fullBuild).toBe(false);
    const again = await buildSiteImage({
      site: "nyc2",
      stage1,
      mode: "compile",
      outDir: path.join(tmp, "again"),
    });
    expect(again.sha256).toBe(r.sha256);
  });
  test("another CA to trust rebuilds only what carries it; back to the first trust, the same bytes", async () => {
    const ca = await makeCa(path.join(tmp, "ca"), "other", "boot-stack compile test CA");
    const trusting = await buildSiteImage({
      site: "nyc2",
      stage1,
      mode: "compile",
      trust: [ca.cert],
      outDir: path.join(tmp, "trusting"),
    });
    expect(trusting.compile!.fullBuild).toBe(false);
    expect(trusting.sha256).not.toBe(r.sha256);
    // CERT= carries the CA in the binary (DER), so the image can present the chain.
    const der = Buffer.from(fs.readFileSync(ca.cert, "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64");
    const lk = isoRead(trusting.isoPath, "/ipxe.lkrn");
    expect((await readableBody(lk)).includes(der)).toBe(true);
    process.stdout.write(`  another trust list: make ${trusting.compile!.makeSeconds.toFixed(1)} s\n`);
    // Built again after the other trust, its cached binaries removed (compile.ts: out/<stage-1
    // hash>-trust-default in the build tree): byte for byte the first.
    const outs = path.join(cacheDir(), "ipxe", "build");
    const cachedFirst = fs
      .readdirSync(outs)
      .map((tree) => path.join(outs, tree, "out", `${sha256(stage1).slice(0, 20)}-trust-default`))
      .filter((d) => fs.existsSync(d));
    expect(cachedFirst).toHaveLength(1);
    fs.rmSync(cachedFirst[0], { recursive: true, force: true });
    const back = await buildSiteImage({
      site: "nyc2",
      stage1,
      mode: "compile",
      outDir: path.join(tmp, "back"),
    });
    expect(back.compile!.makeSeconds).toBeGreaterThan(0);
    expect(back.sha256).toBe(r.sha256);
  });
});
