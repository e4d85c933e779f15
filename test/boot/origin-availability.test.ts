// The origin is not always there. Down at first and up a few seconds later: stage-1 retries and
// gets through. Never up: after its retries stage-1 shows the recovery menu to the operator.
import { FIRST_RETRY_DELAY_S } from "../../ipxe/render/timing";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

test("origin down, then up: stage-1 retries and the machine boots", async () => {
  const r = await boot(
    "origin-late",
    { site: "lab-static", firmware: "bios", originDown: true, timeoutMs: 120_000 },
    async ({ op, origin }) => {
      await op.waitFor(new RegExp(`Retrying in ${FIRST_RETRY_DELAY_S} s`), { timeoutMs: 60_000 });
      await op.screenshot("retrying");
      await origin.up();
      await op.waitFor(/Static lab: /, { timeoutMs: 60_000 });
    },
  );
  expect(r.report.booted).toBe(true);
  expect(r.accessLog.find((e) => e.path.endsWith("stage2.ipxe"))?.status).toBe(200);
});

test("origin never up: the recovery menu appears after the retries", async () => {
  const r = await boot(
    "origin-never",
    { site: "lab-static", firmware: "bios", originDown: true, timeoutMs: 150_000 },
    async ({ op }) => {
      await op.waitFor(/Retrying in/, { timeoutMs: 60_000 });
      // Five attempts with doubling pauses (2+4+8+16 s), then the menu (the VGA screen is a state,
      // not a history, so the attempts themselves are not all seen).
      await op.waitFor(/site lab-static cannot reach its origin/, { timeoutMs: 90_000 });
      await op.waitFor(/Re-enter network settings/);
      await op.screenshot("recovery-menu");
      const screen = await op.screenText();
      expect(screen).toMatch(/This machine: 10\.0\.2\.15 mask 255\.255\.255\.0 \(static\) on net0/);
      expect(screen).toMatch(/Gateway 10\.0\.2\.2, DNS 10\.0\.2\.3/);
      expect(screen).toMatch(/Retry/);
      expect(screen).toMatch(/Try DHCP/);
      return "stop";
    },
  );
  expect(r.accessLog).toEqual([]);
  expect(r.report.booted).toBe(false);
});
