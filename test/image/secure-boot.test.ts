// The builder's Secure Boot and code-signing options, without booting (the boots are in
// test/boot/secure-boot.test.ts and test/boot/signed-script.test.ts): the UEFI binary in the image
// is the signed one and the manifest says by whom, two builds give the same image sha256, and
// impossible or incomplete requests are refused before anything is written.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSiteImage, ImageBuildError } from "../../ipxe/build";
import { withCodeSigningTrust } from "../../ipxe/build/code-signing";
import { sha256 } from "../../ipxe/build/hash";
import { efiSigners } from "../../ipxe/sign/efi";
import { testDbKey } from "../../local/secure-boot";
import { fatRead, isoRead } from "./inspect";

jest.setTimeout(120_000);
const STAGE1 = "#!ipxe\nset bs_base http://10.0.2.100\necho hello\n";
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-sb-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const build = (out: string, extra: Partial<Parameters<typeof buildSiteImage>[0]> = {}) =>
  buildSiteImage({ site: "sb1", stage1: STAGE1, outDir: path.join(dir, out), platforms: ["uefi"], ...extra });

test("prebuilt + secureBoot: the ISO's BOOTX64.EFI is signed by the db key, reproducibly", async () => {
  const a = await build("a", { secureBoot: testDbKey() });
  const b = await build("b", { secureBoot: testDbKey() });
  const plain = await build("plain");
  expect(a.sha256).toBe(b.sha256);
  expect(a.sha256).not.toBe(plain.sha256);
  expect(a.manifest.ipxe.secureBoot).toEqual({
    signer: "C=US, ST=Colorado, L=Fort Collins, O=SnakeOil",
    certSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
  expect(plain.manifest.ipxe.secureBoot).toBeUndefined();
  // The binary on the medium is the one the manifest names, and it carries the signature.
  const efi = path.join(dir, "BOOTX64.EFI");
  fs.writeFileSync(efi, fatRead(isoRead(a.isoPath, "/boot/efiboot.img"), "EFI/BOOT/BOOTX64.EFI"));
  expect(sha256(fs.readFileSync(efi))).toBe(a.manifest.ipxe.binaries[0].sha256);
  expect(await efiSigners(efi)).toEqual(["/C=US/ST=Colorado/L=Fort Collins/O=SnakeOil"]);
});

test("secureBoot without the UEFI platform is refused", async () => {
  await expect(build("bios", { platforms: ["bios"], secureBoot: testDbKey() })).rejects.toThrow(
    new ImageBuildError(
      "site sb1: ipxe.secureBoot signs the UEFI binary, but platforms are bios: add uefi, or drop secureBoot",
    ),
  );
});

test("a secureBoot key that cannot be used fails the build with the signer's message, and writes nothing", async () => {
  const out = path.join(dir, "nokey");
  await expect(
    build("nokey", { secureBoot: { ...testDbKey(), passphraseEnv: "BOOT_STACK_TEST_UNSET_PASSPHRASE" } }),
  ).rejects.toThrow(
    /ipxe\.secureBoot\.passphraseEnv: environment variable BOOT_STACK_TEST_UNSET_PASSPHRASE is not set/,
  );
  expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
});

test("codeSigningTrust: prebuilt refused with the reason; compile adds the CA to TRUST once", () => {
  expect(() => withCodeSigningTrust("prebuilt", undefined, ["/ca.pem"])).toThrow(
    /needs mode compile: .* Debian's prebuilt iPXE has no imgverify or imgtrust/,
  );
  expect(withCodeSigningTrust("prebuilt", undefined, undefined)).toBeUndefined();
  expect(withCodeSigningTrust("compile", ["/amazon1.pem"], ["/ca.pem"])).toEqual(["/amazon1.pem", "/ca.pem"]);
  expect(withCodeSigningTrust("compile", ["/ca.pem"], ["/ca.pem"])).toEqual(["/ca.pem"]);
  expect(withCodeSigningTrust("compile", undefined, [])).toBeUndefined();
});
