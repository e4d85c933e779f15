// Secure Boot through the IpxeIso component's command (cli-entry.ts): the environment that
// Pulumi stores as the Command's inputs (toEnv) names the key's file and the passphrase's
// variable, never their contents; the passphrase comes from the environment the build runs in
// (as a CI secret would), and the image's UEFI binary is signed. @pulumi/command's local provider
// starts the command with its own environment plus `environment` (cmd.Env = os.Environ(), then
// the inputs) and keeps stdout and stderr in state: pulumi/pulumi-command
// provider/pkg/provider/local/commandOutputs.go, run(). So neither may hold key material.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BUILD_COMMAND } from "../../components/ipxe-iso";
import { toEnv } from "../../ipxe/build/env";
import { OVMF_SECURE_BOOT } from "../../local/qemu/rig";
import { REPO_ROOT } from "../../local/paths";

jest.setTimeout(120_000);
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-entry-sb-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Copies under neutral names: the fixture's own file names contain its passphrase.
const secureBoot = {
  certFile: path.join(os.tmpdir(), `bs-entry-sb-${process.pid}-db.pem`),
  keyFile: path.join(os.tmpdir(), `bs-entry-sb-${process.pid}-db.key`),
  passphraseEnv: "DB_KEY_PASSPHRASE",
};
beforeAll(() => {
  fs.copyFileSync(OVMF_SECURE_BOOT.cert, secureBoot.certFile);
  fs.copyFileSync(OVMF_SECURE_BOOT.key, secureBoot.keyFile);
});
afterAll(() => [secureBoot.certFile, secureBoot.keyFile].forEach((f) => fs.rmSync(f, { force: true })));

function runEntry(inputs: Record<string, string>, runtime: Record<string, string>) {
  const [cmd, ...args] = BUILD_COMMAND.split(" ");
  return spawnSync(cmd, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BOOT_STACK_CACHE: process.env.BOOT_STACK_CACHE ?? "",
      ...runtime,
      ...inputs,
    },
    encoding: "utf8",
    timeout: 100_000,
  });
}

test("the Command's inputs hold paths and names only; the build signs with the runtime passphrase", () => {
  const inputs = toEnv({
    site: "sb",
    stage1: "#!ipxe\necho sb\n",
    outDir: tmp,
    platforms: ["uefi"],
    secureBoot,
  });
  const stored = JSON.stringify(inputs);
  expect(stored).not.toContain(OVMF_SECURE_BOOT.passphrase);
  expect(stored).not.toMatch(/PRIVATE KEY|MII/);
  expect(JSON.parse(inputs.BOOT_STACK_SECURE_BOOT)).toEqual(secureBoot);

  const r = runEntry(inputs, { DB_KEY_PASSPHRASE: OVMF_SECURE_BOOT.passphrase });
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(
    /signed the UEFI binary for Secure Boot \(C=US, ST=Colorado, L=Fort Collins, O=SnakeOil\)/,
  );
  expect(r.stderr + r.stdout).not.toContain(OVMF_SECURE_BOOT.passphrase);
  const manifest = JSON.parse(fs.readFileSync(path.join(tmp, "sb.iso.json"), "utf8"));
  expect(manifest.ipxe.secureBoot.signer).toBe("C=US, ST=Colorado, L=Fort Collins, O=SnakeOil");
});

test("without the passphrase at run time: one line naming the variable, exit 1", () => {
  const inputs = toEnv({ site: "sb2", stage1: "#!ipxe\n", outDir: tmp, platforms: ["uefi"], secureBoot });
  const r = runEntry(inputs, {});
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(
    /^(.*\n)*boot-stack iso: ipxe\.secureBoot\.passphraseEnv: environment variable DB_KEY_PASSPHRASE is not set: export the key's passphrase in it\n$/,
  );
});
