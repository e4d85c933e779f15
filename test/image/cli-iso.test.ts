// `boot-stack iso --stack prod --all`: every example site's image, printed with its sha256, and
// the same bytes on a second run (the "done when").
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../support/cli";
import { PROJECT_DIR } from "../support/prod-config";

jest.setTimeout(120_000);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-cli-iso-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The example stack compiles iPXE (test/image/compile.test.ts); the CLI's own behaviour is shown
// here with the prebuilt binaries, which need no iPXE source.
const iso = (args: string[]) =>
  runCli(["iso", "--stack", "prod", "--mode", "prebuilt", "--project-dir", PROJECT_DIR, ...args]);

const shas = (stdout: string) =>
  Object.fromEntries(
    [...stdout.matchAll(/^(\S+): .* sha256 ([0-9a-f]{64}) (\d+) bytes/gm)].map((m) => [m[1], m[2]]),
  );

test("--all builds every site of Pulumi.prod.yaml, twice with the same sha256", async () => {
  const first = await iso(["--all", "--out", path.join(tmp, "one")]);
  expect(first.code).toBe(0);
  const a = shas(first.stdout);
  expect(Object.keys(a)).toEqual(["ams1", "fra-lab", "nyc2", "sgp1"]);
  expect(new Set(Object.values(a)).size).toBe(4);
  expect(fs.readdirSync(path.join(tmp, "one")).sort()).toEqual([
    "ams1.iso",
    "ams1.iso.json",
    "fra-lab.iso",
    "fra-lab.iso.json",
    "nyc2.iso",
    "nyc2.iso.json",
    "sgp1.iso",
    "sgp1.iso.json",
  ]);
  // Progress: which step, elapsed seconds.
  expect(first.stderr).toMatch(/^\[\s*\d+\.\d s\] ams1: writing .*ams1\.iso \(bios \+ uefi, prebuilt\)$/m);
  expect(first.stderr).toMatch(/^\[\s*\d+\.\d s\] done: 4 images in /m);

  const second = await iso(["--all", "--out", path.join(tmp, "two")]);
  expect(shas(second.stdout)).toEqual(a);
});

test("--base-url changes the stage-1 and so the image; --platforms bios builds a BIOS-only image", async () => {
  const r = await iso([
    "--site",
    "ams1",
    "--out",
    path.join(tmp, "local"),
    "--base-url",
    "http://10.0.2.100",
    "--platforms",
    "bios",
  ]);
  expect(r.code).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(tmp, "local", "ams1.iso.json"), "utf8"));
  expect(manifest.platforms).toEqual(["bios"]);
  const image = fs.readFileSync(path.join(tmp, "local", "ams1.iso"));
  expect(image.includes(Buffer.from(", origin http://10.0.2.100\n"))).toBe(true);
});

test("bad flags are usage errors with one line", async () => {
  const r = await iso(["--site", "ams1", "--out", tmp, "--platforms", "arm"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe("boot-stack: --platforms arm: must be a comma-separated list of bios, uefi\n");
  const m = await iso(["--site", "ams1", "--out", tmp, "--mode", "fast"]);
  expect(m.stderr).toBe("boot-stack: --mode fast: must be prebuilt or compile\n");
});
