// `boot-stack demo` as the README runs it: a real process that boots ams1 (the prompt site),
// types like an operator, prints the booted kernel's command line, and exits 0 only if it booted.
import { STAGE1_VERSION } from "../../ipxe/render/stage1";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { BOOT_TEST_TIMEOUT_MS, expectNothingLeftBehind } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

const REPO = path.resolve(__dirname, "..", "..");

function demo(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(REPO, "cli", "main.ts"), "demo", ...args],
      { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    // SIGTERM lets the demo stop its QEMU; QEMU is also bounded by timeout(1) on its own.
    const timer = setTimeout(() => child.kill("SIGTERM"), BOOT_TEST_TIMEOUT_MS - 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test("demo boots ams1 with a typed QEMU address and says so", async () => {
  const { code, out } = await demo([]);
  expect(out).toContain("note: the sites' real networks are replaced by QEMU's user network");
  expect(out).toMatch(/site ams1: network subnet, gateway, address, dns -> QEMU's 10\.0\.2\.0\/24/);
  expect(out).toMatch(/operator: typed "10\.0\.2\.15"/);
  expect(out).toMatch(
    new RegExp(
      `origin: .* GET /sites/ams1/stage2\\.ipxe 200 .* site=ams1 s1=${STAGE1_VERSION} mac=52-54-00-12-34-56 via=static`,
    ),
  );
  expect(out).toMatch(/operator: screenshot .*\.png/);
  expect(out).toMatch(
    /kernel command line: .*netcfg\/get_hostname=ams1-525400123456 .*netcfg\/get_ipaddress=10\.0\.2\.15 netcfg\/get_netmask=255\.255\.255\.0 netcfg\/get_gateway=10\.0\.2\.2 netcfg\/get_nameservers=10\.0\.2\.3 /,
  );
  expect(out).toContain("result: BOOTED");
  expect(code).toBe(0);
});

test("an unknown site is a usage error listing the sites", async () => {
  const { code, out } = await demo(["--site", "lon9"]);
  expect(code).toBe(2);
  expect(out).toContain('--site "lon9": not a site of Pulumi.prod.yaml (sites: ams1, fra-lab, nyc2, sgp1)');
});
