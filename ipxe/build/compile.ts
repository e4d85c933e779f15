// Compile mode: iPXE built from source at a pinned commit with the committed headers in
// ipxe/config/local/, the configured CAs, and (by default) the site's stage-1 embedded.
//
// The expensive full build runs once per (commit, headers) in a private copy of the tree under
// .cache/ipxe/build/<key>/ (the user's tree is never written to); each site then costs a re-link
// with its own EMBED=, and another trust list a rebuild of the two objects that carry it (iPXE's
// Makefile tracks EMBED=, TRUST= and CERT= in bin*/.*.list files and rebuilds what they feed).
// Binaries are cached by stage-1 and trust.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Platform } from "../../config/schema";
import { ImageBuildError } from "./errors";
import { sha256 } from "./hash";
import { withDirLock } from "./lock";
import { DEFAULT_SOURCE_DATE_EPOCH } from "./plan";
import { IPXE_PINNED_COMMIT, IPXE_UPSTREAM_URL } from "./pin";
import { lastLine, run } from "./tools";

export const HEADERS_DIR = path.resolve(__dirname, "..", "config", "local");
export const SOURCE_ENV = "BOOT_STACK_IPXE_SRC";
/** A mirror of upstream's git repository to fetch from instead (e.g. an internal Git server). */
export const GIT_URL_ENV = "BOOT_STACK_IPXE_GIT_URL";

/** make targets per platform, relative to the tree's src/. */
export const TARGETS: Record<Platform, string> = { bios: "bin/ipxe.lkrn", uefi: "bin-x86_64-efi/ipxe.efi" };
/**
 * The UEFI target when the binary will be signed for Secure Boot: upstream's "-sb" variant links
 * only drivers and files upstream reviewed and marked FILE_SECBOOT(PERMITTED), and fails the build
 * otherwise (src/Makefile.housekeeping, "%.secboot"), so a signed iPXE cannot carry, e.g., an
 * unreviewed wireless driver. Our committed headers build under it (checked at 0ab2277c).
 */
export const SECURE_BOOT_UEFI_TARGET = "bin-x86_64-efi-sb/ipxe.efi";

export const targetFor = (p: Platform, secureBoot: boolean): string =>
  p === "uefi" && secureBoot ? SECURE_BOOT_UEFI_TARGET : TARGETS[p];

export interface CompileOptions {
  cacheDir: string;
  platforms: Platform[];
  /** Script to embed (EMBED=); undefined builds a generic binary that reads autoexec.ipxe / the initrd. */
  embed?: string;
  sourceDir?: string;
  ref?: string;
  trust?: string[];
  /** Build the UEFI binary as upstream's Secure Boot variant (SECURE_BOOT_UEFI_TARGET). */
  secureBoot?: boolean;
  onProgress?: (msg: string) => void;
}

export interface CompiledIpxe {
  bios?: string;
  uefi?: string;
  commit: string;
  source: string;
  /** Seconds spent in make for this call (0 when the cache answered). */
  makeSeconds: number;
  fullBuild: boolean;
}

/** The committed build headers, by file name, in a stable order. */
export function readHeaders(): { name: string; text: string }[] {
  return fs
    .readdirSync(HEADERS_DIR)
    .filter((f) => f.endsWith(".h"))
    .sort()
    .map((name) => ({ name, text: fs.readFileSync(path.join(HEADERS_DIR, name), "utf8") }));
}

/** The commit a source tree is at: a COMMIT file (exported trees) or .git's HEAD, else undefined. */
export function detectCommit(root: string): string | undefined {
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(root, f), "utf8").trim();
    } catch {
      return undefined;
    }
  };
  const commitFile = read("COMMIT");
  if (commitFile && /^[0-9a-f]{40}$/.test(commitFile)) return commitFile;
  const head = read(".git/HEAD");
  if (!head) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const loose = read(`.git/${ref}`);
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  const packed = read(".git/packed-refs")
    ?.split("\n")
    .find((l) => l.endsWith(` ${ref}`));
  return packed?.slice(0, 40);
}

/** Finds the tree root (the folder holding src/Makefile) or says plainly what is wrong. */
export function checkSourceTree(dir: string, field: string): string {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
    fs.accessSync(abs, fs.constants.R_OK | fs.constants.X_OK);
  } catch (e) {
    throw new ImageBuildError(
      `${field} ${abs} cannot be read (${(e as NodeJS.ErrnoException).code}): point it at an iPXE source tree (a checkout of ${IPXE_UPSTREAM_URL})`,
    );
  }
  if (!st.isDirectory())
    throw new ImageBuildError(
      `${field} ${abs} is not a folder: point it at an iPXE source tree (a checkout of ${IPXE_UPSTREAM_URL})`,
    );
  if (
    fs.existsSync(path.join(abs, "src", "Makefile")) &&
    fs.existsSync(path.join(abs, "src", "config", "general.h"))
  )
    return abs;
  if (fs.existsSync(path.join(abs, "Makefile")) && fs.existsSync(path.join(abs, "config", "general.h")))
    return path.dirname(abs);
  throw new ImageBuildError(
    `${field} ${abs} is not an iPXE source tree (no src/Makefile and src/config/general.h): point it at a checkout of ${IPXE_UPSTREAM_URL}`,
  );
}

/** Fetches upstream at the pinned commit into the cache (only when no source tree is given). */
async function cloneUpstream(
  cacheDir: string,
  commit: string,
  url: string,
  onProgress: (m: string) => void,
): Promise<string> {
  const dest = path.join(cacheDir, "ipxe", "src", commit);
  if (fs.existsSync(path.join(dest, "src", "Makefile"))) return dest;
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  onProgress(`fetching iPXE ${commit.slice(0, 12)} from ${url}`);
  const hint = `set ${SOURCE_ENV} or ipxe.sourceDir to a local iPXE source tree, or use --mode prebuilt`;
  try {
    for (const args of [
      ["init", "-q"],
      ["fetch", "-q", "--depth", "1", url, commit],
      ["-c", "advice.detachedHead=false", "checkout", "-q", "FETCH_HEAD"],
    ]) {
      const r = await run("git", args, { cwd: tmp, timeoutMs: 300_000 });
      if (r.code !== 0)
        throw new ImageBuildError(
          `could not fetch iPXE ${commit.slice(0, 12)} from ${url} (${lastLine(r.stderr) || `git ${args[0]} exit ${r.code}`}): ${hint}`,
        );
    }
    fs.renameSync(tmp, dest);
    return dest;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function readTrust(files: string[]): { name: string; text: string }[] {
  return files.map((f, i) => {
    try {
      const text = fs.readFileSync(f, "utf8");
      if (!text.includes("-----BEGIN CERTIFICATE-----"))
        throw new ImageBuildError(
          `ipxe.trust[${i}] ${f} is not a PEM certificate (no BEGIN CERTIFICATE line)`,
        );
      // Named by content: the TRUST=/CERT= lists iPXE compares then change with any certificate.
      return { name: `ca-${sha256(text).slice(0, 16)}.pem`, text };
    } catch (e) {
      if (e instanceof ImageBuildError) throw e;
      throw new ImageBuildError(
        `ipxe.trust[${i}] ${f} cannot be read (${(e as NodeJS.ErrnoException).code}): give the PEM file of a CA the origin's certificate chains to`,
      );
    }
  });
}

/** The cache key of a full build: everything that changes most compiled objects. */
export function buildKey(commit: string, headers: { name: string; text: string }[]): string {
  const parts = [`commit ${commit}`, ...headers.map((h) => `header ${h.name} ${sha256(h.text)}`)];
  return sha256(parts.join("\n")).slice(0, 20);
}

function countObjects(src: string): number {
  let n = 0;
  for (const d of ["bin", "bin-x86_64-efi"]) {
    try {
      n += fs.readdirSync(path.join(src, d)).filter((f) => f.endsWith(".o")).length;
    } catch {
      /* not there yet */
    }
  }
  return n;
}

function explainMakeFailure(stderr: string): string {
  if (/lzma\.h: No such file/.test(stderr))
    return "lzma.h is missing: install it with `apt-get install liblzma-dev`";
  if (/openssl: (command )?not found/.test(stderr))
    return "openssl is not installed: install it with `apt-get install openssl`";
  if (/(gcc|cc|perl): (command )?not found|No such file or directory.*\b(gcc|perl)\b/.test(stderr))
    return "a compiler tool is missing: install it with `apt-get install gcc make perl liblzma-dev`";
  return lastLine(stderr);
}

export async function compileIpxe(opts: CompileOptions): Promise<CompiledIpxe> {
  const progress = opts.onProgress ?? (() => undefined);
  const pinned = opts.ref ?? IPXE_PINNED_COMMIT;
  const given = opts.sourceDir ?? process.env[SOURCE_ENV];
  const field = opts.sourceDir ? "ipxe.sourceDir" : SOURCE_ENV;
  let root: string;
  let source: string;
  if (given) {
    root = checkSourceTree(given, field);
    source = `source:${root}`;
    const found = detectCommit(root);
    if (found && found !== pinned) {
      throw new ImageBuildError(
        `${field} ${root} is at iPXE commit ${found} but ipxe.ref pins ${pinned}: check out ${pinned} there, or set ipxe.ref to ${found}`,
      );
    }
    if (!found)
      progress(
        `warning: cannot tell which commit ${root} is at (no COMMIT file or .git); assuming the pinned ${pinned.slice(0, 12)}`,
      );
  } else {
    const url = process.env[GIT_URL_ENV] || IPXE_UPSTREAM_URL;
    root = await cloneUpstream(opts.cacheDir, pinned, url, progress);
    source = `git:${url}`;
  }

  const headers = readHeaders();
  const trust = readTrust(opts.trust ?? []);
  const key = buildKey(pinned, headers);
  const tree = path.join(opts.cacheDir, "ipxe", "build", key);
  const src = path.join(tree, "src");
  const secureBoot = opts.secureBoot ?? false;
  const target = (p: Platform) => targetFor(p, secureBoot);
  const trustKey = trust.length ? sha256(trust.map((t) => t.name).join(",")).slice(0, 12) : "default";
  const outDir = path.join(
    tree,
    "out",
    `${opts.embed === undefined ? "generic" : sha256(opts.embed).slice(0, 20)}-trust-${trustKey}${secureBoot ? "-sb" : ""}`,
  );
  const want = [...new Set(opts.platforms)].sort();
  const result = (makeSeconds: number, fullBuild: boolean): CompiledIpxe => ({
    ...Object.fromEntries(want.map((p) => [p, path.join(outDir, path.basename(target(p)))])),
    commit: pinned,
    source,
    makeSeconds,
    fullBuild,
  });
  const cached = () => want.every((p) => fs.existsSync(path.join(outDir, path.basename(target(p)))));
  if (cached()) return result(0, false);

  fs.mkdirSync(path.dirname(tree), { recursive: true });
  const lock = { dir: `${tree}.lock`, timeoutMs: 60 * 60_000 };
  const busy = () =>
    new ImageBuildError(
      `the iPXE build tree ${key} is locked by another build (${lock.dir}) for over ${lock.timeoutMs / 1000} s: wait for it, or remove that folder if no build is running`,
    );
  return withDirLock(lock.dir, { timeoutMs: lock.timeoutMs, onTimeout: busy }, async () => {
    if (cached()) return result(0, false);
    if (!fs.existsSync(path.join(tree, ".copied"))) {
      progress(`copying the iPXE source tree into ${path.relative(process.cwd(), tree) || tree}`);
      fs.rmSync(tree, { recursive: true, force: true });
      fs.mkdirSync(tree, { recursive: true });
      const cp = await run("cp", ["-a", path.join(root, "src"), src], { timeoutMs: 300_000 });
      if (cp.code !== 0)
        throw new ImageBuildError(`could not copy ${root}/src into the build cache: ${lastLine(cp.stderr)}`);
      fs.mkdirSync(path.join(src, "config", "local"), { recursive: true });
      for (const h of headers) fs.writeFileSync(path.join(src, "config", "local", h.name), h.text);
      fs.writeFileSync(path.join(tree, ".copied"), `${pinned}\n`);
    }
    fs.mkdirSync(path.join(tree, "trust"), { recursive: true });
    for (const t of trust) fs.writeFileSync(path.join(tree, "trust", t.name), t.text);
    const embedFile = path.join(tree, "embed", "stage1.ipxe");
    fs.mkdirSync(path.dirname(embedFile), { recursive: true });
    fs.writeFileSync(embedFile, opts.embed ?? "");
    const trustList = trust.map((t) => `../trust/${t.name}`).join(",");
    const args = [`-j${Math.max(1, os.cpus().length)}`, ...want.map(target), `GITVERSION=${pinned}`];
    // Relative paths keep the bytes independent of where the cache lives.
    if (opts.embed !== undefined) args.push("EMBED=../embed/stage1.ipxe");
    // A private CA needs both: TRUST= to trust it, CERT= to carry it (FACTS: TRUST alone fails).
    if (trustList) args.push(`TRUST=${trustList}`, `CERT=${trustList}`);
    // A target folder never built before (e.g. the first Secure Boot variant) is a full build too.
    const fullBuild =
      !fs.existsSync(path.join(tree, ".built")) ||
      want.some((p) => !fs.existsSync(path.join(src, path.dirname(target(p)))));
    const what = fullBuild
      ? "full build (once per commit and headers)"
      : opts.embed !== undefined
        ? "re-link with this site's stage-1 and trust"
        : "re-link with this trust";
    progress(`compiling iPXE ${pinned.slice(0, 12)}: ${what}`);
    const started = Date.now();
    const ticker = setInterval(
      () =>
        progress(
          `compiling iPXE: ${what}, ${countObjects(src)} objects, ${Math.round((Date.now() - started) / 1000)} s`,
        ),
      15_000,
    );
    let r;
    try {
      r = await run("make", args, {
        cwd: src,
        timeoutMs: 60 * 60_000,
        env: {
          ...process.env,
          SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH || String(DEFAULT_SOURCE_DATE_EPOCH),
        },
      });
    } finally {
      clearInterval(ticker);
    }
    const makeSeconds = (Date.now() - started) / 1000;
    if (r.code !== 0)
      throw new ImageBuildError(
        `iPXE build failed in ${src} (make exit ${r.code}): ${explainMakeFailure(r.stderr)}`,
      );
    fs.writeFileSync(path.join(tree, ".built"), "");
    progress(`compiled iPXE in ${makeSeconds.toFixed(1)} s`);
    const tmpOut = `${outDir}.tmp-${process.pid}`;
    fs.rmSync(tmpOut, { recursive: true, force: true });
    fs.mkdirSync(tmpOut, { recursive: true });
    for (const p of want)
      fs.copyFileSync(path.join(src, target(p)), path.join(tmpOut, path.basename(target(p))));
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmpOut, outDir);
    return result(makeSeconds, fullBuild);
  });
}
