// A directory lock between processes (parallel builds share one compiled iPXE tree).
import * as fs from "node:fs";
import { ImageBuildError } from "./errors";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function holderAlive(lockDir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(`${lockDir}/pid`, "utf8"));
    if (!pid) return true; // being written right now
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function withLock<T>(
  lockDir: string,
  timeoutMs: number,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(`${lockDir}/pid`, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (!holderAlive(lockDir)) {
        fs.rmSync(lockDir, { recursive: true, force: true }); // its builder died: take over
        continue;
      }
      if (Date.now() > deadline)
        throw new ImageBuildError(
          `${what} is locked by another build (${lockDir}) for over ${Math.round(timeoutMs / 1000)} s: wait for it, or remove that folder if no build is running`,
        );
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
