// loadSigner: every way the key and certificate can be wrong gets one line naming the field and
// the fix, before anything is signed; and the key never appears in a message.
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSigner, SignerSource } from "../../ipxe/sign/signer";
import { SigningError } from "../../ipxe/sign/errors";
import { OVMF_SECURE_BOOT } from "../../local/qemu/rig";

const F = "ipxe.secureBoot";
let dir: string;
const PASS_ENV = "SIGNER_TEST_PASSPHRASE";
const KEY_ENV = "SIGNER_TEST_KEY";
const snakeoil: SignerSource = {
  certFile: OVMF_SECURE_BOOT.cert,
  keyFile: OVMF_SECURE_BOOT.key,
  passphraseEnv: PASS_ENV,
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "signer-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  process.env[PASS_ENV] = OVMF_SECURE_BOOT.passphrase;
  delete process.env[KEY_ENV];
});

function refused(src: SignerSource): string {
  try {
    loadSigner(src, F);
  } catch (e) {
    expect(e).toBeInstanceOf(SigningError);
    return (e as Error).message;
  }
  throw new Error("loadSigner accepted it");
}

test("the rig's encrypted test key with its passphrase from the environment", () => {
  const s = loadSigner(snakeoil, F);
  expect(s.subject).toBe("C=US, ST=Colorado, L=Fort Collins, O=SnakeOil");
  expect(s.certSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(s.keyPem.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
});

test("the key from an environment variable (a CI secret) works like a file", () => {
  process.env[KEY_ENV] = fs.readFileSync(OVMF_SECURE_BOOT.key, "utf8");
  const s = loadSigner({ certFile: OVMF_SECURE_BOOT.cert, keyEnv: KEY_ENV, passphraseEnv: PASS_ENV }, F);
  expect(s.certSha256).toBe(loadSigner(snakeoil, F).certSha256);
});

test.each<[string, () => SignerSource, RegExp]>([
  [
    "unreadable certificate",
    () => ({ ...snakeoil, certFile: "/nonexistent.pem" }),
    /ipxe\.secureBoot\.certFile \/nonexistent\.pem cannot be read \(ENOENT\)/,
  ],
  [
    "certificate not PEM",
    () => ({ ...snakeoil, certFile: OVMF_SECURE_BOOT.key }),
    /certFile .* is not a PEM certificate/,
  ],
  [
    "neither key source",
    () => ({ certFile: OVMF_SECURE_BOOT.cert }),
    /give exactly one of ipxe\.secureBoot\.keyFile .* or ipxe\.secureBoot\.keyEnv/,
  ],
  [
    "both key sources",
    () => ({ ...snakeoil, keyEnv: KEY_ENV }),
    /give exactly one of ipxe\.secureBoot\.keyFile/,
  ],
  [
    "key variable unset",
    () => ({ certFile: OVMF_SECURE_BOOT.cert, keyEnv: KEY_ENV }),
    /keyEnv: environment variable SIGNER_TEST_KEY is not set/,
  ],
  [
    "unreadable key",
    () => ({ ...snakeoil, keyFile: "/nonexistent.key" }),
    /keyFile \/nonexistent\.key cannot be read \(ENOENT\)/,
  ],
  [
    "encrypted key, no passphrase named",
    () => ({ ...snakeoil, passphraseEnv: undefined }),
    /is encrypted: set ipxe\.secureBoot\.passphraseEnv/,
  ],
])("%s", (_, src, message) => {
  expect(refused(src())).toMatch(message);
});

test("passphrase variable unset, and a wrong passphrase", () => {
  delete process.env[PASS_ENV];
  expect(refused(snakeoil)).toMatch(/passphraseEnv: environment variable SIGNER_TEST_PASSPHRASE is not set/);
  process.env[PASS_ENV] = "wrong";
  expect(refused(snakeoil)).toMatch(/could not be decrypted with the passphrase in SIGNER_TEST_PASSPHRASE/);
});

test("a key that is not the certificate's is refused, and the message holds no key material", () => {
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  });
  const file = path.join(dir, "other.key");
  fs.writeFileSync(file, other);
  const msg = refused({ certFile: OVMF_SECURE_BOOT.cert, keyFile: file });
  expect(msg).toMatch(/does not belong to ipxe\.secureBoot\.certFile .*O=SnakeOil/);
  expect(msg).not.toMatch(/PRIVATE KEY|MII/);
});

test("a non-RSA key is refused with the reason", () => {
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  });
  const file = path.join(dir, "ec.key");
  fs.writeFileSync(file, ec);
  expect(refused({ certFile: OVMF_SECURE_BOOT.cert, keyFile: file })).toMatch(/is a ec key: use an RSA key/);
});
