// A Linux entry whose initrd download fails, retried: the next try must hand Linux only what it
// boots. iPXE keeps every downloaded image registered, and Linux gets every registered image as
// an initrd (ipxe-review #1). Measured on the base without imgfree: the first try's kernel was in
// the initramfs (as a file named after its command line: iPXE wraps an image that has one in a
// cpio entry); Linux still booted, but each retry kept another copy in memory, and an image
// without a command line would have been unpacked over the OS's own files.
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
  // Only the test OS's own initrd in the initramfs: a stale kernel would be in there too, as a
  // file named after its command line (iPXE wraps an image with a command line in a cpio entry).
  expect(r.report.rootfs).toEqual(expect.arrayContaining(["init", "bin", "lib"]));
  expect(r.report.rootfs!.filter((name) => !/^[a-z]+$/.test(name))).toEqual([]);
});
