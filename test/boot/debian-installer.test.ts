// The real Debian 12 installer (Debian's debian-installer-12-netboot-amd64: its linux and
// initrd.gz) booted from a site image through stage-2, at a site with no DHCP: the rig drops
// every DHCP request and counts them. The operator types the address at the stage-1 prompt.
//
// Proves: with the debian-installer form (netcfg/* arguments) the installer configures the typed
// static address itself, without asking DHCP, and uses it: it asks the origin for its preseed
// (`url=`), and the preseed's early command reports netcfg's address, route, DNS and hostname
// on serial. The control proves the check can fail: the same installer with the kernel's `ip=`
// form ignores it, asks DHCP, and stops at its own network screen without reaching the origin.
import { parseInstallerReport, preseedObject } from "../../local/consumers/debian-installer";
import {
  INSTALLER_TEXT_SCREEN_ARGS,
  InstallerOutcome,
  watchInstaller,
} from "../../local/consumers/installer-watch";
import { SessionContext } from "../../local/session";
import { boot, expectNothingLeftBehind, OPERATOR_ANSWERS } from "./helpers";
import { installerStack } from "./consumers";

/** Measured here under TCG: preseed requested 71 s after QEMU started (nearly idle), up to 297 s (busy). */
const INSTALLER_TIMEOUT_MS = 480_000;
jest.setTimeout(INSTALLER_TIMEOUT_MS + 120_000);
expectNothingLeftBehind();

const TYPED_IP = "10.0.2.44";

/** Boots the lab-installer site, types the address, picks `entry`, and watches the installer. */
async function bootInstaller(report: string, entry: string) {
  const { stack } = await installerStack();
  // The watcher reads the installer's screens as text: the entry must keep it in text mode.
  const site = stack.sites.find((s) => s.name === "lab-installer")!;
  const picked = site.menu.entries.find((e) => e.label === entry);
  expect(picked?.type === "linux" && picked.args).toEqual(
    expect.arrayContaining([...INSTALLER_TEXT_SCREEN_ARGS]),
  );
  let outcome: InstallerOutcome | undefined;
  let dhcpDropped = () => NaN;
  const result = await boot(
    report,
    {
      stack,
      site: "lab-installer",
      firmware: "bios",
      noDhcp: true,
      memoryMb: 1024,
      extraObjects: [preseedObject()],
      timeoutMs: INSTALLER_TIMEOUT_MS,
    },
    async (ctx: SessionContext) => {
      const { op } = ctx;
      dhcpDropped = () => ctx.run.dhcpBlock?.dropped() ?? NaN;
      await op.answer(/IP address:/, TYPED_IP, { timeoutMs: 90_000 });
      for (const p of [/Netmask:/, /Gateway:/, /DNS server:/]) await op.answer(p, "", { keepPrefill: true });
      await op.pickMenuEntry(entry, { timeoutMs: 60_000 });
      outcome = await watchInstaller(ctx, {
        initrd: /\/artifacts\/.*\/di-initrd$/,
        timeoutMs: INSTALLER_TIMEOUT_MS - 60_000,
      });
      // The control's installer waits at its screen for ever: stop it there.
      return outcome.kind === "configured" ? undefined : "stop";
    },
  );
  return { result, outcome: outcome!, dhcpDropped: dhcpDropped() };
}

test("the debian-installer form: the installer brings up the typed address without DHCP and fetches its preseed", async () => {
  const { result, outcome, dhcpDropped } = await bootInstaller("debian-installer", "Install Debian 12");
  expect(outcome.kind).toBe("configured");
  if (outcome.kind !== "configured") return;
  // The preseed came after the installer's kernel and initrd had been handed over ...
  const initrd = result.accessLog.find((e) => e.path.endsWith("/di-initrd"))!;
  expect(initrd.status).toBe(200);
  expect(outcome.preseed.status).toBe(200);
  expect(outcome.ms).toBeGreaterThan(outcome.handedOverMs);
  expect(outcome.preseed.time.getTime()).toBeGreaterThan(initrd.time.getTime());
  // ... and nothing on this network ever asked for DHCP (the rig would have dropped it).
  expect(dhcpDropped).toBe(0);
  // What netcfg configured, as the installer itself reports it (preseed early_command).
  const di = parseInstallerReport(result.serial);
  expect(di.done).toBe(true);
  const global = di.addresses.filter((a) => !/: lo\s/.test(a));
  expect(global).toHaveLength(1);
  expect(global[0]).toContain(`inet ${TYPED_IP}/24 `);
  const iface = /^\d+: (\S+)/.exec(global[0])?.[1];
  expect(di.routes).toContain(`default via ${OPERATOR_ANSWERS.gateway} dev ${iface}`);
  expect(di.nameservers).toEqual([OPERATOR_ANSWERS.dns, "10.0.2.4"]);
  expect(di.hostname).toBe("lab-installer-525400123456");
  // The early command powered the machine off.
  expect(result.exitCode).toBe(0);
  expect(result.screenshots.some((s) => /installer-preseed-requested/.test(s))).toBe(true);
  process.stdout.write(
    `debian-installer: preseed requested ${(outcome.ms / 1000).toFixed(1)} s after QEMU start\n`,
  );
});

test("control: with the kernel's ip= form the installer ignores it, asks DHCP and stops at its network screen", async () => {
  const { result, outcome, dhcpDropped } = await bootInstaller(
    "debian-installer-ip-form",
    "Install Debian 12 (ip= form)",
  );
  expect(result.accessLog.find((e) => /\/artifacts\/.*\/di-initrd$/.test(e.path))?.status).toBe(200);
  expect(outcome.kind).toBe("asked");
  if (outcome.kind !== "asked") return;
  expect(outcome.screen).toMatch(/Network autoconfiguration failed/);
  expect(dhcpDropped).toBeGreaterThan(0);
  expect(result.accessLog.some((e) => e.path === "/preseed.cfg")).toBe(false);
  process.stdout.write(
    `debian-installer control: network screen ${(outcome.ms / 1000).toFixed(1)} s after QEMU start\n`,
  );
});
