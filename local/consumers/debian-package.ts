// Files from one Debian package at the version the host's apt would install (its candidate), for
// the boot tests' real consumers: the archive's signed index names the package's sha256, so the
// cache is content-addressed before anything is downloaded; files are kept under
// <cache>/debian/<package>/<sha256 prefix>-<members digest>/. Only the members asked for are
// extracted (a kernel package unpacks to ~400 MB). Never installed on the host.
// Unlike ../../ipxe/build/debian-package.ts (a pinned version of a named suite, with a private
// apt state: what a stack's artefacts declare), this follows the host's own sources, security
// updates included (Debian 12's current kernel is in bookworm-security), so the tests follow the
// archive instead of failing when a point release drops a pinned version.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256File } from "../../ipxe/build/hash";
import { ToolError } from "../../ipxe/build/tools";
import { runTool } from "../proc";

export interface DebianPackageFiles {
  name: string;
  version: string;
  /** sha256 of the .deb, as the archive's index gives it (and checked after download). */
  debSha256: string;
  /** The extracted tree: members keep their paths inside the package (e.g. usr/lib/...). */
  root: string;
}

interface ArchiveEntry {
  version: string;
  sha256: string;
}

const RECORD = "package.txt";

/**
 * The package's files whose paths match `members` (tar wildcards such as `./usr/lib/dracut/*`),
 * downloaded once per archive version. With no apt index at hand (offline), the newest copy
 * already in the cache is used.
 */
export async function debianPackage(
  name: string,
  members: string[],
  opts: { cacheRoot: string; log?: (line: string) => void },
): Promise<DebianPackageFiles> {
  const log = opts.log ?? (() => undefined);
  const base = path.join(opts.cacheRoot, "debian", name);
  const selection = createHash("sha256").update(members.join("\n")).digest("hex").slice(0, 8);
  const entry = await archiveEntry(name, log);
  if (!entry) {
    const cached = newestCached(base, selection);
    if (cached) {
      log(`${name}: apt knows no such package; using the cached ${cached.version}`);
      return cached;
    }
    throw new ToolError(
      `cannot find Debian's package ${name} (apt-cache show names none, even after apt-get update): check /etc/apt/sources.list.d`,
    );
  }
  const dir = path.join(base, `${entry.sha256.slice(0, 16)}-${selection}`);
  const done = readRecord(dir);
  if (done) return done;

  fs.mkdirSync(base, { recursive: true });
  const work = fs.mkdtempSync(path.join(base, ".fetch-"));
  try {
    log(`${name}: fetching ${entry.version} with apt-get download (once, into ${dir})`);
    await runTool("apt-get", ["download", `${name}=${entry.version}`], { cwd: work, timeoutMs: 600_000 });
    const deb = fs.readdirSync(work).find((f) => f.endsWith(".deb"));
    if (!deb) throw new ToolError(`apt-get download ${name} left no .deb in ${work}`);
    const got = await sha256File(path.join(work, deb));
    if (got !== entry.sha256)
      throw new ToolError(
        `${name} ${entry.version}: downloaded sha256 ${got}, the archive says ${entry.sha256}`,
      );
    const root = path.join(work, "root");
    fs.mkdirSync(root);
    await runTool(
      "sh",
      [
        "-c",
        'deb="$1" dest="$2"; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest" --wildcards "$@"',
        "sh",
        path.join(work, deb),
        root,
        ...members,
      ],
      { timeoutMs: 300_000 },
    );
    fs.writeFileSync(
      path.join(root, RECORD),
      `${JSON.stringify({ name, version: entry.version, debSha256: entry.sha256, members })}\n`,
    );
    // Another process (a parallel test run) may have stored the same package meanwhile: keep its.
    if (!readRecord(dir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        fs.renameSync(root, dir);
      } catch (e) {
        if (!readRecord(dir)) throw e;
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const files = readRecord(dir);
  if (!files) throw new ToolError(`${name} was not stored in ${dir}`);
  return files;
}

/** The candidate version and its sha256 from apt's (signed) index; undefined if apt has none. */
async function archiveEntry(name: string, log: (line: string) => void): Promise<ArchiveEntry | undefined> {
  const lookup = async (): Promise<ArchiveEntry | undefined> => {
    const { stdout } = await runTool("apt-cache", ["show", "--no-all-versions", name], {
      timeoutMs: 30_000,
    }).catch(() => ({ stdout: "" }));
    const version = /^Version: (\S+)$/m.exec(stdout)?.[1];
    const sha256 = /^SHA256: ([0-9a-f]{64})$/m.exec(stdout)?.[1];
    return version && sha256 ? { version, sha256 } : undefined;
  };
  const found = await lookup();
  if (found) return found;
  // A fresh machine may have empty package lists (container images often do).
  log(`${name}: apt knows no such package yet: running apt-get update`);
  await runTool("apt-get", ["update", "-qq"], { timeoutMs: 180_000 }).catch(() => undefined);
  return lookup();
}

function readRecord(dir: string): DebianPackageFiles | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(dir, RECORD), "utf8")) as Omit<DebianPackageFiles, "root">;
    return { name: r.name, version: r.version, debSha256: r.debSha256, root: dir };
  } catch {
    return undefined;
  }
}

function newestCached(base: string, selection: string): DebianPackageFiles | undefined {
  if (!fs.existsSync(base)) return undefined;
  return fs
    .readdirSync(base)
    .filter((d) => d.endsWith(`-${selection}`))
    .map((d) => path.join(base, d))
    .filter((d) => readRecord(d))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
    .map((d) => readRecord(d)!)[0];
}
