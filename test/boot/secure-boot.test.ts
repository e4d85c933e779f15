// UEFI Secure Boot with the organisation's own db key, under OVMF with Secure Boot enforced and
// Debian's test key enrolled (the rig's OVMF_SECURE_BOOT; FACTS.md "Secure Boot under QEMU").
// The image builder signs the UEFI iPXE binary with that key (ipxe.secureBoot), and the test
// OS kernel is signed with it too, the way an organisation signs the kernels it serves.
//
// Prebuilt mode (Debian 13's iPXE, signed here) always runs; the compiled image (stage-1
// embedded) runs when BOOT_STACK_IPXE_SRC names an iPXE source tree, and is built the way
// `pulumi up` builds it: from the stack's ipxe.secureBoot, through imageOptionsFor and the
// digest-addressed image command.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfig } from "../../config/schema";
import { buildTestImage } from "../../local/image";
import { Kernel, secureBootRefusal, testDbKey, testOsKernels } from "../../local/secure-boot";
import { GUEST_ORIGIN } from "../../local/guest-network";
import { keys } from "../../origin/keys";
import { loadFixtureStack } from "../../local/stack";
import { ensureTestOs, TestOs } from "../../local/testos";
import {
  BuildMode,
  cacheDir,
  DEFAULT_SOURCE_DATE_EPOCH,
  imageCommandEnv,
  imageInputsDigest,
  imageOptionsFor,
} from "../../ipxe/build";
import { REPO_ROOT } from "../../ipxe/build/cache";
import { imageFromCommand } from "../../local/image-command";
import { OVMF_SECURE_BOOT } from "../../local/qemu/rig";
import { efiSigners } from "../../ipxe/sign/efi";
import { originLayout } from "../../origin/layout";
import { BOOT_TEST_TIMEOUT_MS, FIXTURE, boot, expectNothingLeftBehind, whenIpxeSource } from "./helpers";

// A boot takes under BOOT_TEST_TIMEOUT_MS, but waits first for the machine's QEMU lock, which
// other test runs may hold for up to 10 minutes (local/session.ts bootSession).
jest.setTimeout(BOOT_TEST_TIMEOUT_MS + 600_000);
expectNothingLeftBehind();

const SITE = "lab-static";
let dir: string;
let testOs: TestOs;
let kernels: { unsigned: Kernel; signed: Kernel };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-secure-"));
  testOs = await ensureTestOs();
  kernels = await testOsKernels(testOs);
});

/** The fixture stack with the test OS booting `kernel`. */
const stackWith = (kernel: Kernel) => loadFixtureStack(FIXTURE, { ...testOs, kernel });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function stage1Of(stack: StackConfig): string {
  const o = originLayout(stack, GUEST_ORIGIN).find((x) => x.key === keys.stage1(SITE))!;
  if (o.content.kind !== "inline") throw new Error("stage-1 is inline");
  return o.content.text;
}

async function image(name: string, stack: StackConfig, mode: BuildMode, signed: boolean): Promise<string> {
  const r = await buildTestImage({
    site: SITE,
    stage1: stage1Of(stack),
    outDir: path.join(dir, name),
    platforms: ["uefi"],
    mode,
    ...(signed ? { secureBoot: testDbKey() } : {}),
  });
  return r.isoPath;
}

test("the firmware refuses an unsigned iPXE image (Access Denied): nothing is requested", async () => {
  const stack = stackWith(kernels.signed);
  const iso = await image("unsigned", stack, "prebuilt", false);
  const r = await boot(
    "secure-boot-unsigned-image",
    { stack, site: SITE, firmware: "uefi", secureBoot: true, image: iso, timeoutMs: 90_000 },
    async ({ op }) => {
      await op.waitFor(/Access Denied/, { timeoutMs: 60_000 });
      await op.screenshot("refused");
      return "stop";
    },
  );
  expect(r.serial).not.toMatch(/iPXE initialising/);
  expect(r.accessLog).toEqual([]);
});

/**
 * lab-static with its default entry booting the unsigned kernel, and a second entry with the same
 * kernel signed: after the refusal the operator picks the signed one, which proves the refusal
 * was the signature's (the kernels differ only there) and that the machine is still usable.
 */
function stackWithUnsignedDefault(): StackConfig {
  const stack = stackWith(kernels.unsigned);
  const site = stack.sites.find((s) => s.name === SITE)!;
  const entry = site.menu.entries[0];
  if (entry.type !== "linux") throw new Error("lab-static's first entry boots the test OS");
  site.menu.entries.push({
    ...entry,
    id: "signed",
    label: "Test OS, signed kernel",
    kernel: "signed-kernel",
  });
  site.menu.timeoutSeconds = 3; // time enough to pick the entry after the failure
  stack.artifacts["signed-kernel"] = { source: kernels.signed.path, sha256: kernels.signed.sha256 };
  return stack;
}

// One boot for both: the signed image starts, its unsigned kernel is refused, and the signed
// kernel boots from the same menu (a separate "signed image, signed kernel" boot proved no more).
test("a signed image starts; an unsigned kernel is refused by the firmware, the operator gets the menu and boots the signed one", async () => {
  expect(await efiSigners(kernels.unsigned.path)).toEqual([]);
  expect(await efiSigners(kernels.signed.path)).toEqual(["/C=US/ST=Colorado/L=Fort Collins/O=SnakeOil"]);
  const stack = stackWithUnsignedDefault();
  const iso = await image("signed-prebuilt-unsigned-kernel", stack, "prebuilt", true);
  let refusal = "";
  const r = await boot(
    "secure-boot-unsigned-kernel",
    { stack, site: SITE, firmware: "uefi", secureBoot: true, image: iso, timeoutMs: 180_000 },
    async ({ op, waitForRequest }) => {
      await waitForRequest(/testos-kernel$/, 120_000);
      refusal = await op.waitFor(/Could not boot/, { timeoutMs: 60_000 });
      await op.screenshot("refused-kernel");
      // Today's stage-2: `boot || goto failed` -> a message, a pause, then the menu. They come
      // with the refusal, which consumed them: read the whole serial log for them.
      await op.waitFor(/Boot failed/, { serial: true });
      await op.waitFor(/Press any key for the menu/, { serial: true });
      await op.press("spc");
      await op.pickMenuEntry("Test OS, signed kernel", { index: 1, timeoutMs: 30_000 });
    },
  );
  // Debian 13's build prints only the code (e.g. "Error 0x7f04818f"): its low byte is the EFI
  // status LoadImage returned; newer builds print the text too.
  const code = /ipxe\.org\/([0-9a-f]{8})/.exec(refusal)?.[1];
  expect(code && secureBootRefusal(parseInt(code, 16))).toBe("EFI_ACCESS_DENIED");
  expect(r.accessLog.filter((e) => /testos-kernel$/.test(e.path))).toHaveLength(1);
  expect(r.serial).toMatch(/iPXE initialising/);
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toContain("bootstack.host=");
});

const compiled = whenIpxeSource("secure-boot.test.ts: the compiled-image Secure Boot boot is");

compiled(
  "config → image → firmware: ipxe.secureBoot in the stack, built by the image command pulumi up runs, boots a signed kernel",
  async () => {
    // The stack's own ipxe section, as an organisation writes it: compile mode, the db certificate
    // and key file by path, the passphrase by variable name (set in this runner's environment).
    const db = testDbKey();
    const stack = loadFixtureStack(
      FIXTURE,
      { ...testOs, kernel: kernels.signed },
      {
        mode: "compile",
        platforms: ["uefi"],
        secureBoot: db,
      },
    );
    const options = {
      ...imageOptionsFor(stack, SITE, stage1Of(stack), {
        projectDir: REPO_ROOT,
        baseUrl: GUEST_ORIGIN.baseUrl,
      }),
      sourceDateEpoch: DEFAULT_SOURCE_DATE_EPOCH,
    };
    const environment = imageCommandEnv(options, REPO_ROOT, imageInputsDigest(options), {
      publish: false,
      bucket: "",
      region: "",
    });
    // The Command's inputs (kept in state) name the key and the passphrase's variable, nothing more.
    expect(Object.values(environment)).not.toContain(OVMF_SECURE_BOOT.passphrase);
    expect(JSON.stringify(environment)).not.toMatch(/PRIVATE KEY/);
    // A full compile of the Secure Boot variant takes minutes the first time; later ones re-link.
    const iso = await imageFromCommand(environment, cacheDir());
    const manifest = JSON.parse(fs.readFileSync(iso.isoPath.replace(/\.iso$/, ".iso.json"), "utf8"));
    expect(manifest.ipxe.secureBoot.signer).toBe("C=US, ST=Colorado, L=Fort Collins, O=SnakeOil");
    expect(manifest.ipxe.embedded).toBe(true);
    const r = await boot(
      "secure-boot-signed-compiled",
      { stack, site: SITE, firmware: "uefi", secureBoot: true, image: iso.isoPath, timeoutMs: 180_000 },
      async () => undefined,
    );
    expect(r.serial).toMatch(/iPXE initialising/);
    expect(r.report.booted).toBe(true);
  },
  // A first compile of the Secure Boot variant takes minutes, then the lock wait and the boot.
  30 * 60_000,
);
