// DHCP that is not there yet (a site's DHCP server or switch comes up after the machine, e.g.
// after a power cut). The recovery menu's retry must redo DHCP, and must still happen after
// someone touched the menu (--retimeout); a DHCP-first site must not wait forever at its prompt
// (ipxe-review #5).
import { PROMPT_IDLE_MS } from "../../ipxe/render/timing";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind } from "./helpers";

// These wait on purpose (back-off, the recovery menu's minute), on top of the QEMU lock.
jest.setTimeout(BOOT_TEST_TIMEOUT_MS + 180_000);
expectNothingLeftBehind();

test("DHCP absent, then present: a touched recovery menu still retries, with DHCP, and boots", async () => {
  const r = await boot(
    "dhcp-late",
    { site: "lab-dhcp", firmware: "bios", restrict: false, noDhcp: true, timeoutMs: 230_000 },
    async ({ op, run }) => {
      await op.waitFor(/cannot reach/, { timeoutMs: 120_000 });
      // Someone touched it and walked away (the bar back where it was: a menu that times out
      // takes the highlighted item; render tests check that every item finds its way back).
      await op.press("down");
      await op.press("up");
      await op.screenshot("recovery-touched");
      run.dhcpBlock!.setBlocking(false);
      await op.waitFor(/DHCP lab: /, { timeoutMs: 100_000 });
    },
  );
  expect(r.accessLog.find((e) => e.path.endsWith("/stage2.ipxe"))).toMatchObject({ via: "dhcp" });
  expect(r.report.booted).toBe(true);
});

test("DHCP-first site, nobody at the prompt: it tries DHCP again and boots once DHCP answers", async () => {
  const r = await boot(
    "dhcp-then-prompt-idle",
    { site: "lab-fallback", firmware: "bios", noDhcp: true, timeoutMs: 200_000 },
    async ({ op, run }) => {
      await op.waitFor(/IP address:/, { timeoutMs: 60_000, where: "last" });
      await op.screenshot("prompt-nobody-there");
      run.dhcpBlock!.setBlocking(false);
      await op.waitFor(/DHCP then prompt lab: /, { timeoutMs: PROMPT_IDLE_MS + 60_000 });
    },
  );
  expect(r.accessLog.find((e) => e.path.endsWith("/stage2.ipxe"))).toMatchObject({ via: "dhcp" });
  expect(r.report.booted).toBe(true);
});
