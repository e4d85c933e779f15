// scripts/ipxe-source.sh, which ./bin/test-all uses to run the compile-mode tests: it finds the
// pinned tarball in a shared vendor folder beside the repository, checks it against SHA256SUMS,
// unpacks it once into the cache (never into the repository) with the commit `git archive`
// recorded, and says why when there is no usable source. Exercised on a real `git archive`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "ipxe-source.sh");

let tmp: string;
let repo: string;
let vendor: string;
let cache: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-ipxe-source-"));
  repo = path.join(tmp, "work", "clone");
  vendor = path.join(tmp, "work", "shared", "vendor", "ipxe");
  cache = path.join(tmp, "cache");
  fs.mkdirSync(path.join(repo, "scripts"), { recursive: true });
  fs.copyFileSync(SCRIPT, path.join(repo, "scripts", "ipxe-source.sh"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
    cwd,
    encoding: "utf8",
  });

/** A vendor folder like ../shared/vendor/ipxe: a `git archive --prefix=ipxe/` tarball and its SHA256SUMS. */
function makeVendor(): string {
  const upstream = path.join(tmp, "upstream");
  fs.mkdirSync(path.join(upstream, "src"), { recursive: true });
  fs.writeFileSync(path.join(upstream, "src", "Makefile"), "all:\n");
  git(upstream, "init", "-q");
  git(upstream, "add", ".");
  git(upstream, "commit", "-qm", "upstream");
  const commit = git(upstream, "rev-parse", "HEAD").stdout.trim();
  fs.mkdirSync(vendor, { recursive: true });
  const name = `ipxe-${commit}.tar.xz`;
  const r = spawnSync(
    "sh",
    ["-c", `git archive --prefix=ipxe/ HEAD | xz -9 > "${path.join(vendor, name)}"`],
    {
      cwd: upstream,
    },
  );
  expect(r.status).toBe(0);
  spawnSync("sh", ["-c", `sha256sum ${name} > SHA256SUMS`], { cwd: vendor });
  return commit;
}

function source(env: NodeJS.ProcessEnv = {}) {
  const clean: NodeJS.ProcessEnv = { ...process.env, BOOT_STACK_CACHE: cache, ...env };
  if (!("BOOT_STACK_IPXE_SRC" in env)) delete clean.BOOT_STACK_IPXE_SRC;
  const r = spawnSync(path.join(repo, "scripts", "ipxe-source.sh"), [], { env: clean, encoding: "utf8" });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test("the vendor tarball is verified and unpacked once into the cache, with its commit recorded", () => {
  const commit = makeVendor();
  const first = source();
  expect(first).toMatchObject({ code: 0, err: "" });
  expect(first.out.startsWith(path.join(cache, "ipxe", "vendor"))).toBe(true);
  expect(fs.readFileSync(path.join(first.out, "src", "Makefile"), "utf8")).toBe("all:\n");
  expect(fs.readFileSync(path.join(first.out, "COMMIT"), "utf8").trim()).toBe(commit);
  // Cached: a second run gives the same tree without unpacking again.
  fs.writeFileSync(path.join(first.out, "marker"), "kept");
  expect(source().out).toBe(first.out);
  expect(fs.existsSync(path.join(first.out, "marker"))).toBe(true);
  expect(fs.readdirSync(repo)).toEqual(["scripts"]); // nothing was written into the repository
});

test("a tarball that does not match SHA256SUMS is refused, saying so", () => {
  makeVendor();
  const tarball = fs.readdirSync(vendor).find((f) => f.endsWith(".tar.xz"))!;
  fs.appendFileSync(path.join(vendor, tarball), "tampered");
  expect(source()).toMatchObject({
    code: 1,
    out: "",
    err: expect.stringContaining("does not match its SHA256SUMS"),
  });
  expect(fs.existsSync(path.join(cache, "ipxe", "vendor"))).toBe(false);
});

test("without a vendor folder there is no source, and the reason names both ways to give one", () => {
  expect(source()).toMatchObject({
    code: 1,
    out: "",
    err: "no iPXE source: set BOOT_STACK_IPXE_SRC, or put the pinned tarball and its SHA256SUMS in ../shared/vendor/ipxe/",
  });
});

test("BOOT_STACK_IPXE_SRC wins when set", () => {
  makeVendor();
  expect(source({ BOOT_STACK_IPXE_SRC: "/src/ipxe" })).toMatchObject({ code: 0, out: "/src/ipxe" });
});
