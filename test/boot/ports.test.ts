// Robustness at the machine: on a server with several ports, stage-1 uses the one whose cable
// is in, not a hard-coded net0, and the OS is told which one by MAC; and a failsafe key before
// anything automatic leads to a manual network menu (ipxe-review ideas 3 and 4).
import { FAILSAFE_KEY, FAILSAFE_KEY_MS } from "../../ipxe/render/timing";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

test("two ports, the first unplugged: stage-1 takes the second, and the OS gets its MAC", async () => {
  const r = await boot(
    "ports-second-linked",
    {
      site: "lab-static",
      firmware: "bios",
      firstLinkUp: false,
      extraNics: [{ mac: "52:54:00:12:34:57" }],
      timeoutMs: 120_000,
    },
    async ({ op }) => {
      await op.waitFor(/Static lab: 10\.0\.2\.15 \(static\)/, { timeoutMs: 60_000 });
    },
  );
  expect(r.accessLog.find((e) => e.path.endsWith("/stage2.ipxe"))).toMatchObject({
    mac: "52-54-00-12-34-57",
  });
  expect(r.report.cmdline).toContain("BOOTIF=01-52-54-00-12-34-57");
  expect(r.report.net).toMatchObject({ dev: "eth1", mac: "52:54:00:12:34:57", ip: "10.0.2.15" });
  expect(r.report.booted).toBe(true);
});

test("the failsafe key opens the manual network menu; DHCP chosen there is what stage-2 sees", async () => {
  const r = await boot(
    "failsafe-key",
    { site: "lab-static", firmware: "bios", timeoutMs: 120_000 },
    async ({ op }) => {
      await op.waitFor(new RegExp(`Press ${FAILSAFE_KEY} within ${FAILSAFE_KEY_MS / 1000} s`), {
        timeoutMs: 60_000,
      });
      await op.press(FAILSAFE_KEY);
      await op.waitFor(/manual network for site lab-static/, { timeoutMs: 15_000 });
      await op.screenshot("manual-menu");
      await op.pickMenuEntry("Use DHCP on it");
      await op.waitFor(/Static lab: 10\.0\.2\.15 \(dhcp\)/, { timeoutMs: 60_000 });
    },
  );
  expect(r.accessLog.find((e) => e.path.endsWith("/stage2.ipxe"))).toMatchObject({ via: "dhcp" });
  expect(r.report.booted).toBe(true);
});
