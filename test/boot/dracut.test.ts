// A real dracut initramfs (Debian's dracut 059 with its network-legacy module, for Debian's
// kernel) booted from a site image through stage-2 at a static site with no DHCP: the rig drops
// every DHCP request and counts them. The machine has two NICs; the origin is reached through
// the second (iPXE's net1, Linux's eth1), the first is on no network.
//
// Proves: dracut configures the network from the dracut form on the kernel command line, by
// itself: the interface named by `ifname=` is the NIC with iPXE's MAC (not the first NIC), it
// alone carries the address from `ip=`, with its gateway; resolv.conf holds every `nameserver=`
// server, the hostname is set, no DHCP was asked, and a fetch over that network reaches the
// origin (logged). The report hook runs only once dracut's network module has brought the
// interface online (initqueue/online); it configures nothing.
// Also: the image is reproducible (a second build, bypassing the cache, gives the same bytes).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rebuildDracutImage } from "../../local/consumers/dracut";
import { parseDracutReport } from "../../local/consumers/dracut-report";
import { boot, BOOT_TEST_TIMEOUT_MS, expectNothingLeftBehind, OPERATOR_ANSWERS } from "./helpers";
import { dracutStack } from "./consumers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS + 120_000);
expectNothingLeftBehind();

const MAC = "52:54:00:d7:ac:01";
const OTHER_NIC = "52:54:00:de:ad:01";

test("the dracut form: dracut pins the interface by MAC, sets the static address and DNS, and reaches the origin", async () => {
  const { stack } = await dracutStack();
  let dhcpDropped = () => NaN;
  const r = await boot(
    "dracut",
    {
      stack,
      site: "lab-dracut",
      firmware: "bios",
      noDhcp: true,
      mac: MAC,
      deadNics: [OTHER_NIC],
      timeoutMs: BOOT_TEST_TIMEOUT_MS,
    },
    async (ctx) => {
      dhcpDropped = () => ctx.run.dhcpBlock?.dropped() ?? NaN;
      await ctx.waitForRequest(/^\/manifest\.json$/, BOOT_TEST_TIMEOUT_MS - 30_000);
      await ctx.op.screenshot("dracut-online");
    },
  );
  const cmdline = /Kernel command line: (.*)/.exec(r.serial)?.[1] ?? "";
  const iface = /ifname=([^:\s]+):/.exec(cmdline)?.[1];
  expect(iface).toBeDefined();
  const report = parseDracutReport(r.serial);
  expect(report.done).toBe(true);
  expect(report.iface).toEqual({ name: iface, mac: MAC });
  // Both NICs are there; only the pinned one has an address (lo aside).
  expect(report.links.join("\n")).toContain(OTHER_NIC);
  const global = report.addresses.filter((a) => !/: lo\s/.test(a));
  expect(global).toHaveLength(1);
  expect(global[0]).toMatch(new RegExp(`^\\d+: ${iface}\\s+inet 10\\.0\\.2\\.61/24 `));
  expect(report.routes).toContain(`default via ${OPERATOR_ANSWERS.gateway} dev ${iface}`);
  expect(report.nameservers).toEqual([OPERATOR_ANSWERS.dns, "10.0.2.4"]);
  expect(report.hostname).toBe("lab-dracut-525400d7ac01");
  expect(report.fetch).toMatch(/^ok \d+ bytes from http:\/\/10\.0\.2\.100\/manifest\.json$/);
  expect(r.accessLog.filter((e) => e.path === "/manifest.json").map((e) => e.status)).toEqual([200]);
  expect(dhcpDropped()).toBe(0);
  expect(r.exitCode).toBe(0);
});

test("the dracut image is reproducible: a fresh build gives the cached image's bytes", async () => {
  const { image } = await dracutStack();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dracut-again-"));
  try {
    expect(await rebuildDracutImage(dir)).toBe(image.initramfs.sha256);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
