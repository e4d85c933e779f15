// `boot-stack demo --installer`: the real Debian 12 installer booted from a site image at a site
// with no DHCP (the rig drops every DHCP request), as the example stack's entry hands it over.
// Either the installer brings up the network from its command line and asks the origin for a
// preseed (which reports its network on serial and powers off), or it shows its own network
// screens. Screenshots of every installer screen land in the report folder.
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfig } from "../config/schema";
import { keys } from "../origin/keys";
import { readRawStackConfig } from "../config/stack-file";
import { isPlainObject, validateStackConfig } from "../config/validate";
import { describeSource } from "../origin/artifacts";
import { parseInstallerReport, PRESEED_KEY, preseedObject } from "./consumers/debian-installer";
import { INSTALLER_TEXT_SCREEN_ARGS, InstallerOutcome, watchInstaller } from "./consumers/installer-watch";
import { drive, sitePlan } from "./demo";
import { cacheDir, REPO_ROOT } from "../ipxe/build/cache";
import { GUEST_ORIGIN } from "./guest-network";
import { bootSession, SessionResult } from "./session";
import { demoStack } from "./stack";
import { ensureTestOs } from "./testos";
import { ensureTools } from "./tools";

/** Debian's installer kernel and initrd, by their path in the mirror or in Debian's netboot package. */
const INSTALLER_FILE = {
  linux: /(^|\/)debian-installer\/amd64\/linux$/,
  initrd: /(^|\/)debian-installer\/amd64\/initrd\.gz$/,
} as const;

/** The installer needs more than the rig's default 512 MiB under TCG. */
const INSTALLER_MEMORY_MB = 1024;
/** Measured here: the preseed request 71 s after QEMU start (nearly idle), up to 297 s (busy). */
const INSTALLER_WAIT_MS = 480_000;

/** Artefact names whose source is Debian's installer kernel or initrd (a URL, or a package's file). */
export function installerArtifacts(stackFile: string): { linux: string[]; initrd: string[] } {
  const raw = readRawStackConfig(stackFile).artifacts;
  const fileOf = (a: unknown): string =>
    !isPlainObject(a)
      ? ""
      : typeof a.source === "string"
        ? a.source
        : isPlainObject(a.source)
          ? String(a.source.file)
          : "";
  const names = (re: RegExp) =>
    Object.entries(isPlainObject(raw) ? raw : {})
      .filter(([, a]) => re.test(fileOf(a)))
      .map(([name]) => name);
  return { linux: names(INSTALLER_FILE.linux), initrd: names(INSTALLER_FILE.initrd) };
}

/** The installer's rescue mode: it does not install, and asks for a disk after the network. */
const RESCUE_ARG = "rescue/enable=true";

/**
 * Sites of the stack file with a menu entry that installs Debian (boots the installer's kernel,
 * not in rescue mode), and that entry's index. DHCP-only sites are left out: the demo's site
 * has no DHCP.
 */
export function installerSites(stackFile: string): Map<string, number> {
  const kernels = installerArtifacts(stackFile).linux;
  const sites = readRawStackConfig(stackFile).sites;
  const installs = (e: unknown) =>
    isPlainObject(e) &&
    kernels.includes(String(e.kernel)) &&
    !(Array.isArray(e.args) && e.args.includes(RESCUE_ARG));
  const found = new Map<string, number>();
  for (const s of Array.isArray(sites) ? sites : []) {
    if (!isPlainObject(s) || !isPlainObject(s.menu) || !Array.isArray(s.menu.entries)) continue;
    if (isPlainObject(s.network) && s.network.mode === "dhcp") continue;
    const index = s.menu.entries.findIndex(installs);
    if (index >= 0) found.set(String(s.name), index);
  }
  return found;
}

/**
 * The demo's stack with the real installer: its artefacts are the stack file's own (Debian's
 * installer, verified by sha256), not the test OS, and its entries also get `auto=true
 * url=<local origin>/preseed.cfg` (the demo's preseed) and the arguments that keep its screens
 * readable as text. Returns the notes to print.
 */
function withInstaller(config: StackConfig, stackFile: string): { config: StackConfig; notes: string[] } {
  const names = installerArtifacts(stackFile);
  const own = validateStackConfig(readRawStackConfig(stackFile), stackFile).artifacts;
  const artifacts = { ...config.artifacts };
  for (const n of [...names.linux, ...names.initrd]) artifacts[n] = own[n];
  const extra = ["auto=true", `url=${GUEST_ORIGIN.baseUrl}/${PRESEED_KEY}`, ...INSTALLER_TEXT_SCREEN_ARGS];
  const sites = config.sites.map((s) => ({
    ...s,
    menu: {
      ...s.menu,
      entries: s.menu.entries.map((e) =>
        e.type === "linux" && names.linux.includes(e.kernel) ? { ...e, args: [...e.args, ...extra] } : e,
      ),
    },
  }));
  return {
    config: { ...config, artifacts, sites },
    notes: [
      ...[...names.linux, ...names.initrd].map(
        (n) => `artefact ${n}: kept, the real installer (${describeSource(own[n].source)})`,
      ),
      `installer entries: + ${extra.join(" ")} (the demo's preseed reports the installer's network on serial, then powers off)`,
    ],
  };
}

export interface InstallerDemoOutcome {
  ok: boolean;
  outcome?: InstallerOutcome;
  result?: SessionResult;
  reportDir: string;
}

export async function runInstallerDemo(opts: {
  stackFile?: string;
  site: string;
  out: (line: string) => void;
}): Promise<InstallerDemoOutcome> {
  const t0 = Date.now();
  const say = (line: string) => opts.out(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const stackFile = opts.stackFile ?? path.join(REPO_ROOT, "Pulumi.prod.yaml");
  const entryIndex = installerSites(stackFile).get(opts.site);
  if (entryIndex === undefined)
    throw new Error(`site ${opts.site} has no menu entry that boots Debian's installer`);

  say("checking tools (QEMU, socat, xorriso, mtools, busybox, cpio)...");
  await ensureTools(false, say);
  say("building the test OS (stands in for the other artefacts; cached)...");
  const testOs = await ensureTestOs({ log: say });
  const demo = demoStack(stackFile, testOs);
  const { config, notes } = withInstaller(demo.config, stackFile);
  say(
    `rendering ${path.relative(process.cwd(), stackFile) || stackFile} for the local origin. Demo overrides:`,
  );
  // The installer's artefacts are kept: the demo's general note that replaced them does not apply.
  const kept = Object.values(installerArtifacts(stackFile)).flat();
  for (const n of demo.notes.filter((n) => !kept.some((k) => n.startsWith(`artefact ${k} `)))) say(`  ${n}`);
  for (const n of notes) say(`  ${n}`);
  const site = config.sites.find((s) => s.name === opts.site)!;
  // The site has no DHCP: requests are dropped (and counted) whatever the site's mode.
  const plan = { ...sitePlan(site, entryIndex), restrict: true, noDhcp: true };
  say(`site ${site.name}: network mode ${site.network.mode}, no DHCP; ${plan.describe}`);

  const reportDir = path.join(cacheDir(), "demo", `${site.name}-installer`);
  fs.rmSync(reportDir, { recursive: true, force: true });
  fs.mkdirSync(reportDir, { recursive: true });
  say(`screenshots and the serial log go to ${path.relative(process.cwd(), reportDir)}/`);

  say("the origin fetches the installer's artefacts on first use (Debian's package, ~133 MB, then cached)");
  let outcome: InstallerOutcome | undefined;
  let dhcpDropped = 0;
  let result: SessionResult;
  try {
    result = await bootSession(
      {
        stack: config,
        site: site.name,
        firmware: "bios",
        restrict: plan.restrict,
        noDhcp: plan.noDhcp,
        mac: plan.mac,
        memoryMb: INSTALLER_MEMORY_MB,
        extraObjects: [preseedObject()],
        reportDir,
        log: say,
        timeoutMs: INSTALLER_WAIT_MS + 120_000,
      },
      async (ctx) => {
        await drive(ctx, site, plan, say);
        say("the installer is booting (Debian's kernel and initrd.gz); watching its screens...");
        const initrdKeys = installerArtifacts(stackFile).initrd.map((n) =>
          keys.artifact(n, config.artifacts[n].sha256).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
        );
        outcome = await watchInstaller(ctx, {
          initrd: new RegExp(`^/(${initrdKeys.join("|")})$`),
          timeoutMs: INSTALLER_WAIT_MS,
          onScreen: (title) => say(`installer screen: ${title}`),
        });
        dhcpDropped = ctx.run.dhcpBlock?.dropped() ?? 0;
        return outcome.kind === "configured" ? undefined : "stop";
      },
    );
  } catch (e) {
    say(`FAILED: ${(e as Error).message}`);
    return { ok: false, reportDir };
  }
  summarize(opts.out, outcome!, result, dhcpDropped, reportDir);
  return { ok: outcome?.kind === "configured", outcome, result, reportDir };
}

function summarize(
  out: (line: string) => void,
  outcome: InstallerOutcome,
  result: SessionResult,
  dhcpDropped: number,
  reportDir: string,
): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  out("");
  out("summary");
  out(`  DHCP requests dropped on the way: ${dhcpDropped}`);
  if (outcome.kind === "configured") {
    const di = parseInstallerReport(result.serial);
    out(
      `  the installer configured its network itself and asked the origin for its preseed after ${s(outcome.ms)}`,
    );
    for (const a of di.addresses.filter((x) => !/: lo\s/.test(x)))
      out(`  installer address: ${a.replace(/\\.*$/, "").trim()}`);
    for (const r of di.routes) out(`  installer route: ${r}`);
    out(`  installer DNS: ${di.nameservers.join(", ") || "(none)"}; hostname: ${di.hostname ?? "(none)"}`);
  } else if (outcome.kind === "asked") {
    out(
      `  the installer did NOT get its network from the boot entry: after ${s(outcome.ms)} it shows its own network screen:`,
    );
    for (const l of outcome.screen.split("\n").filter((x) => x.trim())) out(`    | ${l}`);
    out("  (an entry that boots it needs kernelNetwork: debian-installer)");
  } else out(`  no preseed request and no network screen within ${s(outcome.ms)}`);
  out(`  screenshots: ${result.screenshots.length} in ${path.relative(process.cwd(), reportDir)}/`);
  for (const f of result.screenshots.filter((f) => /installer-/.test(f)))
    out(`    ${path.relative(process.cwd(), f)}`);
  out(
    `  result: ${outcome.kind === "configured" ? "INSTALLER ON THE NETWORK" : "INSTALLER WITHOUT NETWORK"}`,
  );
}
