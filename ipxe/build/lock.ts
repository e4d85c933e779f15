// A lock between processes on this machine: a folder made with mkdir (atomic), holding its
// owner's pid. Parallel builds share one compiled iPXE tree, and QEMU boots take one of a few
// slots (local/qemu/lock.ts): both use this. A lock whose owner died is taken over. A lock without a
// pid file yet is one whose owner is between mkdir and writing the pid: it counts as held for
// PID_GRACE_MS, after which its owner is taken to have died there.
import * as fs from "node:fs";
import * as path from "node:path";

export const PID_GRACE_MS = 5_000;
const POLL_MS = 250;

export interface DirLockOptions {
  /** Give up waiting after this long. */
  timeoutMs: number;
  /** The error thrown when the wait times out (it should say who may hold the lock and what to do). */
  onTimeout: () => Error;
}

export async function withDirLock<T>(
  lockDir: string,
  opts: DirLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  return withOneOfDirLocks([lockDir], opts, fn);
}

/**
 * Holds the first free one of `lockDirs`: a semaphore of that many slots between processes
 * (QEMU runs, local/qemu/lock.ts). `fn` is told which one it holds.
 */
export async function withOneOfDirLocks<T>(
  lockDirs: string[],
  opts: DirLockOptions,
  fn: (held: string) => Promise<T>,
): Promise<T> {
  for (const dir of lockDirs) fs.mkdirSync(path.dirname(dir), { recursive: true });
  const deadline = Date.now() + opts.timeoutMs;
  let held: string | undefined;
  while (!(held = lockDirs.find(takeOrTakeOver))) {
    if (Date.now() > deadline) throw opts.onTimeout();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn(held);
  } finally {
    fs.rmSync(held, { recursive: true, force: true });
  }
}

/** Takes the lock if it is free, or once its owner is found to have died. */
function takeOrTakeOver(lockDir: string): boolean {
  if (take(lockDir)) return true;
  const dead = abandoned(lockDir);
  if (dead === undefined) return false;
  takeOver(lockDir, dead);
  return take(lockDir);
}

function take(lockDir: string): boolean {
  try {
    fs.mkdirSync(lockDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  fs.writeFileSync(path.join(lockDir, "pid"), String(process.pid));
  return true;
}

/**
 * The lock folder's inode if its owner is gone (its pid is no live process, or it wrote no pid
 * within the grace period), else undefined (held, or released meanwhile).
 */
function abandoned(lockDir: string): number | undefined {
  let folder: fs.Stats;
  try {
    folder = fs.statSync(lockDir);
  } catch {
    return undefined; // released meanwhile: the next take() gets it
  }
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(path.join(lockDir, "pid"), "utf8"));
  } catch {
    // No pid file yet: judged by the folder's age below.
  }
  if (pid > 0) return processExists(pid) ? undefined : folder.ino;
  return Date.now() - folder.mtimeMs > PID_GRACE_MS ? folder.ino : undefined;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by another user
  }
}

/**
 * Removes an abandoned lock. It is renamed aside first (atomic, so of several waiters only one
 * removes it); if what was renamed is not the folder judged abandoned (its owner released it and
 * another took it in between), it is put back.
 */
function takeOver(lockDir: string, judged: number): void {
  const aside = `${lockDir}.abandoned-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lockDir, aside);
  } catch {
    return; // another waiter moved it first
  }
  if (inode(aside) !== judged) {
    try {
      fs.renameSync(aside, lockDir);
      return;
    } catch {
      // Someone took the free lock meanwhile; the moved owner keeps running, unprotected. Rare
      // enough (three processes within microseconds) to accept rather than add a second lock.
    }
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

function inode(dir: string): number | undefined {
  try {
    return fs.statSync(dir).ino;
  } catch {
    return undefined;
  }
}
