// What the booted OS is told about the network, checked on the kernel command line the test OS
// reports (the real installer and dracut are booted in debian-installer / dracut tests):
// - a DHCP hostname is free text from the network: it never reaches the command line, where
//   spaces would add kernel arguments and `${` would be expanded again (ipxe-review #8);
// - a fixed address added to stage-2 after the image was built does not replace the address
//   iPXE is using (ipxe-review #12);
// - every DNS server is passed on (ipxe-review #13), in each form's own way; menu text that
//   starts with "-" is shown, not parsed as options (ipxe-review #3).
import { originLayout } from "../../origin/layout";
import { GUEST_ORIGIN } from "../../local/guest-network";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind, fixtureStack } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

test("a DHCP hostname with spaces and ${ stays out of the kernel command line", async () => {
  const r = await boot(
    "dhcp-hostname",
    { site: "lab-dhcp", firmware: "bios", restrict: false, dhcpHostname: "x init=/bin/sh ${bs_site}" },
    async ({ op }) => {
      await op.waitFor(/DHCP lab: 10\.0\.2\.15 \(dhcp\) as lab-dhcp-525400123456/, { timeoutMs: 60_000 });
    },
  );
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toMatch(/bootstack\.host=lab-dhcp-525400123456( |$)/);
  expect(r.report.cmdline).not.toContain("init=/bin/sh");
  expect(r.report.cmdline).not.toMatch(/\bx\b/);
});

test("a fixed address added after the image was built names the machine but keeps iPXE's address", async () => {
  const stack = await fixtureStack();
  const later = structuredClone(stack);
  const site = later.sites.find((s) => s.name === "lab-static")!;
  site.network.fixed.push({ mac: "52:54:00:12:34:56", ip: "10.0.2.88", hostname: "lab-new1" });
  const r = await boot(
    "fixed-added-later",
    { site: "lab-static", firmware: "bios", stack },
    async ({ origin, op }) => {
      // The image (stage-1) predates the new entry; stage-2 on the origin has it.
      await origin.setLayout(originLayout(later, GUEST_ORIGIN));
      await op.waitFor(/Static lab: 10\.0\.2\.15 \(static\) as lab-new1/, { timeoutMs: 60_000 });
    },
  );
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toMatch(
    /ip=10\.0\.2\.15::10\.0\.2\.2:255\.255\.255\.0:lab-new1::off:10\.0\.2\.3 /,
  );
  expect(r.report.net).toMatchObject({ ip: "10.0.2.15" });
});

test("linux-ip passes both DNS servers; a title and description starting with - are shown", async () => {
  const r = await boot("forms-linux-ip", { site: "lab-forms", firmware: "bios" }, async ({ op }) => {
    await op.waitFor(/-n lab-forms menu/, { timeoutMs: 60_000 });
    await op.waitFor(/-k x Forms lab: 10\.0\.2\.15/);
    await op.screenshot("dash-title");
  });
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toMatch(
    /ip=10\.0\.2\.15::10\.0\.2\.2:255\.255\.255\.0:lab-forms-525400123456::off:10\.0\.2\.3:10\.0\.2\.4 BOOTIF=01-52-54-00-12-34-56 /,
  );
  expect(r.report.net).toMatchObject({ ip: "10.0.2.15", dns: "10.0.2.3", dns1: "10.0.2.4" });
});

test("dracut: the NIC named by MAC, one nameserver= per server, and the test OS finds its NIC by it", async () => {
  const r = await boot("forms-dracut", { site: "lab-forms", firmware: "bios" }, async ({ op }) => {
    await op.pickMenuEntry("Test OS (dracut form)", { index: 1, timeoutMs: 60_000 });
  });
  expect(r.report.booted).toBe(true);
  const cmdline = r.report.cmdline ?? "";
  for (const arg of [
    "rd.neednet=1",
    "ifname=bootnet:52:54:00:12:34:56",
    "ip=10.0.2.15::10.0.2.2:255.255.255.0:lab-forms-525400123456:bootnet:none",
    "nameserver=10.0.2.3",
    "nameserver=10.0.2.4",
  ])
    expect(cmdline.split(" ")).toContain(arg);
  expect(cmdline).not.toContain("BOOTIF=");
  expect(r.report.net).toMatchObject({ dev: "eth0", ip: "10.0.2.15" });
  expect(r.report.fetch).toMatch(/^ok /);
});
