// UEFI under OVMF (q35, TCG): the same operator flow as BIOS. The prebuilt image carries the
// stage-1 as autoexec.ipxe; a compiled image (stage-1 embedded) is tested when an iPXE source
// tree is given in BOOT_STACK_IPXE_SRC. The console is read from serial (OVMF mirrors it).
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind, fixtureStack, typeNetwork } from "./helpers";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { originLayout } from "../../origin/layout";
import { buildTestImage } from "../../local/image";
import { GUEST_ORIGIN } from "../../local/guest-network";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

async function uefiPromptBoot(name: string, image?: string) {
  return boot(name, { site: "lab-prompt", firmware: "uefi", image, timeoutMs: 180_000 }, async ({ op }) => {
    await typeNetwork(
      op,
      { ip: "10.0.2.45", netmask: "255.255.255.0", gateway: "10.0.2.2", dns: "10.0.2.3" },
      120_000,
    );
    await op.waitFor(/lab-prompt boot menu/, { timeoutMs: 60_000 });
    await op.screenshot("menu");
  });
}

test("prebuilt image (autoexec.ipxe): typed address reaches the kernel", async () => {
  const r = await uefiPromptBoot("uefi-prebuilt");
  expect(r.accessLog.find((e) => e.path.endsWith("stage2.ipxe"))).toMatchObject({
    status: 200,
    via: "static",
  });
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toContain("ip=10.0.2.45::10.0.2.2:255.255.255.0:");
  // UEFI kernels find their initrd by name.
  expect(r.report.cmdline).toMatch(/(^| )initrd=testos-initrd( |$)/);
  expect(r.report.net).toMatchObject({ ip: "10.0.2.45" });
});

const src = process.env.BOOT_STACK_IPXE_SRC;
const compiled = src ? test : test.skip;
if (!src)
  process.stdout.write(
    "uefi.test.ts: compiled-image UEFI boot skipped: set BOOT_STACK_IPXE_SRC to an iPXE source tree to run it\n",
  );

compiled(
  "compiled image (stage-1 embedded): typed address reaches the kernel",
  async () => {
    const stack = await fixtureStack();
    const stage1 = originLayout(stack, GUEST_ORIGIN).find(
      (o) => o.key === "sites/lab-prompt/stage1.ipxe",
    )!.content;
    if (stage1.kind !== "inline") throw new Error("stage-1 is inline");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uefi-compiled-"));
    try {
      // A full compile takes ~8 min here the first time; later builds re-link in seconds.
      const image = await buildTestImage({
        site: "lab-prompt",
        stage1: stage1.text,
        outDir: dir,
        platforms: ["uefi"],
        mode: "compile",
      });
      const r = await uefiPromptBoot("uefi-compiled", image.isoPath);
      expect(r.report.booted).toBe(true);
      expect(r.report.cmdline).toContain("ip=10.0.2.45::10.0.2.2:255.255.255.0:");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  900_000,
);
