// Shared set-up for the QEMU boot tests: the test OS and fixture stack (built once per file),
// a report folder per test (screenshots + serial log, kept under .cache/boot-report/), and the
// after-suite check that no QEMU or socat this file started is still running.
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfig } from "../../config/schema";
import { OriginServer } from "../../origin/server";
import { cacheDir, REPO_ROOT } from "../../ipxe/build/cache";
import { QEMU_NET } from "../../local/guest-network";
import { leftoverProcesses, liveRuns } from "../../local/qemu/rig";
import { bootSession, SessionOptions, SessionContext, SessionResult } from "../../local/session";
import { loadFixtureStack } from "../../local/stack";
import { ensureTestOs, TestOs } from "../../local/testos";

export const FIXTURE = path.join(REPO_ROOT, "test", "fixtures", "boot", "Pulumi.boot.yaml");
/** Per-test limit: one TCG boot takes 15-45 s here; the slowest scenario waits through 5 retries. */
export const BOOT_TEST_TIMEOUT_MS = 240_000;

let testOs: TestOs | undefined;

export async function fixtureStack(): Promise<StackConfig> {
  testOs ??= await ensureTestOs({ log: (l) => process.stdout.write(`${l}\n`) });
  return loadFixtureStack(FIXTURE, testOs);
}

export function reportDir(name: string): string {
  const dir = path.join(cacheDir(), "boot-report", name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A boot with the fixture stack; progress goes to a log kept with the report. */
export async function boot(
  name: string,
  opts: Omit<SessionOptions, "stack" | "reportDir"> & { stack?: StackConfig },
  drive: (ctx: SessionContext) => Promise<void | "stop">,
): Promise<SessionResult> {
  const dir = reportDir(name);
  const lines: string[] = [];
  const t0 = Date.now();
  const log = (l: string) => lines.push(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${l}`);
  try {
    return await bootSession(
      { ...opts, stack: opts.stack ?? (await fixtureStack()), reportDir: dir, log },
      drive,
    );
  } finally {
    fs.writeFileSync(path.join(dir, "progress.log"), lines.join("\n") + "\n");
  }
}

/** Registers the after-suite check: no QEMU, socat or origin server this file started may outlive it. */
export function expectNothingLeftBehind(): void {
  afterAll(() => {
    expect(liveRuns()).toBe(0);
    expect(leftoverProcesses()).toEqual([]);
    expect(OriginServer.listeningCount()).toBe(0);
  });
}

/** The menu/prompt answers an operator gives for QEMU's network. */
export const OPERATOR_ANSWERS: Record<"ip" | "netmask" | "gateway" | "dns", string> = {
  ip: QEMU_NET.guest,
  netmask: QEMU_NET.netmask,
  gateway: QEMU_NET.gateway,
  dns: QEMU_NET.dns,
};

export async function typeNetwork(
  op: SessionContext["op"],
  answers = OPERATOR_ANSWERS,
  timeoutMs = 60_000,
): Promise<void> {
  await op.answer(/IP address:/, answers.ip, { timeoutMs });
  await op.answer(/Netmask:/, answers.netmask);
  await op.answer(/Gateway:/, answers.gateway);
  await op.answer(/DNS server:/, answers.dns);
}

/**
 * `test` when BOOT_STACK_IPXE_SRC names an iPXE source tree (compile mode can run), else
 * `test.skip` with one line saying what is skipped and how to run it.
 */
export function whenIpxeSource(what: string): typeof test {
  if (process.env.BOOT_STACK_IPXE_SRC) return test;
  process.stdout.write(`${what} skipped: set BOOT_STACK_IPXE_SRC to an iPXE source tree to run it\n`);
  return test.skip;
}

/** Picks a menu's "iPXE shell", presses the key its guard asks for, types `line` at `iPXE>`. */
export async function shellCommand(
  op: SessionContext["op"],
  line: string,
  pick: { index?: number; timeoutMs?: number } = {},
): Promise<void> {
  await op.pickMenuEntry("iPXE shell", pick);
  await op.waitFor(/Press any key for the iPXE shell/, { timeoutMs: 15_000 });
  await op.press("spc");
  await op.waitFor(/iPXE>/, { timeoutMs: 15_000 });
  await op.type(line);
  await op.press("ret");
}
