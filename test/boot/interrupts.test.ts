// What an operator's keys must not break (ipxe-review #6): Ctrl-C during stage-1's back-off makes
// `sleep` fail, and `exit 3` typed in the recovery shell makes `shell` fail; unhandled, either
// ended stage-1, and the embedded image then left iPXE for whatever the BIOS boots next.
import { CHAIN_ATTEMPTS, FIRST_RETRY_DELAY_S } from "../../ipxe/render/timing";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind, shellCommand } from "./helpers";

// These wait on purpose (back-off, the recovery menu's minute), on top of the QEMU lock.
jest.setTimeout(BOOT_TEST_TIMEOUT_MS + 180_000);
expectNothingLeftBehind();

test("Ctrl-C in the back-off and exit 3 in the shell both stay in stage-1", async () => {
  const r = await boot(
    "interrupts",
    { site: "lab-static", firmware: "bios", originDown: true, timeoutMs: 200_000 },
    async ({ op, origin }) => {
      // The second pause (the first doubled): long enough to press Ctrl-C in.
      await op.waitFor(new RegExp(`[Rr]etrying in ${2 * FIRST_RETRY_DELAY_S} s`), { timeoutMs: 60_000 });
      await op.press("ctrl", "c");
      await op.screenshot("ctrl-c-in-back-off");
      // The next attempt still happens.
      await op.waitFor(new RegExp(`attempt 3 of ${CHAIN_ATTEMPTS}\\) as`), { timeoutMs: 30_000 });
      await shellCommand(op, "exit 3", { timeoutMs: 90_000 });
      await op.waitFor(/cannot reach/, { timeoutMs: 15_000 });
      await op.screenshot("back-in-recovery");
      await origin.up();
      await op.pickMenuEntry("Retry");
    },
  );
  expect(r.report.booted).toBe(true);
});
