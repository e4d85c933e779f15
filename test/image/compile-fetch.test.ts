// Compile mode without a source tree: the pinned commit is fetched with git into the cache.
// Upstream is unreachable here, so this uses BOOT_STACK_IPXE_GIT_URL: an unreachable URL must
// give one line naming the fixes, and a local mirror holding a stand-in tree (a Makefile that
// writes the two targets) must be fetched, built in the cache with the committed headers and
// EMBED=, and re-linked per site.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSiteImage, ImageBuildError } from "../../ipxe/build";
import { HEADERS_DIR } from "../../ipxe/build/compile";

jest.setTimeout(120_000);

let tmp: string;
const saved = { src: process.env.BOOT_STACK_IPXE_SRC, url: process.env.BOOT_STACK_IPXE_GIT_URL };
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bs-fetch-"));
  delete process.env.BOOT_STACK_IPXE_SRC;
});
afterAll(() => {
  if (saved.src !== undefined) process.env.BOOT_STACK_IPXE_SRC = saved.src;
  if (saved.url !== undefined) process.env.BOOT_STACK_IPXE_GIT_URL = saved.url;
  else delete process.env.BOOT_STACK_IPXE_GIT_URL;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd,
    stdio: ["ignore", "pipe", "ignore"],
  })
    .toString()
    .trim();

test("an unreachable upstream is one line that names the alternatives; nothing is left in the cache", async () => {
  process.env.BOOT_STACK_IPXE_GIT_URL = `file://${tmp}/no-such-repo.git`;
  const cache = path.join(tmp, "cache-unreachable");
  const p = buildSiteImage({
    site: "ams1",
    stage1: "#!ipxe\necho hi\n",
    mode: "compile",
    outDir: path.join(tmp, "out"),
    cacheDir: cache,
  });
  await expect(p).rejects.toThrow(ImageBuildError);
  await expect(p).rejects.toThrow(
    new RegExp(
      `^could not fetch iPXE 0ab2277c40f1 from file://${tmp}/no-such-repo\\.git \\(.+\\): set BOOT_STACK_IPXE_SRC or ipxe\\.sourceDir to a local iPXE source tree, or use --mode prebuilt$`,
    ),
  );
  expect(fs.readdirSync(path.join(cache, "ipxe", "src"))).toEqual([]);
  expect(fs.existsSync(path.join(tmp, "out", "ams1.iso"))).toBe(false);
});

test("a mirror at the pinned ref is fetched, built in the cache with the headers and EMBED=, then re-linked per site", async () => {
  const mirror = path.join(tmp, "mirror");
  fs.mkdirSync(path.join(mirror, "src", "config", "local"), { recursive: true });
  fs.writeFileSync(path.join(mirror, "src", "config", "general.h"), "/* stand-in */\n");
  // Writes each target with what it was asked to embed, so the test can see EMBED= arrive.
  fs.writeFileSync(
    path.join(mirror, "src", "Makefile"),
    'bin/ipxe.lkrn bin-x86_64-efi/ipxe.efi:\n\tmkdir -p $(dir $@) && printf \'stand-in %s %s\\n\' "$(EMBED)" "$$(cat $(EMBED))" > $@\n',
  );
  git(mirror, "init", "-q");
  git(mirror, "add", ".");
  git(mirror, "commit", "-qm", "stand-in");
  const commit = git(mirror, "rev-parse", "HEAD");
  process.env.BOOT_STACK_IPXE_GIT_URL = `file://${mirror}`;
  const cache = path.join(tmp, "cache-mirror");
  const progress: string[] = [];
  const r = await buildSiteImage({
    site: "ams1",
    stage1: "#!ipxe\necho site one\n",
    mode: "compile",
    ref: commit,
    outDir: path.join(tmp, "out1"),
    cacheDir: cache,
    onProgress: (m) => progress.push(m),
  });
  expect(progress[0]).toBe(`fetching iPXE ${commit.slice(0, 12)} from file://${mirror}`);
  expect(r.manifest.ipxe).toMatchObject({
    mode: "compile",
    commit,
    source: `git:file://${mirror}`,
    embedded: true,
  });
  expect(r.compile).toMatchObject({ fullBuild: true });
  expect(fs.existsSync(path.join(cache, "ipxe", "src", commit, "src", "Makefile"))).toBe(true);
  const [tree] = fs.readdirSync(path.join(cache, "ipxe", "build")).filter((f) => !f.endsWith(".lock"));
  const src = path.join(cache, "ipxe", "build", tree, "src");
  for (const h of ["general.h", "console.h"])
    expect(fs.readFileSync(path.join(src, "config", "local", h), "utf8")).toBe(
      fs.readFileSync(path.join(HEADERS_DIR, h), "utf8"),
    );
  expect(fs.readFileSync(path.join(src, "bin", "ipxe.lkrn"), "utf8")).toBe(
    "stand-in ../embed/stage1.ipxe #!ipxe\necho site one\n",
  );

  const second = await buildSiteImage({
    site: "fra-lab",
    stage1: "#!ipxe\necho site two\n",
    mode: "compile",
    ref: commit,
    outDir: path.join(tmp, "out1"),
    cacheDir: cache,
  });
  expect(second.compile).toMatchObject({ fullBuild: false });
  expect(fs.readdirSync(path.join(cache, "ipxe", "build", tree, "out"))).toHaveLength(2);
});
