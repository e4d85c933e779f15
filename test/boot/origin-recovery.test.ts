// An unattended machine and an origin that misbehaves. A connection that is accepted and then
// stalls must time out and be retried: Debian 13's iPXE has no HTTP watchdog, so without
// --timeout the fetch hung forever (ipxe-review #7). An origin down for a minute: the recovery
// menu retries by itself and the machine boots once the origin is back (ipxe-review #5).
import { FIRST_RETRY_DELAY_S, SCRIPT_FETCH_TIMEOUT_MS } from "../../ipxe/render/timing";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind } from "./helpers";

// These wait on purpose (back-off, the recovery menu's minute), on top of the QEMU lock.
jest.setTimeout(BOOT_TEST_TIMEOUT_MS + 180_000);
expectNothingLeftBehind();

test("a stalled stage-2 fetch times out and the next attempt gets it", async () => {
  const r = await boot(
    "origin-stall",
    { site: "lab-static", firmware: "bios", timeoutMs: 150_000 },
    async ({ op, origin }) => {
      origin.stall(/\/stage2\.ipxe$/);
      await op.waitFor(new RegExp(`[Rr]etrying in ${FIRST_RETRY_DELAY_S} s`), {
        timeoutMs: SCRIPT_FETCH_TIMEOUT_MS + 45_000,
      });
      origin.stall(undefined);
      await op.waitFor(/Static lab: /, { timeoutMs: 60_000 });
    },
  );
  expect(r.accessLog.filter((e) => e.path.endsWith("/stage2.ipxe")).map((e) => e.status)).toEqual([0, 200]);
  expect(r.report.booted).toBe(true);
});

test("origin down for 60 s, nobody at the machine: it boots once the origin is back", async () => {
  const r = await boot(
    "origin-down-60s",
    { site: "lab-static", firmware: "bios", originDown: true, timeoutMs: 220_000 },
    async ({ op, origin }) => {
      const t0 = Date.now();
      await op.waitFor(/cannot reach/, { timeoutMs: 90_000 });
      await op.screenshot("recovery-menu");
      await new Promise((res) => setTimeout(res, Math.max(0, 60_000 - (Date.now() - t0))));
      await origin.up();
      await op.waitFor(/Static lab: /, { timeoutMs: 100_000 });
    },
  );
  expect(r.report.booted).toBe(true);
});
