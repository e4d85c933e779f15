// Origin failover (ipxe/render/origins.ts), one BIOS boot with three origins on three guest
// addresses, in stage-1's order:
//   10.0.2.100  the stack's hostname     down: nothing listens, the connection is refused
//   10.0.2.101  the CDN's own name       accepts stage-2's request and never answers (a stall);
//                                        serves everything else
//   10.0.2.102  the site's mirror        serves stage-2, then fails the kernel once (503)
// Stage-1 must move from the first to the second to the third within ONE attempt (no back-off
// pause), stage-2 must fetch its artefacts from the origin that served it (the mirror) and, when
// that one fails the kernel, from the others in order: the refused one, then the CDN name, which
// serves it. The machine boots. The access log's Host says which origin served what.
import { QEMU_NET } from "../../local/guest-network";
import { SCRIPT_FETCH_TIMEOUT_MS } from "../../ipxe/render/timing";
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind, fixtureStack } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS + 600_000); // the boot, after a wait for the machine's QEMU lock
expectNothingLeftBehind();

const [CDN, MIRROR] = QEMU_NET.moreOrigins;
const url = (address: string) => `http://${address}`;

test("first origin refused, second stalled, third serves: the machine boots; artefacts follow the serving origin, then fail over", async () => {
  const stack = await fixtureStack();
  const site = stack.sites.find((s) => s.name === "lab-static")!;
  site.mirror = url(MIRROR);
  const r = await boot(
    "origin-failover",
    {
      stack,
      site: "lab-static",
      firmware: "bios",
      originDown: true,
      originFallbacks: [url(CDN)],
      moreOrigins: [
        { address: CDN, setUp: (s) => s.stall(/stage2\.ipxe$/) },
        { address: MIRROR, setUp: (s) => s.failNext(/testos-kernel$/) },
      ],
      timeoutMs: 200_000,
    },
    async ({ waitForRequest }) => {
      await waitForRequest(/testos-initrd$/, 150_000);
    },
  );
  const log = r.accessLog.map((e) => ({
    host: e.host,
    path: e.path.replace(/[0-9a-f]{64}/, "<sha>"),
    status: e.status,
  }));
  // The stall is logged when iPXE gives up on it (status 0), so it may come after the mirror's answer.
  expect(log.filter((e) => e.path.endsWith("stage2.ipxe"))).toEqual(
    expect.arrayContaining([
      { host: CDN, path: "/sites/lab-static/stage2.ipxe", status: 0 },
      { host: MIRROR, path: "/sites/lab-static/stage2.ipxe", status: 200 },
    ]),
  );
  expect(log.filter((e) => e.path.includes("/artifacts/"))).toEqual([
    { host: MIRROR, path: "/artifacts/<sha>/testos-kernel", status: 503 },
    { host: CDN, path: "/artifacts/<sha>/testos-kernel", status: 200 },
    { host: CDN, path: "/artifacts/<sha>/testos-initrd", status: 200 },
  ]);
  expect(r.report.booted).toBe(true);
  // One attempt: failing over added the stall's timeout, not a back-off pause and a new attempt.
  const stage2 = r.accessLog.find((e) => e.host === MIRROR && e.path.endsWith("stage2.ipxe"))!;
  const stalled = r.accessLog.find((e) => e.host === CDN && e.path.endsWith("stage2.ipxe"))!;
  expect(stage2.time.getTime() - stalled.time.getTime()).toBeGreaterThanOrEqual(
    SCRIPT_FETCH_TIMEOUT_MS - 1000,
  );
  expect(stage2.time.getTime() - stalled.time.getTime()).toBeLessThan(SCRIPT_FETCH_TIMEOUT_MS + 5000);
  process.stdout.write(
    `origin failover: QEMU start -> stage-2 from the third origin ${((r.timings.stage2Request ?? NaN) / 1000).toFixed(1)} s (stall timeout ${SCRIPT_FETCH_TIMEOUT_MS / 1000} s), -> test OS ${((r.timings.kernelMarker ?? NaN) / 1000).toFixed(1)} s\n`,
  );
});
