// Prompt site under BIOS: the operator types the network, stage-2's menu appears, and the
// booted kernel runs with exactly the address typed (and can use it: it fetches from the origin).
import { STAGE1_VERSION } from "../../ipxe/render/stage1";
import {
  BOOT_TEST_TIMEOUT_MS,
  boot,
  expectNothingLeftBehind,
  OPERATOR_ANSWERS,
  typeNetwork,
} from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

test("typed IP/netmask/gateway/DNS reach the kernel's ip= and the default entry boots", async () => {
  const r = await boot(
    "prompt-typed",
    { site: "lab-prompt", firmware: "bios" },
    async ({ op, waitForRequest }) => {
      // The prompt shows the site's pre-filled address before the operator replaces it.
      await op.waitFor(/IP address: 10\.0\.2\.50/, { timeoutMs: 60_000, where: "last" });
      await op.screenshot("prompt-prefilled");
      await typeNetwork(op, { ...OPERATOR_ANSWERS, ip: "10.0.2.42" });
      const stage2 = await waitForRequest(/\/sites\/lab-prompt\/stage2\.ipxe$/);
      expect(stage2).toMatchObject({
        status: 200,
        site: "lab-prompt",
        s1: STAGE1_VERSION,
        mac: "52-54-00-12-34-56",
        via: "static",
      });
      await op.waitFor(/lab-prompt boot menu/);
      await op.waitFor(/10\.0\.2\.42 \(static\)/);
      await op.screenshot("menu");
      // Nobody touches the menu: its default entry boots after the timeout.
    },
  );
  expect(r.exitCode).toBe(0);
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toContain("ip=10.0.2.42::10.0.2.2:255.255.255.0:");
  expect(r.report.cmdline).toContain("bootstack.site=lab-prompt");
  expect(r.report.cmdline).not.toContain("bootstack.entry=alt");
  expect(r.report.net).toMatchObject({
    ip: "10.0.2.42",
    netmask: "255.255.255.0",
    gateway: "10.0.2.2",
    dns: "10.0.2.3",
    mac: "52:54:00:12:34:56",
  });
  // The booted Linux used the typed address to reach the origin.
  expect(r.report.fetch).toMatch(/^ok \d+ bytes/);
  expect(r.accessLog.map((e) => e.path)).toEqual(
    expect.arrayContaining(["/sites/lab-prompt/stage2.ipxe", "/manifest.json"]),
  );
  expect(r.accessLog.filter((e) => e.path.startsWith("/artifacts/")).map((e) => e.status)).toEqual([
    200, 200,
  ]);
  expect(r.screenshots.length).toBeGreaterThanOrEqual(5);
});

test("a malformed IP is refused and asked again; the operator picks a non-default entry", async () => {
  const r = await boot(
    "prompt-malformed",
    { site: "lab-prompt", firmware: "bios" },
    async ({ op, accessLog }) => {
      await op.answer(/IP address:/, "10.0.2.300", { timeoutMs: 60_000 });
      await op.waitFor(/IP address must be an IPv4 address/);
      await op.screenshot("refused");
      // Asked again, and nothing was fetched with the bad value.
      await op.answer(/IP address:/, "10.0.2.43");
      await op.answer(/Netmask:/, "", { keepPrefill: true });
      await op.answer(/Gateway:/, "", { keepPrefill: true });
      await op.answer(/DNS server:/, "", { keepPrefill: true });
      await op.pickMenuEntry("Test OS (alternate entry)");
      expect(accessLog.filter((e) => e.path.includes("stage2"))).toHaveLength(1);
    },
  );
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toContain("ip=10.0.2.43::10.0.2.2:255.255.255.0:");
  expect(r.report.cmdline).toContain("bootstack.entry=alt");
  expect(r.report.cmdline).not.toContain("10.0.2.300");
});
