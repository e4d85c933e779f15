// Secure Boot fixtures for the boot tests: the rig's enrolled test key as the organisation's db
// key, and the test OS kernel in two forms that differ only in their signature: with none
// (Debian's own removed with sbattach), and signed with the test key. Built into the cache once.
import * as fs from "node:fs";
import * as path from "node:path";
import { SecureBootOptions } from "../ipxe/build";
import { sha256File } from "../ipxe/build/hash";
import { DEFAULT_SOURCE_DATE_EPOCH } from "../ipxe/build/plan";
import { signEfiBinary } from "../ipxe/sign/efi";
import { loadSigner } from "../ipxe/sign/signer";
import { cacheDir } from "../ipxe/build/cache";
import { runTool } from "./proc";
import { OVMF_SECURE_BOOT } from "./qemu/rig";
import { TestOs } from "./testos";

/** The environment variable that carries the test key's passphrase (as a CI secret would). */
export const TEST_DB_PASSPHRASE_ENV = "BOOT_STACK_TEST_DB_KEY_PASSPHRASE";

/** The rig's enrolled key, as builder options: paths and a variable name, like a real stack's. */
export function testDbKey(): SecureBootOptions {
  process.env[TEST_DB_PASSPHRASE_ENV] = OVMF_SECURE_BOOT.passphrase;
  return {
    certFile: OVMF_SECURE_BOOT.cert,
    keyFile: OVMF_SECURE_BOOT.key,
    passphraseEnv: TEST_DB_PASSPHRASE_ENV,
  };
}

export type Kernel = TestOs["kernel"];

export async function testOsKernels(os: TestOs): Promise<{ unsigned: Kernel; signed: Kernel }> {
  const dir = path.join(cacheDir(), "testos", "secure-boot", os.kernel.sha256.slice(0, 16));
  const unsigned = path.join(dir, "vmlinuz.unsigned");
  const signed = path.join(dir, "vmlinuz.signed");
  if (!fs.existsSync(unsigned)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${unsigned}.tmp-${process.pid}`;
    fs.copyFileSync(os.kernel.path, tmp);
    await runTool("sbattach", ["--remove", tmp]);
    fs.renameSync(tmp, unsigned);
  }
  if (!fs.existsSync(signed))
    await signEfiBinary(unsigned, signed, loadSigner(testDbKey(), "test db key"), DEFAULT_SOURCE_DATE_EPOCH);
  const at = async (file: string): Promise<Kernel> => ({ path: file, sha256: await sha256File(file) });
  return { unsigned: await at(unsigned), signed: await at(signed) };
}

/**
 * The EFI status inside an iPXE error code from a UEFI build, for the two a Secure Boot refusal
 * gives (builds without error texts print only the code, e.g. "Error 0x7f04818f"). iPXE keeps the
 * EFI status's low 7 bits and its error bit in the code's low byte (ipxe src/include/ipxe/errno/efi.h).
 */
export function secureBootRefusal(
  ipxeError: number,
): "EFI_ACCESS_DENIED" | "EFI_SECURITY_VIOLATION" | undefined {
  const platform = ipxeError & 0xff;
  if (platform === (0x80 | 15)) return "EFI_ACCESS_DENIED";
  if (platform === (0x80 | 26)) return "EFI_SECURITY_VIOLATION";
  return undefined;
}
