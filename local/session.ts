// One local boot, end to end: render the stack's origin layout for the guest's view of the
// origin (http://10.0.2.100), serve it on loopback, build the site's image, boot it in QEMU,
// let a script drive the console like an operator, and collect what the booted OS reported.
// Everything started here is stopped here, whatever happens. Used by the boot tests, the demo
// and the bench.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArtifactSource, StackConfig } from "../config/schema";
import { keys } from "../origin/keys";
import { OriginObject, originLayout } from "../origin/layout";
import { defaultArtifactStore, resolveArtifact } from "../origin/artifacts";
import { signOrigin } from "../origin/sign-origin";
import { OriginServer } from "../origin/server";
import { AccessLogEntry, formatAccessLog } from "../origin/server-log";
import { buildTestImage } from "./image";
import { withQemuLock } from "./qemu/lock";
import { Operator } from "./qemu/operator";
import { Firmware, QemuOptions, QemuRun, startQemu } from "./qemu/rig";
import { GUEST_ORIGIN } from "./guest-network";
import { REPO_ROOT } from "../ipxe/build/cache";
import { MARKERS, parseTestOsReport } from "./testos";

export interface SessionOptions {
  stack: StackConfig;
  site: string;
  firmware: Firmware;
  /** slirp's restrict (default true: the guest reaches nothing but the forwarded origin). */
  restrict?: boolean;
  /** Drop the guest's DHCP requests: QEMU's own DHCP server answers otherwise, restricted or not. */
  noDhcp?: boolean;
  mac?: string;
  /** Extra NICs on no network, before the origin's NIC (see QemuOptions.deadNics). */
  deadNics?: string[];
  /** UEFI with Secure Boot enforced (the rig's OVMF_SECURE_BOOT firmware and test key). */
  secureBoot?: boolean;
  /** Screenshots and the serial log are kept here (default: a temp folder, removed afterwards). */
  reportDir?: string;
  /** Start with the origin down (it can be brought up from the driver with ctx.origin.up()). */
  originDown?: boolean;
  /** Serve HTTPS on the guest's 10.0.2.100:443 with this key and certificate. */
  tls?: { key: string; cert: string };
  /** Overrides the base URL the scripts point at (e.g. https://10.0.2.100). */
  baseUrl?: string;
  /** The origins stage-1 tries after baseUrl, before the site's mirror (OriginRef.fallbacks). */
  originFallbacks?: string[];
  /**
   * More origins on guest addresses (QEMU_NET.moreOrigins), each a server of the same layout with
   * the same log; `setUp` gives it its failure modes before the machine starts (stall, failNext,
   * down: nothing listening, so the guest's connection is refused).
   */
  moreOrigins?: { address: string; setUp?: (server: OriginServer) => unknown }[];
  /** Whole-run limit (default 150 s). */
  timeoutMs?: number;
  /** The machine to itself, whatever BOOT_STACK_QEMU_SLOTS allows: for runs that measure timings. */
  exclusive?: boolean;
  log?: (line: string) => void;
  /** Prebuilt image to boot instead of building one. */
  image?: string;
  /** Guest memory (default the rig's 512 MiB; Debian's installer wants 1024). */
  memoryMb?: number;
  /** Objects served besides the stack's layout: files the booted OS asks for (e.g. a preseed). */
  extraObjects?: OriginObject[];
  /** How the firmware sees the image: a CD (default) or a USB stick. */
  medium?: "cd" | "usb";
  /** Raw disk images attached as hard disks after the boot medium. */
  disks?: string[];
  /** More NICs, and which cables start unplugged (see local/qemu/rig.ts). */
  extraNics?: QemuOptions["extraNics"];
  firstLinkUp?: boolean;
  /** The hostname QEMU's DHCP server hands out. */
  dhcpHostname?: string;
  /** The first NIC on a port that carries only this VLAN, tagged. */
  vlanTrunk?: number;
}

export interface SessionContext {
  op: Operator;
  run: QemuRun;
  origin: OriginServer;
  layout: OriginObject[];
  accessLog: AccessLogEntry[];
  /** Waits until the origin has logged a request whose path matches. */
  waitForRequest(pathRe: RegExp, timeoutMs?: number): Promise<AccessLogEntry>;
}

export interface SessionResult {
  serial: string;
  accessLog: AccessLogEntry[];
  report: ReturnType<typeof parseTestOsReport>;
  /** ms from QEMU start to: the first stage-2 request, the test OS's first marker, QEMU's exit. */
  timings: { stage2Request?: number; kernelMarker?: number; exit?: number };
  exitCode?: number | null;
  screenshots: string[];
  imagePath: string;
}

/**
 * Runs `drive` against a booting machine, then waits (bounded) for the machine to stop by
 * itself, unless `drive` returns "stop" (e.g. at a failure menu that would wait forever).
 * As many sessions at once as the machine's QEMU slots allow (local/qemu/lock.ts).
 */
export function bootSession(
  opts: SessionOptions,
  drive: (ctx: SessionContext) => Promise<void | "stop">,
): Promise<SessionResult> {
  return withQemuLock(600_000, () => runSession(opts, drive), { exclusive: opts.exclusive });
}

async function runSession(
  opts: SessionOptions,
  drive: (ctx: SessionContext) => Promise<void | "stop">,
): Promise<SessionResult> {
  const log = opts.log ?? (() => undefined);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "boot-stack-session-"));
  const reportDir = opts.reportDir ?? path.join(work, "report");
  fs.mkdirSync(reportDir, { recursive: true });
  const accessLog: AccessLogEntry[] = [];
  const waiters: Array<() => void> = [];
  let origin: OriginServer | undefined;
  let httpsOrigin: OriginServer | undefined;
  const others: { address: string; server: OriginServer }[] = [];
  let run: QemuRun | undefined;
  const timings: SessionResult["timings"] = {};
  let markerPoll: NodeJS.Timeout | undefined;
  try {
    const store = defaultArtifactStore(REPO_ROOT);
    const resolve = (name: string, source: ArtifactSource, sha256: string) =>
      resolveArtifact(name, { source, sha256 }, store);
    const ref = {
      baseUrl: opts.baseUrl ?? GUEST_ORIGIN.baseUrl,
      ...(opts.originFallbacks ? { fallbacks: opts.originFallbacks } : {}),
    };
    // ipxe.codeSigning: signed like the Pulumi program signs (the key is read now).
    const signatures = await signOrigin(opts.stack, ref, {
      projectDir: REPO_ROOT,
      artifactFile: (name, o) => resolve(name, (o.content as { source: ArtifactSource }).source, o.sha256),
    });
    const layout = [...originLayout(opts.stack, ref, signatures), ...(opts.extraObjects ?? [])];
    const stage1 = layout.find((o) => o.key === keys.stage1(opts.site));
    if (!stage1 || stage1.content.kind !== "inline")
      throw new Error(
        `site ${opts.site} is not in the stack (sites: ${opts.stack.sites.map((s) => s.name).join(", ")})`,
      );
    const logger = (e: AccessLogEntry) => {
      accessLog.push(e);
      if (run && timings.stage2Request === undefined && /stage2\.ipxe$/.test(e.path) && e.status === 200)
        timings.stage2Request = e.time.getTime() - run.startedAt;
      log(`origin: ${formatAccessLog(e)}`);
      for (const w of waiters.splice(0)) w();
    };
    origin = await OriginServer.start({ objects: layout, resolveArtifact: resolve, logger });
    if (opts.tls)
      httpsOrigin = await OriginServer.start({
        objects: layout,
        resolveArtifact: resolve,
        logger,
        tls: opts.tls,
      });
    if (opts.originDown) await origin.down();
    for (const more of opts.moreOrigins ?? []) {
      const server = await OriginServer.start({ objects: layout, resolveArtifact: resolve, logger });
      others.push({ address: more.address, server });
      await more.setUp?.(server);
      log(`origin: the guest's ${more.address} is ${server.url}`);
    }
    log(
      `origin: serving ${layout.length} objects on ${origin.url}${httpsOrigin ? ` and ${httpsOrigin.url}` : ""} (the guest sees ${opts.baseUrl ?? GUEST_ORIGIN.baseUrl})${opts.originDown ? ", down for now" : ""}`,
    );

    const imagePath =
      opts.image ??
      (
        await buildTestImage({
          site: opts.site,
          stage1: stage1.content.text,
          outDir: work,
          platforms: [opts.firmware],
          // A signing stack verifies in iPXE: compiled, trusting the stack's code-signing CA.
          ...(opts.stack.ipxe.codeSigning
            ? { mode: "compile" as const, codeSigningTrust: opts.stack.ipxe.codeSigning.trust }
            : {}),
          log,
        })
      ).isoPath;
    log(`image: ${imagePath}`);

    run = await startQemu({
      firmware: opts.firmware,
      image: opts.medium === "usb" ? { usb: imagePath } : { iso: imagePath },
      disks: opts.disks,
      extraNics: opts.extraNics,
      firstLinkUp: opts.firstLinkUp,
      dhcpHostname: opts.dhcpHostname,
      vlanTrunk: opts.vlanTrunk,
      httpPort: origin.port,
      httpsPort: httpsOrigin?.port,
      moreOrigins: others.map((o) => ({ address: o.address, httpPort: o.server.port })),
      restrict: opts.restrict,
      noDhcp: opts.noDhcp,
      mac: opts.mac,
      deadNics: opts.deadNics,
      memoryMb: opts.memoryMb,
      secureBoot: opts.secureBoot,
      timeoutMs: opts.timeoutMs ?? 150_000,
      log,
    });
    const started = run;
    log(
      `qemu: started (${opts.firmware}${opts.secureBoot ? " with Secure Boot enforced" : ""}, restrict=${opts.restrict === false ? "off" : "on"}, ${opts.noDhcp ? "DHCP requests dropped" : "QEMU's DHCP answers"}), work folder ${run.dir}`,
    );
    markerPoll = setInterval(() => {
      if (timings.kernelMarker === undefined && started.serial().includes(MARKERS.booted))
        timings.kernelMarker = Date.now() - started.startedAt;
    }, 100);
    const op = new Operator(run, { reportDir, log });
    const ctx: SessionContext = {
      op,
      run,
      origin,
      layout,
      accessLog,
      waitForRequest: (re, timeoutMs = 60_000) =>
        new Promise((resolveReq, reject) => {
          const deadline = Date.now() + timeoutMs;
          const check = () => {
            const hit = accessLog.find((e) => re.test(e.path));
            if (hit) return resolveReq(hit);
            if (Date.now() > deadline || !started.running)
              return reject(new Error(`no request for ${re} within ${timeoutMs} ms`));
            // Checked again on every new log entry, and every half second for the deadline.
            waiters.push(check);
            setTimeout(check, 500).unref();
          };
          check();
        }),
    };
    const outcome = await drive(ctx);
    let exitCode: number | null | undefined;
    if (outcome !== "stop") {
      exitCode = await run.waitExit(opts.timeoutMs ?? 150_000);
      timings.exit = Date.now() - run.startedAt;
    }
    const serial = run.serial();
    fs.writeFileSync(path.join(reportDir, "serial.log"), serial);
    return {
      serial,
      accessLog,
      report: parseTestOsReport(serial),
      timings,
      exitCode,
      screenshots: fs
        .readdirSync(reportDir)
        .filter((f) => f.endsWith(".png"))
        .map((f) => path.join(reportDir, f)),
      imagePath,
    };
  } catch (e) {
    // Keep the evidence next to the error: the last serial output and screenshot paths.
    if (run) {
      fs.writeFileSync(path.join(reportDir, "serial.log"), run.serial());
      if (opts.reportDir) (e as Error).message += `\n(serial log and screenshots in ${reportDir})`;
    }
    throw e;
  } finally {
    if (markerPoll) clearInterval(markerPoll);
    await run?.kill();
    await origin?.down();
    await httpsOrigin?.down();
    for (const o of others) {
      o.server.stall(undefined); // cuts the held connections
      await o.server.down();
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}
