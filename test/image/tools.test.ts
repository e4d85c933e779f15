// The one "is it installed" check (hasTool) and the one runner's errors (ipxe/build/tools.ts),
// which the builder, the demo's tool check and the test OS share.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hasTool, run, runOk, ToolError } from "../../ipxe/build/tools";
import { EXIT } from "../../errors/user-error";

let tmp: string;
const savedPath = process.env.PATH;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-tools-"));
});
afterEach(() => {
  process.env.PATH = savedPath;
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("hasTool finds executables on PATH only: not plain files, not folders", () => {
  fs.writeFileSync(path.join(tmp, "runnable"), "#!/bin/sh\n", { mode: 0o755 });
  fs.writeFileSync(path.join(tmp, "plain"), "", { mode: 0o644 });
  fs.mkdirSync(path.join(tmp, "folder"));
  process.env.PATH = `/nonexistent${path.delimiter}${tmp}`;
  expect(["runnable", "plain", "folder", "absent"].filter(hasTool)).toEqual(["runnable"]);
  process.env.PATH = savedPath;
  expect(hasTool("sh")).toBe(true);
});

test("a missing tool is a ToolError naming its Debian package", async () => {
  process.env.PATH = tmp;
  const e = await run("xorriso", ["-version"]).catch((err) => err);
  expect(e).toBeInstanceOf(ToolError);
  expect(e.exitCode).toBe(EXIT.TOOL);
  expect(e.message).toBe(
    "xorriso is not installed: install it with `apt-get install xorriso` (or run scripts/setup.sh)",
  );
});

test("a failing tool is a ToolError quoting its last line; a slow one is stopped", async () => {
  await expect(runOk("sh", ["-c", "echo first >&2; echo 'the reason' >&2; exit 3"])).rejects.toThrow(
    new ToolError("sh -c failed (exit 3): the reason"),
  );
  await expect(run("sleep", ["5"], { timeoutMs: 1000 })).rejects.toThrow(
    "sleep 5 did not finish within 1 s and was stopped",
  );
});
