// How many QEMU runs share this machine, across every process that shares the cache: slots made
// of the project's directory lock (ipxe/build/lock.ts). One by default: TCG timings are only
// reliable alone, and the demo and the bench measure them. The test suite opens a second slot
// (BOOT_STACK_QEMU_SLOTS=2, bin/test-all): most boot tests spend their time waiting on iPXE's own
// timers (back-off, recovery minute), when the emulated CPU halts; a session that measures
// timings asks for the machine to itself (exclusive).
import * as path from "node:path";
import { cacheDir } from "../../ipxe/build/cache";
import { withDirLock, withOneOfDirLocks } from "../../ipxe/build/lock";
import { ToolError } from "../../ipxe/build/tools";

export const QEMU_SLOTS_ENV = "BOOT_STACK_QEMU_SLOTS";
const MAX_SLOTS = 4;

/** The slot count from BOOT_STACK_QEMU_SLOTS (1 to 4), 1 when unset. */
export function qemuSlots(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[QEMU_SLOTS_ENV];
  if (raw === undefined || raw === "") return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SLOTS)
    throw new ToolError(
      `${QEMU_SLOTS_ENV}=${raw}: give a whole number of QEMU runs at once, 1 to ${MAX_SLOTS}`,
    );
  return n;
}

/** Slot folders; slot 0 keeps the single lock's old name. */
const slotDirs = (n: number) =>
  Array.from({ length: n }, (_, i) => path.join(cacheDir(), i === 0 ? "qemu.lock" : `qemu.lock.${i}`));

export function withQemuLock<T>(
  timeoutMs: number,
  fn: () => Promise<T>,
  opts: { exclusive?: boolean } = {},
): Promise<T> {
  const dirs = slotDirs(qemuSlots());
  const busy = () =>
    new ToolError(
      `other boot-stack QEMU runs held ${dirs.join(", ")} for over ${timeoutMs / 1000} s: wait for them, or remove those folders if no QEMU is running`,
    );
  if (!opts.exclusive) return withOneOfDirLocks(dirs, { timeoutMs, onTimeout: busy }, () => fn());
  // Every slot, always in the same order, so two exclusive runs cannot each hold a part.
  const holdAll = (i: number): Promise<T> =>
    i === dirs.length ? fn() : withDirLock(dirs[i], { timeoutMs, onTimeout: busy }, () => holdAll(i + 1));
  return holdAll(0);
}
