// Debian 13 (trixie)'s `ipxe` package, the default prebuilt binaries: fetched on demand with apt
// from the Debian archive into .cache/ipxe/debian13/, using a private apt state so the system's
// sources, lists and caches are never touched (this machine may run an older Debian).
import * as fs from "node:fs";
import * as path from "node:path";
import { ImageBuildError } from "./errors";
import { lastLine, run } from "./tools";

const SUITE = "trixie";
const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const DEFAULT_ARCHIVE = "http://deb.debian.org/debian";

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

/** The folder holding Debian 13's ipxe.lkrn and ipxe-amd64.efi; fetches the package if needed. */
export async function debian13IpxeDir(
  cacheDir: string,
  onProgress: (msg: string) => void = () => undefined,
): Promise<string> {
  const root = path.join(cacheDir, "ipxe", "debian13");
  const binDir = path.join(root, "pkg", "usr", "lib", "ipxe");
  if (fs.existsSync(path.join(root, "pkg", ".complete"))) return binDir;

  fs.mkdirSync(root, { recursive: true });
  // A private work folder per process: parallel builds never share apt's locks or half files.
  const work = fs.mkdtempSync(path.join(root, "tmp-"));
  try {
    const archive = systemArchiveUri();
    onProgress(
      `fetching Debian 13's ipxe package from ${archive} (once, into ${path.relative(process.cwd(), root) || root})`,
    );
    const sources = path.join(work, "sources.list");
    fs.writeFileSync(sources, `deb [signed-by=${KEYRING}] ${archive} ${SUITE} main\n`);
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
      "-q",
    ];
    const failed = (step: string, detail: string) =>
      new ImageBuildError(
        `could not ${step} Debian 13's ipxe package from ${archive} (${detail}): allow access to the Debian archive, or set ipxe.prebuiltDir to a folder of iPXE binaries`,
      );
    const update = await run("apt-get", [...aptOpts, "update"], { cwd: work, timeoutMs: 180_000 });
    if (update.code !== 0 || /^(W|E): Failed to fetch/m.test(update.stderr))
      throw failed("list", lastLine(update.stderr) || `apt-get update exit ${update.code}`);
    const download = await run("apt-get", [...aptOpts, "download", "ipxe"], {
      cwd: work,
      timeoutMs: 180_000,
    });
    const deb = fs.readdirSync(work).find((f) => /^ipxe_.*_all\.deb$/.test(f));
    if (download.code !== 0 || !deb)
      throw failed("download", lastLine(download.stderr) || `apt-get download exit ${download.code}`);

    const pkg = path.join(work, "pkg");
    const x = await run("dpkg-deb", ["-x", path.join(work, deb), pkg], { timeoutMs: 60_000 });
    if (x.code !== 0) throw new ImageBuildError(`dpkg-deb could not unpack ${deb}: ${lastLine(x.stderr)}`);
    fs.writeFileSync(path.join(pkg, ".complete"), `${deb}\n`);
    fs.copyFileSync(path.join(work, deb), path.join(pkg, deb));
    try {
      fs.renameSync(pkg, path.join(root, "pkg"));
    } catch (e) {
      // Another build finished first: its copy is as good as ours.
      if (!fs.existsSync(path.join(root, "pkg", ".complete"))) throw e;
    }
    onProgress(`Debian 13 iPXE ready: ${deb}`);
    return binDir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The .deb's name recorded at fetch time (e.g. ipxe_1.21.1+git20250501.dad20602+dfsg-1_all.deb). */
export function debian13PackageName(cacheDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(cacheDir, "ipxe", "debian13", "pkg", ".complete"), "utf8").trim();
  } catch {
    return undefined;
  }
}
