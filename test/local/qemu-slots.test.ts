// QEMU slots (local/qemu/lock.ts): how many boots share the machine, and a run that measures
// timings has it to itself.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { qemuSlots, withQemuLock } from "../../local/qemu/lock";

let cache: string;
const saved = { ...process.env };
beforeEach(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), "bs-slots-"));
  process.env.BOOT_STACK_CACHE = cache;
});
afterEach(() => {
  process.env = { ...saved };
  fs.rmSync(cache, { recursive: true, force: true });
});

const held = () =>
  fs
    .readdirSync(cache)
    .filter((f) => f.startsWith("qemu.lock"))
    .sort();

test("the slot count: 1 unless set, 1 to 4, anything else refused naming the variable", () => {
  expect(qemuSlots({})).toBe(1);
  expect(qemuSlots({ BOOT_STACK_QEMU_SLOTS: "2" })).toBe(2);
  for (const bad of ["0", "5", "two", "1.5"])
    expect(() => qemuSlots({ BOOT_STACK_QEMU_SLOTS: bad })).toThrow(
      new RegExp(`BOOT_STACK_QEMU_SLOTS=${bad.replace(".", "\\.")}: give a whole number .* 1 to 4`),
    );
});

test("with two slots, a run holds one; an exclusive run holds both", async () => {
  process.env.BOOT_STACK_QEMU_SLOTS = "2";
  expect(await withQemuLock(5_000, async () => held())).toEqual(["qemu.lock"]);
  expect(await withQemuLock(5_000, async () => held(), { exclusive: true })).toEqual([
    "qemu.lock",
    "qemu.lock.1",
  ]);
  expect(held()).toEqual([]);
});

test("an exclusive run waits for a shared run to end", async () => {
  process.env.BOOT_STACK_QEMU_SLOTS = "2";
  const order: string[] = [];
  const shared = withQemuLock(5_000, async () => {
    order.push("shared in");
    await new Promise((r) => setTimeout(r, 700));
    order.push("shared out");
  });
  await new Promise((r) => setTimeout(r, 100));
  await withQemuLock(5_000, async () => void order.push("exclusive"), { exclusive: true });
  await shared;
  expect(order).toEqual(["shared in", "shared out", "exclusive"]);
});
