// `boot-stack sign-efi`: the signed copy's sha256 printed for the stack's artefacts, the same bytes
// on a second run, and a user mistake (no passphrase for an encrypted key) as one line, exit 2.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../cli/main";
import { debian13IpxeDir } from "../../ipxe/build";
import { sha256 } from "../../ipxe/build/hash";
import { cacheDir } from "../../ipxe/build/cache";
import { OVMF_SECURE_BOOT } from "../../local/qemu/rig";

jest.setTimeout(60_000);
let tmp: string;
let out: string[];
let err: string[];
let efi: string;

beforeAll(async () => {
  efi = path.join(await debian13IpxeDir(cacheDir()), "ipxe-amd64.efi");
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-sign-efi-"));
  out = [];
  err = [];
  jest.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  process.env.SIGN_EFI_TEST_PASS = OVMF_SECURE_BOOT.passphrase;
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const args = (outFile: string, extra: string[] = ["--passphrase-env", "SIGN_EFI_TEST_PASS"]) => [
  "sign-efi",
  efi,
  "--out",
  outFile,
  "--cert",
  OVMF_SECURE_BOOT.cert,
  "--key",
  OVMF_SECURE_BOOT.key,
  ...extra,
];

test("prints the signed copy's sha256, size and signer; a second run gives the same bytes", async () => {
  expect(await main(args(path.join(tmp, "a.efi")))).toBe(0);
  expect(await main(args(path.join(tmp, "b.efi")))).toBe(0);
  const a = fs.readFileSync(path.join(tmp, "a.efi"));
  expect(a.equals(fs.readFileSync(path.join(tmp, "b.efi")))).toBe(true);
  expect(out[0]).toBe(
    `${sha256(a)}  ${a.length}  ${path.join(tmp, "a.efi")}  (signed by C=US, ST=Colorado, L=Fort Collins, O=SnakeOil)\n`,
  );
});

test("an encrypted key without --passphrase-env: one line, exit 2, nothing written", async () => {
  expect(await main(args(path.join(tmp, "c.efi"), []))).toBe(2);
  expect(err.join("")).toBe(
    `boot-stack: --key ${OVMF_SECURE_BOOT.key} is encrypted: set --passphrase-env to the name of an environment variable holding its passphrase\n`,
  );
  expect(fs.readdirSync(tmp)).toEqual([]);
});
