// Static site: no typing at all. A machine whose MAC is in the site's fixed table gets its own
// address and hostname; any other machine gets the site's static address.
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

// The driver only watches: had a prompt appeared, nobody would answer it and the run would time out.
const watchOnly = async ({
  op,
}: {
  op: {
    waitFor: (re: RegExp, o?: { timeoutMs?: number }) => Promise<string>;
    screenshot: (s: string) => Promise<unknown>;
  };
}) => {
  await op.waitFor(/Static lab: /, { timeoutMs: 60_000 });
  await op.screenshot("menu");
};

test("the site's static address reaches the kernel with no operator input", async () => {
  const r = await boot("static-site", { site: "lab-static", firmware: "bios", timeoutMs: 90_000 }, watchOnly);
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toMatch(
    /ip=10\.0\.2\.15::10\.0\.2\.2:255\.255\.255\.0:lab-static-525400123456::off:10\.0\.2\.3 /,
  );
  expect(r.report.net).toMatchObject({ ip: "10.0.2.15", mac: "52:54:00:12:34:56" });
  expect(r.accessLog.find((e) => e.path.endsWith("stage2.ipxe"))).toMatchObject({
    via: "static",
    mac: "52-54-00-12-34-56",
  });
});

test("a MAC listed under fixed gets its own address and hostname", async () => {
  const r = await boot(
    "static-fixed-mac",
    { site: "lab-static", firmware: "bios", mac: "52:54:00:b0:07:01", timeoutMs: 90_000 },
    watchOnly,
  );
  expect(r.report.booted).toBe(true);
  expect(r.report.cmdline).toMatch(
    /ip=10\.0\.2\.77::10\.0\.2\.2:255\.255\.255\.0:lab-fixed1::off:10\.0\.2\.3 /,
  );
  expect(r.report.cmdline).toContain("bootstack.host=lab-fixed1");
  expect(r.report.net).toMatchObject({ ip: "10.0.2.77", hostname: "lab-fixed1", mac: "52:54:00:b0:07:01" });
  expect(r.accessLog.find((e) => e.path.endsWith("stage2.ipxe"))).toMatchObject({
    via: "fixed",
    mac: "52-54-00-b0-07-01",
  });
});
