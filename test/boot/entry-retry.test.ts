// A Linux entry whose initrd download fails, retried: the next try must boot cleanly. iPXE keeps
// every downloaded image registered, and Linux gets every registered image as an initrd, so
// without `imgfree` the first try's kernel went in ahead of the initrd and the kernel found no
// init (ipxe-review #1).
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

test("after a failed initrd download, the retried entry boots", async () => {
  const r = await boot(
    "entry-retry",
    { site: "lab-static", firmware: "bios", timeoutMs: 150_000 },
    async ({ origin, op }) => {
      origin.failNext(/\/testos-initrd$/, 1);
      await op.waitFor(/Boot failed/, { timeoutMs: 60_000 });
      await op.screenshot("initrd-failed");
      // Nobody touches anything: after the pause the menu's default runs again.
    },
  );
  expect(r.accessLog.filter((e) => e.path.endsWith("/testos-initrd")).map((e) => e.status)).toEqual([
    503, 200,
  ]);
  expect(r.accessLog.filter((e) => e.path.endsWith("/testos-kernel")).map((e) => e.status)).toEqual([
    200, 200,
  ]);
  expect(r.serial).not.toMatch(/Initramfs unpacking failed/);
  expect(r.report.booted).toBe(true);
});
