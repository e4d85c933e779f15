// "Boot from local disk" on BIOS reaches the machine's own disk whether the image was booted as a
// USB stick or as a CD (ipxe-review #2): the disk here is a second drive whose boot sector writes
// a marker to serial. From a stick, the BIOS makes the stick drive 0x80, so a fixed 0x80 booted
// the stick again (stage-2 was fetched over and over) and the disk is 0x81; from a CD the disk is
// 0x80. The image's boot path tells iPXE which (ipxe/build/usb.ts, ipxe/render/medium.ts).
// And a zero menu timeout with a default that fails still leads to the menu (ipxe-review #4).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DISK_MARKER, writeMarkerDisk } from "../../local/qemu/marker-disk";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

let dir: string;
let disk: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-local-disk-"));
  disk = writeMarkerDisk(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each(["usb", "cd"] as const)(
  "booted from a %s, the local disk entry boots the second drive",
  async (medium) => {
    const r = await boot(
      `local-disk-${medium}`,
      { site: "lab-disk", firmware: "bios", medium, disks: [disk], timeoutMs: 120_000 },
      async ({ run }) => {
        const deadline = Date.now() + 90_000;
        while (!run.serial().includes(DISK_MARKER) && Date.now() < deadline && run.running)
          await new Promise((res) => setTimeout(res, 500));
        return "stop";
      },
    );
    expect(r.serial).toContain(DISK_MARKER);
    // Once: the medium did not boot itself again.
    expect(r.accessLog.filter((e) => e.path.endsWith("/stage2.ipxe"))).toHaveLength(1);
  },
);

test("a zero timeout with a failing default: the menu still comes, and another entry boots", async () => {
  const r = await boot(
    "local-disk-zero-timeout",
    { site: "lab-disk", firmware: "bios", timeoutMs: 120_000 },
    async ({ op }) => {
      // No disk here: the default fails, and the menu shows instead of the default again.
      await op.waitFor(/Boot failed: error/, { timeoutMs: 60_000 });
      await op.screenshot("default-failed");
      await op.pickMenuEntry("Test OS", { timeoutMs: 30_000 });
    },
  );
  expect(r.report.booted).toBe(true);
  expect(r.accessLog.filter((e) => e.path.endsWith("/stage2.ipxe"))).toHaveLength(1);
});
