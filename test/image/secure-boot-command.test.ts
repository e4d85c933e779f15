// Secure Boot through the digest-addressed image command (what IpxeIso's local.Command runs), run
// for real as pulumi-command runs it: `/bin/sh -c`, the program's folder, the runner's environment
// plus the Command's `environment`. pulumi-command stores that `environment` and the command's
// stdout and stderr in state (pulumi/pulumi-command provider/pkg/provider/local/commandOutputs.go),
// so none of them may hold key material: the Command names the key's file and the passphrase's
// variable, and the passphrase comes from the runner's environment (as a CI secret would).
// Prebuilt mode, UEFI only: the signing step is the same as compile mode's, and needs no source.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  cacheDir,
  debian13IpxeDir,
  imageCommandEnv,
  imageInputsDigest,
  ImageOptions,
  imageOptionsFor,
} from "../../ipxe/build";
import { REPO_ROOT } from "../../ipxe/build/cache";
import { efiSigners } from "../../ipxe/sign/efi";
import { runImageCommand } from "../../local/image-command";
import { OVMF_SECURE_BOOT } from "../../local/qemu/rig";
import { fatRead, isoRead } from "./inspect";

jest.setTimeout(180_000);

const PASSPHRASE_ENV = "BOOT_STACK_TEST_DB_PASS";
let tmp: string;
let packageDir: string;
/** The db key outside the project, under neutral names (the fixture's own names hold its passphrase). */
let keyFile: string;
let otherKeyFile: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-sb-command-"));
  fs.mkdirSync(path.join(tmp, "secure"));
  keyFile = path.join(tmp, "secure", "db.key");
  otherKeyFile = path.join(tmp, "secure", "moved.key");
  fs.copyFileSync(OVMF_SECURE_BOOT.key, keyFile);
  fs.copyFileSync(OVMF_SECURE_BOOT.key, otherKeyFile);
  fs.copyFileSync(OVMF_SECURE_BOOT.cert, path.join(tmp, "db.pem"));
  packageDir = path.resolve(await debian13IpxeDir(cacheDir()), "..", "..", "..", "..");
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The stack's `ipxe` section as a user writes it, through the one config → options adapter. */
function options(site: string, key = keyFile): ImageOptions {
  const o = imageOptionsFor(
    {
      ipxe: {
        mode: "prebuilt",
        platforms: ["uefi"],
        embed: true,
        secureBoot: { certFile: "db.pem", keyFile: key, passphraseEnv: PASSPHRASE_ENV },
      },
      origin: { transport: "http" },
    },
    site,
    "#!ipxe\necho secure boot command test\n",
    { projectDir: tmp, baseUrl: "http://10.0.2.100" },
  );
  return { ...o, sourceDateEpoch: 1735689600 };
}

const envFor = (o: ImageOptions) =>
  imageCommandEnv(o, REPO_ROOT, imageInputsDigest(o), { publish: false, bucket: "", region: "" });

/** A runner's cache holding only the iPXE package (as CI restores it), so the build is real. */
function freshCache(): string {
  const dir = fs.mkdtempSync(path.join(tmp, "cache-"));
  fs.cpSync(packageDir, path.join(dir, path.relative(cacheDir(), packageDir)), { recursive: true });
  return dir;
}

/** The runner's environment: nothing of this test process but PATH and HOME, plus `runtime`. */
const run = (env: Record<string, string>, runtime: Record<string, string>, cache: string) =>
  runImageCommand(env, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BOOT_STACK_CACHE: cache,
    ...runtime,
  });

const keyBody = () =>
  fs
    .readFileSync(keyFile, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("-----") && !l.includes(":"));

test("the Command's inputs hold the certificate, the key's path and the variable's name; the build signs with the runtime passphrase", async () => {
  const env = envFor(options("sbcmd"));
  const stored = JSON.stringify(env);
  expect(JSON.parse(env.BOOT_STACK_SECURE_BOOT)).toEqual({
    certPem: fs.readFileSync(OVMF_SECURE_BOOT.cert, "utf8"),
    keyFile,
    passphraseEnv: PASSPHRASE_ENV,
  });
  expect(stored).not.toContain(OVMF_SECURE_BOOT.passphrase);
  expect(stored).not.toMatch(/PRIVATE KEY/);
  for (const line of keyBody()) expect(stored).not.toContain(line);

  const cache = freshCache();
  const r = await run(env, { [PASSPHRASE_ENV]: OVMF_SECURE_BOOT.passphrase }, cache);
  expect(r.stderr).toMatch(/^sbcmd: images\/sbcmd\/[0-9a-f]{64}\.iso \(\d+ bytes\) not published/);
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout);
  expect(result.digest).toBe(env.BOOT_STACK_IMAGE_DIGEST);
  // What pulumi-command keeps in state: no passphrase, no key.
  expect(r.stdout + r.stderr).not.toContain(OVMF_SECURE_BOOT.passphrase);
  for (const line of keyBody()) expect(r.stdout + r.stderr).not.toContain(line);

  const dir = path.join(cache, "images", result.digest);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "sbcmd.iso.json"), "utf8"));
  expect(manifest.ipxe.secureBoot.signer).toBe("C=US, ST=Colorado, L=Fort Collins, O=SnakeOil");
  expect(manifest.sha256).toBe(result.sha256);
  const efi = path.join(tmp, "BOOTX64.EFI");
  fs.writeFileSync(
    efi,
    fatRead(isoRead(path.join(dir, "sbcmd.iso"), "/boot/efiboot.img"), "EFI/BOOT/BOOTX64.EFI"),
  );
  expect(await efiSigners(efi)).toEqual(["/C=US/ST=Colorado/L=Fort Collins/O=SnakeOil"]);
});

test("the key file moved: the same digest, and the same signed bytes from another runner", async () => {
  const a = envFor(options("sbmove"));
  const b = envFor(options("sbmove", otherKeyFile));
  expect(b.BOOT_STACK_IMAGE_DIGEST).toBe(a.BOOT_STACK_IMAGE_DIGEST);
  const runtime = { [PASSPHRASE_ENV]: OVMF_SECURE_BOOT.passphrase };
  const [ra, rb] = [await run(a, runtime, freshCache()), await run(b, runtime, freshCache())];
  expect([ra.code, rb.code]).toEqual([0, 0]);
  expect(JSON.parse(rb.stdout).sha256).toBe(JSON.parse(ra.stdout).sha256);
});

test("without the passphrase at run time: one line naming the field and the variable, exit 1, nothing built", async () => {
  const env = envFor(options("sbnopass"));
  const cache = freshCache();
  const r = await run(env, {}, cache);
  expect(r.stderr).toBe(
    `boot-stack image: ipxe.secureBoot.passphraseEnv: environment variable ${PASSPHRASE_ENV} is not set: export the key's passphrase in it\n`,
  );
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(fs.existsSync(path.join(cache, "images", env.BOOT_STACK_IMAGE_DIGEST, "sbnopass.iso"))).toBe(false);
});

test("a key in a variable that is not set: one line naming ipxe.secureBoot.keyEnv and the fix", async () => {
  const o = options("sbnokey");
  const env = envFor({
    ...o,
    secureBoot: { certFile: o.secureBoot!.certFile, keyEnv: "BOOT_STACK_TEST_DB_KEY" },
  });
  const r = await run(env, {}, freshCache());
  expect(r.stderr).toBe(
    "boot-stack image: ipxe.secureBoot.keyEnv: environment variable BOOT_STACK_TEST_DB_KEY is not set: export the PEM private key in it (e.g. from the CI secret store)\n",
  );
  expect(r.code).toBe(1);
});
