// Watching the real Debian installer after its kernel was handed over: either it asks the origin
// for its preseed (it configured the network from its command line), or it shows its own
// network screens (DHCP, then "Network autoconfiguration failed": it did not get the network).
// One screenshot per installer screen. Used by the installer boot test and `demo --installer`.
// The installer must run with `nomodeset no-scroll` so its screens stay in the VGA text buffer
// at a fixed place, where the operator reads them (vgacon otherwise scrolls by moving the origin).
import { AccessLogEntry } from "../../origin/server-log";
import { SessionContext } from "../session";
import { PRESEED_KEY } from "./debian-installer";

/** Kernel arguments that keep the installer's screens readable as text (see above). */
export const INSTALLER_TEXT_SCREEN_ARGS = ["nomodeset", "no-scroll"] as const;

/** netcfg's screens when it has no network from the command line. */
const ASKED = /Network autoconfiguration failed|\[!!\] Configure the network/;
/** A kernel log line (the installer's UI is not up yet). */
const KERNEL_LOG = /^\[\s*\d+\.\d+\]/m;

/** What happened, with ms from QEMU's start; `handedOverMs`: iPXE had fetched the installer's initrd. */
export type InstallerOutcome = { handedOverMs: number } & (
  | { kind: "configured"; preseed: AccessLogEntry; ms: number }
  | { kind: "asked"; screen: string; ms: number }
  | { kind: "timeout"; screen: string; ms: number }
);

/** Waits until iPXE has fetched the installer's initrd (`initrd`: its path), then watches. */
export async function watchInstaller(
  ctx: SessionContext,
  opts: { initrd: RegExp; timeoutMs: number; onScreen?: (title: string) => void },
): Promise<InstallerOutcome> {
  const { op, run, accessLog } = ctx;
  const since = () => Date.now() - run.startedAt;
  await ctx.waitForRequest(opts.initrd, 180_000);
  const handedOverMs = since();
  const deadline = Date.now() + opts.timeoutMs;
  let lastTitle = "";
  let screen = "";
  for (;;) {
    const preseed = accessLog.find((e) => e.path === `/${PRESEED_KEY}`);
    if (preseed) {
      await op.screenshot("installer-preseed-requested");
      return { handedOverMs, kind: "configured", preseed, ms: preseed.time.getTime() - run.startedAt };
    }
    if (!run.running) return { handedOverMs, kind: "timeout", screen, ms: since() };
    screen = await op.screenText().catch(() => screen);
    const title = dialogTitle(screen);
    if (title && title !== lastTitle) {
      lastTitle = title;
      opts.onScreen?.(title);
      await op.screenshot(`installer-${title}`);
    }
    if (ASKED.test(screen)) return { handedOverMs, kind: "asked", screen, ms: since() };
    if (Date.now() > deadline) return { handedOverMs, kind: "timeout", screen, ms: since() };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The title of the installer's dialog on screen: its first line of text (the frame's line
 * characters are not text). Undefined while the kernel's log is on screen.
 */
export function dialogTitle(screen: string): string | undefined {
  if (KERNEL_LOG.test(screen)) return undefined;
  return screen
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
}
