// The one directory lock (ipxe/build/lock.ts), used by compile mode's shared build tree and by
// the QEMU rig: mutual exclusion between real processes, and its rules for a lock left behind.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PID_GRACE_MS, withDirLock, withOneOfDirLocks } from "../../ipxe/build/lock";

jest.setTimeout(60_000);
const REPO = path.resolve(__dirname, "..", "..");

let tmp: string;
let lock: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-lock-"));
  lock = path.join(tmp, "tree.lock");
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const busy = () => new Error("busy");
const leftovers = () => fs.readdirSync(tmp).filter((f) => f.includes(".abandoned-"));

/** A pid that no process has: one that ran and exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

/** Three processes, started together, each entering a critical section 4 times (with or without the lock). */
async function contend(useLock: boolean): Promise<{ codes: (number | null)[]; counter: string }> {
  const script = path.join(tmp, "contend.ts");
  fs.writeFileSync(
    script,
    `import * as fs from "node:fs";
import { withDirLock } from ${JSON.stringify(path.join(REPO, "ipxe/build/lock"))};
const [lock, dir, useLock] = process.argv.slice(2);
const critical = async () => {
  fs.mkdirSync(dir + "/inside"); // EEXIST if another process is inside too
  const n = Number(fs.readFileSync(dir + "/counter", "utf8"));
  await new Promise((r) => setTimeout(r, 20));
  fs.writeFileSync(dir + "/counter", String(n + 1));
  fs.rmdirSync(dir + "/inside");
};
(async () => {
  fs.writeFileSync(dir + "/ready-" + process.pid, "");
  while (!fs.existsSync(dir + "/go")) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 4; i++)
    if (useLock === "lock") await withDirLock(lock, { timeoutMs: 30_000, onTimeout: () => new Error("timeout") }, critical);
    else await critical();
})().catch((e) => { console.error(e.message); process.exit(1); });
`,
  );
  fs.writeFileSync(path.join(tmp, "counter"), "0");
  const children = [1, 2, 3].map(() =>
    spawn(process.execPath, ["--import", "tsx", script, lock, tmp, useLock ? "lock" : "none"], {
      cwd: REPO,
      stdio: "ignore",
    }),
  );
  const codes = Promise.all(children.map((c) => new Promise<number | null>((r) => c.on("exit", r))));
  while (fs.readdirSync(tmp).filter((f) => f.startsWith("ready-")).length < 3)
    await new Promise((r) => setTimeout(r, 50));
  fs.writeFileSync(path.join(tmp, "go"), "");
  return { codes: await codes, counter: fs.readFileSync(path.join(tmp, "counter"), "utf8") };
}

test("three processes started together never overlap inside the lock (and do without it)", async () => {
  const unlocked = await contend(false); // the control: proves this set-up can catch an overlap
  expect(unlocked.codes.some((c) => c !== 0)).toBe(true);
  for (const f of ["counter", "go", "inside"]) fs.rmSync(path.join(tmp, f), { recursive: true, force: true });
  for (const f of fs.readdirSync(tmp).filter((f) => f.startsWith("ready-"))) fs.rmSync(path.join(tmp, f));

  const locked = await contend(true);
  expect(locked.codes).toEqual([0, 0, 0]);
  expect(locked.counter).toBe("12");
  expect(fs.existsSync(lock)).toBe(false);
});

test("a lock whose owner died is taken over at once", async () => {
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(lock, "pid"), String(deadPid()));
  const started = Date.now();
  expect(await withDirLock(lock, { timeoutMs: 10_000, onTimeout: busy }, async () => "ran")).toBe("ran");
  expect(Date.now() - started).toBeLessThan(PID_GRACE_MS);
  expect(fs.existsSync(lock)).toBe(false);
  expect(leftovers()).toEqual([]);
});

test("a live owner's lock is waited for, and the wait ends with the caller's error", async () => {
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(lock, "pid"), String(process.ppid)); // jest's parent: alive
  let ran = false;
  await expect(
    withDirLock(lock, { timeoutMs: 800, onTimeout: busy }, async () => void (ran = true)),
  ).rejects.toThrow("busy");
  expect(ran).toBe(false);
  expect(fs.readFileSync(path.join(lock, "pid"), "utf8")).toBe(String(process.ppid));
});

test("a fresh lock without a pid file (its owner is between mkdir and writing it) is held", async () => {
  fs.mkdirSync(lock);
  let ran = false;
  await expect(
    withDirLock(lock, { timeoutMs: 800, onTimeout: busy }, async () => void (ran = true)),
  ).rejects.toThrow("busy");
  expect(ran).toBe(false);
  expect(fs.existsSync(lock)).toBe(true);
});

test("a lock without a pid file for longer than the grace period is taken over", async () => {
  fs.mkdirSync(lock);
  const old = (Date.now() - PID_GRACE_MS - 1000) / 1000;
  fs.utimesSync(lock, old, old);
  expect(await withDirLock(lock, { timeoutMs: 10_000, onTimeout: busy }, async () => "ran")).toBe("ran");
  expect(leftovers()).toEqual([]);
});

test("the lock is released when the work throws, and taken again at once", async () => {
  await expect(
    withDirLock(lock, { timeoutMs: 1000, onTimeout: busy }, async () => {
      expect(fs.readFileSync(path.join(lock, "pid"), "utf8")).toBe(String(process.pid));
      throw new Error("work failed");
    }),
  ).rejects.toThrow("work failed");
  expect(fs.existsSync(lock)).toBe(false);
  expect(await withDirLock(lock, { timeoutMs: 1000, onTimeout: busy }, async () => 2)).toBe(2);
});

test("slots: two of two locks are held at once, a third waits until one is released", async () => {
  const slots = [path.join(tmp, "s0"), path.join(tmp, "s1")];
  const opts = { timeoutMs: 10_000, onTimeout: busy };
  const inside = new Set<string>();
  let most = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const holder = (wait: Promise<void>) =>
    withOneOfDirLocks(slots, opts, async (held) => {
      expect(inside.has(held)).toBe(false);
      inside.add(held);
      most = Math.max(most, inside.size);
      await wait;
      inside.delete(held);
      return held;
    });
  const first = holder(gate);
  const second = holder(gate);
  await new Promise((r) => setTimeout(r, 300));
  let thirdRan = false;
  const third = withOneOfDirLocks(slots, opts, async (held) => ((thirdRan = true), held));
  await new Promise((r) => setTimeout(r, 800));
  expect(inside.size).toBe(2);
  expect(thirdRan).toBe(false);
  release();
  expect(new Set([await first, await second])).toEqual(new Set(slots));
  expect(slots).toContain(await third);
  expect(most).toBe(2);
  expect(slots.filter((s) => fs.existsSync(s))).toEqual([]);
});
