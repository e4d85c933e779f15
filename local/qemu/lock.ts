// One QEMU at a time on this machine (2 cores; TCG timings are only reliable alone): a lock
// folder in the cache, taken by mkdir, with the holder's pid so a dead holder's lock is taken over.
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir } from "../paths";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function holderAlive(dir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, "pid"), "utf8"));
    if (!pid) return true;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM" || (e as NodeJS.ErrnoException).code === "ENOENT";
  }
}

export async function withQemuLock<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(cacheDir(), "qemu.lock");
  fs.mkdirSync(cacheDir(), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // An empty lock folder whose pid file never appears is treated as alive for a moment only.
      if (
        !holderAlive(dir) ||
        (!fs.existsSync(path.join(dir, "pid")) && Date.now() - fs.statSync(dir).mtimeMs > 5000)
      ) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`another boot-stack QEMU run held ${dir} for over ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
