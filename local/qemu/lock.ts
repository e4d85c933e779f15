// One QEMU at a time on this machine (2 cores; TCG timings are only reliable alone), across
// every process that shares the cache: the project's directory lock (ipxe/build/lock.ts).
import * as path from "node:path";
import { cacheDir } from "../../ipxe/build/cache";
import { withDirLock } from "../../ipxe/build/lock";
import { ToolError } from "../../ipxe/build/tools";

export function withQemuLock<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(cacheDir(), "qemu.lock");
  const busy = () =>
    new ToolError(
      `another boot-stack QEMU run held ${dir} for over ${timeoutMs / 1000} s: wait for it, or remove that folder if no QEMU is running`,
    );
  return withDirLock(dir, { timeoutMs, onTimeout: busy }, fn);
}
