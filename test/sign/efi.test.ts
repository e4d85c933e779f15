// sbsign under faketime: the signed binary verifies against the certificate, carries signingTime
// = SOURCE_DATE_EPOCH, and is byte-identical across runs (plain sbsign is not: it stamps the
// current time). The consumer (OVMF with Secure Boot enforced) is test/boot/secure-boot.test.ts.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { efiSigners, faketimeSpec, isPeImage, signEfiBinary } from "../../ipxe/sign/efi";
import { SigningError } from "../../ipxe/sign/errors";
import { loadSigner, Signer } from "../../ipxe/sign/signer";
import { debian13IpxeDir } from "../../ipxe/build";
import { runOk } from "../../ipxe/build/tools";
import { cacheDir } from "../../ipxe/build/cache";
import { OVMF_SECURE_BOOT } from "../../local/qemu/rig";

jest.setTimeout(120_000);
let dir: string;
let efi: string;
let signer: Signer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "efi-sign-"));
  efi = path.join(await debian13IpxeDir(cacheDir()), "ipxe-amd64.efi");
  process.env.EFI_TEST_PASS = OVMF_SECURE_BOOT.passphrase;
  signer = loadSigner(
    { certFile: OVMF_SECURE_BOOT.cert, keyFile: OVMF_SECURE_BOOT.key, passphraseEnv: "EFI_TEST_PASS" },
    "test",
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("faketimeSpec freezes the clock at the epoch, in UTC", () => {
  expect(faketimeSpec(1735689600)).toBe("2025-01-01 00:00:00");
});

test("same input, key and epoch: the same signed bytes, and they verify", async () => {
  const a = await signEfiBinary(efi, path.join(dir, "a.efi"), signer, 1735689600);
  await new Promise((r) => setTimeout(r, 1100)); // a real clock would now be a second later
  const b = await signEfiBinary(efi, path.join(dir, "b.efi"), signer, 1735689600);
  expect(a.sha256).toBe(b.sha256);
  expect(fs.readFileSync(path.join(dir, "a.efi")).equals(fs.readFileSync(path.join(dir, "b.efi")))).toBe(
    true,
  );
  expect(await efiSigners(efi)).toEqual([]);
  expect(await efiSigners(path.join(dir, "a.efi"))).toEqual(["/C=US/ST=Colorado/L=Fort Collins/O=SnakeOil"]);
  // The signature's signingTime is the epoch (openssl prints UTCTIME as YYMMDDhhmmssZ).
  await runOk("sbattach", ["--detach", path.join(dir, "a.sig"), path.join(dir, "a.efi")]);
  const asn1 = await runOk("openssl", ["asn1parse", "-inform", "DER", "-in", path.join(dir, "a.sig")]);
  expect(asn1.stdout.toString()).toMatch(/signingTime\n.*\n.*UTCTIME\s+:250101000000Z/);
});

test("another epoch gives other bytes (the time is really in the signature)", async () => {
  const a = await signEfiBinary(efi, path.join(dir, "c.efi"), signer, 1735689600);
  const b = await signEfiBinary(efi, path.join(dir, "d.efi"), signer, 1735689601);
  expect(a.sha256).not.toBe(b.sha256);
});

test("a file that is not an EFI binary is refused before sbsign runs", async () => {
  const script = path.join(dir, "stage1.ipxe");
  fs.writeFileSync(script, "#!ipxe\n");
  expect(isPeImage(fs.readFileSync(script))).toBe(false);
  await expect(signEfiBinary(script, path.join(dir, "x.efi"), signer, 0)).rejects.toThrow(
    new SigningError(
      `${script} is not an EFI binary (PE/COFF): only EFI images (iPXE's .efi, a kernel's bzImage with its EFI stub) can carry a Secure Boot signature`,
    ),
  );
  expect(fs.existsSync(path.join(dir, "x.efi"))).toBe(false);
});
