// The demo: one site of the example stack booted in QEMU as an operator would see it, with the
// local origin instead of S3 + CloudFront and the test OS instead of the real artefacts.
import * as fs from "node:fs";
import * as path from "node:path";
import { NETWORK_MODE } from "../config/network-modes";
import { NetworkMode, SiteConfig } from "../config/schema";
import { UsageError } from "../errors/user-error";
import { cacheDir, REPO_ROOT } from "../ipxe/build/cache";
import { SessionContext, SessionResult, bootSession } from "./session";
import { GUEST_ORIGIN, QEMU_NET } from "./guest-network";
import { demoStack } from "./stack";
import { ensureTestOs } from "./testos";
import { ensureTools } from "./tools";

/** The stack the demo boots: the project's example. */
export const EXAMPLE_STACK_FILE = path.join(REPO_ROOT, "Pulumi.prod.yaml");

export interface DemoOptions {
  /** Stack file to take the sites from (default Pulumi.prod.yaml). */
  stackFile?: string;
  site: string;
  uefi: boolean;
  out: (line: string) => void;
}

export interface DemoOutcome {
  booted: boolean;
  result?: SessionResult;
  reportDir: string;
}

export async function runDemo(opts: DemoOptions): Promise<DemoOutcome> {
  const t0 = Date.now();
  const say = (line: string) => opts.out(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const firmware = opts.uefi ? "uefi" : "bios";

  say("checking tools (QEMU, socat, xorriso, mtools, busybox, cpio)...");
  await ensureTools(opts.uefi, say);
  say("building the test OS (Debian's kernel + a busybox initrd; cached in .cache/testos)...");
  const testOs = await ensureTestOs({ log: say });
  say(`test OS: kernel ${testOs.kernelVersion}, initrd ${path.relative(REPO_ROOT, testOs.initrd.path)}`);

  const stackFile = opts.stackFile ?? EXAMPLE_STACK_FILE;
  const { config, notes } = demoStack(stackFile, testOs);
  say(
    `rendering ${path.relative(process.cwd(), stackFile) || stackFile} for the local origin ${GUEST_ORIGIN.baseUrl} (QEMU forwards it to 127.0.0.1). Demo overrides:`,
  );
  for (const n of notes) say(`  ${n}`);
  const site = config.sites.find((s) => s.name === opts.site);
  if (!site)
    throw new Error(
      `site ${opts.site} is not in ${stackFile} (sites: ${config.sites.map((s) => s.name).join(", ")})`,
    );
  const plan = sitePlan(site);
  say(`site ${site.name}: network mode ${site.network.mode}; ${plan.describe}`);

  const reportDir = path.join(cacheDir(), "demo", `${site.name}-${firmware}`);
  fs.rmSync(reportDir, { recursive: true, force: true });
  fs.mkdirSync(reportDir, { recursive: true });
  say(`screenshots and the serial log go to ${path.relative(process.cwd(), reportDir)}/`);

  let result: SessionResult | undefined;
  try {
    result = await bootSession(
      {
        stack: config,
        site: site.name,
        firmware,
        restrict: plan.restrict,
        noDhcp: plan.noDhcp,
        mac: plan.mac,
        reportDir,
        log: say,
        timeoutMs: opts.uefi ? 240_000 : 180_000,
      },
      async (ctx) => {
        await drive(ctx, site, plan, say);
        say("the kernel and initrd are loading; the test OS reports on the serial port and powers off");
      },
    );
  } catch (e) {
    say(`FAILED: ${(e as Error).message}`);
    return { booted: false, reportDir };
  }
  const r = result.report;
  say(r.booted ? "the test OS booted; it reported:" : "the test OS did not report on the serial port");
  if (r.cmdline !== undefined) say(`  kernel command line: ${r.cmdline}`);
  if (r.net)
    say(
      `  network: ${Object.entries(r.net)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
  if (r.fetch) say(`  fetch from the origin: ${r.fetch}`);
  const stage2 = result.accessLog.find((e) => e.path.endsWith("/stage2.ipxe"));
  opts.out("");
  opts.out("summary");
  opts.out(
    `  site ${site.name} (${site.network.mode}), ${firmware.toUpperCase()}, image ${path.basename(result.imagePath)}`,
  );
  opts.out(
    `  network came up via: ${stage2?.via ?? "(stage-2 never fetched)"}${r.net?.ip ? `, address ${r.net.ip}` : ""}`,
  );
  opts.out(
    `  QEMU start -> stage-2 request: ${fmt(result.timings.stage2Request)}; -> kernel running: ${fmt(result.timings.kernelMarker)}; -> powered off: ${fmt(result.timings.exit)}`,
  );
  opts.out(
    `  origin requests: ${result.accessLog.length} (${result.accessLog.filter((e) => e.status >= 400).length} errors)`,
  );
  opts.out(`  screenshots: ${result.screenshots.length} in ${path.relative(process.cwd(), reportDir)}/`);
  opts.out(`  result: ${r.booted ? "BOOTED" : "DID NOT BOOT"}`);
  return { booted: r.booted, result, reportDir };
}

const fmt = (ms?: number) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)} s`);

export interface SitePlan {
  restrict: boolean;
  noDhcp: boolean;
  mac?: string;
  /** The menu entry to pick (a Linux one), its label and index among the entries. */
  entry: { label: string; index: number };
  describe: string;
}

/**
 * How the demo plays each network mode in QEMU: whether slirp is restricted, whether the rig
 * drops DHCP, whether the operator types, and what to say. A new mode does not compile until
 * it says here what the demo does with it.
 */
const DEMO_NETWORK: Record<
  NetworkMode,
  { restrict: boolean; noDhcp: boolean; types: boolean; how: (net: SiteConfig["network"]) => string }
> = {
  prompt: {
    restrict: true,
    noDhcp: false,
    types: true,
    how: () => `the operator types ${QEMU_NET.guest} and keeps the pre-filled netmask, gateway and DNS`,
  },
  static: {
    restrict: true,
    noDhcp: false,
    types: false,
    how: (net) =>
      net.fixed[0]
        ? `the machine boots with MAC ${net.fixed[0].mac}, which the site's fixed table maps to ${net.fixed[0].ip}`
        : "the site's static address is used",
  },
  // QEMU's DHCP answers even with restrict=on, but without router and DNS: restrict=off for a
  // full lease (the guest still talks only to the origin).
  dhcp: {
    restrict: false,
    noDhcp: false,
    types: false,
    how: () =>
      "QEMU's DHCP server answers (restrict=off for a full lease; the guest talks only to the origin)",
  },
  "dhcp-then-prompt": {
    restrict: true,
    noDhcp: true,
    types: true,
    how: (net) =>
      `the rig drops DHCP requests (no DHCP on this floor), so after ${net.dhcpTimeoutSeconds} s the operator types ${QEMU_NET.guest}`,
  },
};

/** How the demo boots `site`; `entryIndex` picks the menu entry (default: a Linux entry). */
export function sitePlan(site: SiteConfig, entryIndex?: number): SitePlan {
  const entries = site.menu.entries;
  const def = entries.findIndex((e) => e.id === site.menu.default);
  const index =
    entryIndex ?? (entries[def]?.type === "linux" ? def : entries.findIndex((e) => e.type === "linux"));
  if (index < 0)
    throw new UsageError(
      `--site ${site.name}: has no linux menu entry, so nothing for the demo to boot; pick another site`,
    );
  const entry = { label: entries[index].label, index };
  const net = site.network;
  const demo = DEMO_NETWORK[net.mode];
  return {
    restrict: demo.restrict,
    noDhcp: demo.noDhcp,
    mac: net.fixed[0]?.mac,
    entry,
    describe: `${demo.how(net)}; then the operator picks "${entry.label}"`,
  };
}

/** Answers the site's prompts, waits for stage-2's menu and picks the plan's entry. */
export async function drive(
  ctx: SessionContext,
  site: SiteConfig,
  plan: SitePlan,
  say: (l: string) => void,
): Promise<void> {
  const { op } = ctx;
  const mode = site.network.mode;
  if (DEMO_NETWORK[mode].types) {
    const wait = (NETWORK_MODE[mode].dhcp === "first" ? site.network.dhcpTimeoutSeconds * 1000 : 0) + 90_000;
    await op.answer(/IP address:/, QEMU_NET.guest, { timeoutMs: wait });
    for (const p of [/Netmask:/, /Gateway:/, /DNS server:/]) await op.answer(p, "", { keepPrefill: true });
  }
  say("waiting for stage-2 from the origin...");
  await ctx.waitForRequest(/\/stage2\.ipxe$/, 150_000);
  await op.waitFor(plan.entry.label, { timeoutMs: 60_000 });
  await op.screenshot("menu");
  await op.pickMenuEntry(plan.entry.label, { index: plan.entry.index });
}
