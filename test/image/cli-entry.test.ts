// The exact command IpxeIso's local.Command runs, run for real in prebuilt mode: values from the
// environment, progress on stderr, one JSON result line on stdout; and a one-line error.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BUILD_COMMAND } from "../../components/ipxe-iso";
import { toEnv } from "../../ipxe/build/env";
import { sha256 } from "../../ipxe/build/hash";
import { REPO_ROOT } from "../../ipxe/build/cache";

jest.setTimeout(120_000);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-entry-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runEntry(env: Record<string, string>) {
  const [cmd, ...args] = BUILD_COMMAND.split(" ");
  return spawnSync(cmd, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: "utf8",
    timeout: 100_000,
  });
}

test("builds the image named by the environment and prints its JSON result", () => {
  const stage1 = "#!ipxe\necho entry test\n";
  const r = runEntry(toEnv({ site: "entry", stage1, outDir: tmp, platforms: ["bios"] }));
  expect(r.status).toBe(0);
  const result = JSON.parse(r.stdout.trim());
  expect(result).toEqual({
    isoPath: path.join(tmp, "entry.iso"),
    sha256: sha256(fs.readFileSync(path.join(tmp, "entry.iso"))),
    size: fs.statSync(path.join(tmp, "entry.iso")).size,
    manifestPath: path.join(tmp, "entry.iso.json"),
  });
  expect(r.stderr).toMatch(/writing .*entry\.iso \(bios, prebuilt\)/);
});

test("a missing variable is one line naming it, exit 1", () => {
  const r = runEntry({ BOOT_STACK_SITE: "entry", BOOT_STACK_OUT_DIR: tmp });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe("boot-stack iso: BOOT_STACK_STAGE1 is not set\n");
});
