// One package of the Debian archive, fetched with apt but with a private apt state (its own
// sources list, lists and cache in a work folder), so the system's sources, lists and caches are
// never touched and a suite this machine does not run (e.g. trixie on bookworm) can be used.
// The one place this pattern lives: Debian 13's iPXE (debian13.ts) and the artefact source
// "file X of package P at version V" (origin/artifacts.ts) both use it.
import * as fs from "node:fs";
import * as path from "node:path";
import { lastLine, run } from "./tools";

const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const DEFAULT_ARCHIVE = "http://deb.debian.org/debian";
const TIMEOUT_MS = 300_000;

export interface DebianPackageRequest {
  /** Package name, e.g. debian-installer-12-netboot-amd64. */
  name: string;
  /** Exact version (`apt-get download name=version`); undefined takes the suite's newest. */
  version?: string;
  /** Suite whose index lists that version, e.g. bookworm. */
  suite: string;
  /** Archive root; undefined uses the one this machine's apt sources name (a local mirror is honoured). */
  archive?: string;
}

/** Why a package could not be had; callers turn it into a message naming their own field and fix. */
export type DebianPackageFailure = "list" | "version" | "download" | "unpack" | "file";

export class DebianPackageError extends Error {
  constructor(
    readonly failure: DebianPackageFailure,
    message: string,
  ) {
    super(message);
    this.name = "DebianPackageError";
  }
}

/** The Debian archive URI the system already uses (so a local mirror is honoured). */
export function systemArchiveUri(): string {
  for (const f of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    let text: string;
    try {
      text = fs.readFileSync(f, "utf8");
    } catch {
      continue;
    }
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822) return deb822[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text);
    if (oneLine) return oneLine[1];
  }
  return DEFAULT_ARCHIVE;
}

export const describePackage = (req: DebianPackageRequest): string =>
  `${req.name}${req.version ? ` ${req.version}` : ""} (${req.suite}, ${req.archive ?? systemArchiveUri()})`;

/**
 * Downloads the package's .deb into `destDir` and returns its path. apt checks the archive's
 * signature (the Debian keyring); callers check the bytes they use against their own sha256.
 */
export async function downloadDebianPackage(
  req: DebianPackageRequest,
  destDir: string,
  onProgress: (msg: string) => void = () => undefined,
): Promise<string> {
  const archive = req.archive ?? systemArchiveUri();
  fs.mkdirSync(destDir, { recursive: true });
  // A private work folder per call: parallel fetches never share apt's locks or half files.
  const work = fs.mkdtempSync(path.join(destDir, "apt-"));
  try {
    const sources = path.join(work, "sources.list");
    fs.writeFileSync(sources, `deb [signed-by=${KEYRING}] ${archive} ${req.suite} main\n`);
    for (const d of ["lists/partial", "cache/archives/partial"])
      fs.mkdirSync(path.join(work, d), { recursive: true });
    const aptOpts = [
      "-o",
      `Dir::Etc::SourceList=${sources}`,
      "-o",
      "Dir::Etc::SourceParts=/dev/null",
      "-o",
      `Dir::State::Lists=${path.join(work, "lists")}`,
      "-o",
      `Dir::Cache=${path.join(work, "cache")}`,
      "-o",
      "APT::Sandbox::User=root", // files land in our own folder, not one _apt may write
      // A frozen archive (snapshot.debian.org) has an expired Release file. The signature is
      // still checked, and every file taken from the package is checked against its sha256.
      "-o",
      "Acquire::Check-Valid-Until=false",
      "-q",
    ];
    onProgress(`fetching ${describePackage({ ...req, archive })}`);
    const update = await run("apt-get", [...aptOpts, "update"], { cwd: work, timeoutMs: TIMEOUT_MS });
    if (update.code !== 0 || /^(W|E): Failed to fetch/m.test(update.stderr))
      throw new DebianPackageError(
        "list",
        `could not read the package list of ${req.suite} from ${archive}: ${lastLine(update.stderr) || `apt-get update exit ${update.code}`}`,
      );
    const spec = req.version ? `${req.name}=${req.version}` : req.name;
    const download = await run("apt-get", [...aptOpts, "download", spec], {
      cwd: work,
      timeoutMs: TIMEOUT_MS,
    });
    const deb = fs.readdirSync(work).find((f) => f.startsWith(`${req.name}_`) && f.endsWith(".deb"));
    if (download.code !== 0 || !deb) {
      const why = lastLine(download.stderr) || `apt-get download exit ${download.code}`;
      // apt: "E: Version '1.2' for 'pkg' was not found" / "E: Unable to locate package pkg".
      const missing = /was not found|Unable to locate package|Can't select/.test(download.stderr);
      throw new DebianPackageError(
        missing ? "version" : "download",
        missing
          ? `${req.name}${req.version ? ` version ${req.version}` : ""} is not in ${req.suite} at ${archive} (${why})`
          : `could not download ${spec} from ${archive}: ${why}`,
      );
    }
    const dest = path.join(destDir, deb);
    fs.renameSync(path.join(work, deb), dest);
    return dest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Unpacks the whole package into `destDir` (dpkg-deb -x). */
export async function unpackDebianPackage(deb: string, destDir: string): Promise<void> {
  const x = await run("dpkg-deb", ["-x", deb, destDir], { timeoutMs: 120_000 });
  if (x.code !== 0)
    throw new DebianPackageError(
      "unpack",
      `dpkg-deb could not unpack ${path.basename(deb)}: ${lastLine(x.stderr)}`,
    );
}

/** Writes one file of the package (a path inside it, e.g. usr/lib/…/linux) to `dest`. */
export async function extractDebianFile(deb: string, file: string, dest: string): Promise<void> {
  if (!fs.existsSync(deb)) throw new DebianPackageError("unpack", `${deb} does not exist`);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  // Data archives name members "./usr/…"; the names come in as arguments, never as shell text.
  const x = await run(
    "bash",
    [
      "-c",
      'set -o pipefail; dpkg-deb --fsys-tarfile "$1" | tar -xO -f - "./$2" > "$3"',
      "bash",
      deb,
      file,
      dest,
    ],
    { timeoutMs: 120_000 },
  );
  if (x.code !== 0) {
    fs.rmSync(dest, { force: true });
    const notThere = /Not found in archive/.test(x.stderr);
    throw new DebianPackageError(
      notThere ? "file" : "unpack",
      notThere
        ? `${path.basename(deb)} has no file ${file} (list its files with \`dpkg-deb -c ${path.basename(deb)}\`)`
        : `could not extract ${file} from ${path.basename(deb)}: ${lastLine(x.stderr)}`,
    );
  }
}
