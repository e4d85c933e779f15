// DHCP sites. QEMU's own DHCP server answers even with restrict=on, but then leaves out the
// router and DNS, so the DHCP-site test turns restrict off to get a full lease, as at a real
// DHCP site (what the guest runs talks to nothing but the forwarded origin). With the guest's
// DHCP requests dropped nothing answers, and a dhcp-then-prompt site falls back to the prompt.
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind, typeNetwork } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

test("DHCP site: QEMU's DHCP lease is used, and the kernel is told to use DHCP too", async () => {
  const r = await boot(
    "dhcp-site",
    { site: "lab-dhcp", firmware: "bios", restrict: false, timeoutMs: 120_000 },
    async ({ op }) => {
      await op.waitFor(/DHCP lab: 10\.0\.2\.15 \(dhcp\)/, { timeoutMs: 90_000 });
      await op.screenshot("menu");
    },
  );
  expect(r.accessLog.find((e) => e.path.endsWith("stage2.ipxe"))).toMatchObject({
    site: "lab-dhcp",
    via: "dhcp",
  });
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toMatch(/(^| )ip=dhcp( |$)/);
  expect(r.report.net).toMatchObject({ ip: "10.0.2.15", gateway: "10.0.2.2", via: "dhcp" });
});

test("dhcp-then-prompt: no DHCP answer, so the operator is asked and the typed address is used", async () => {
  const r = await boot(
    "dhcp-fallback",
    { site: "lab-fallback", firmware: "bios", noDhcp: true, timeoutMs: 120_000 },
    async ({ op, run }) => {
      await op.waitFor(/Asking DHCP on net0 for up to 10 s/, { timeoutMs: 60_000 });
      await op.waitFor(/No DHCP answer/, { timeoutMs: 30_000 });
      // iPXE did ask: its requests were dropped before QEMU's DHCP server saw them.
      expect(run.dhcpBlock!.dropped()).toBeGreaterThan(0);
      await typeNetwork(op, {
        ip: "10.0.2.44",
        netmask: "255.255.255.0",
        gateway: "10.0.2.2",
        dns: "10.0.2.3",
      });
    },
  );
  expect(r.accessLog.find((e) => e.path.endsWith("stage2.ipxe"))).toMatchObject({
    site: "lab-fallback",
    via: "static",
  });
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toContain("ip=10.0.2.44::10.0.2.2:255.255.255.0:");
});
