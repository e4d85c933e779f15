// Debian 13 (trixie)'s `ipxe` package, the default prebuilt binaries: the pinned version
// (pin.ts) fetched on demand with `apt-get download ipxe=<version>` from the Debian archive into
// .cache/ipxe/debian13/<sha256>/, checked against the pinned sha256, using a private apt state so
// the system's sources, lists and caches are never touched (this machine may run an older Debian).
import * as fs from "node:fs";
import * as path from "node:path";
import { ImageBuildError } from "./errors";
import { sha256File } from "./hash";
import { DEBIAN13_IPXE, debian13DebName } from "./pin";
import { lastLine, run } from "./tools";

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

/** The cache folder of the pinned package (named by its sha256, so a new pin fetches anew). */
const packageRoot = (cacheDir: string) =>
  path.join(cacheDir, "ipxe", "debian13", DEBIAN13_IPXE.sha256.slice(0, 16));

/** The folder holding Debian 13's ipxe.lkrn and ipxe-amd64.efi; fetches the pinned package if needed. */
export async function debian13IpxeDir(
  cacheDir: string,
  onProgress: (msg: string) => void = () => undefined,
): Promise<string> {
  const root = packageRoot(cacheDir);
  const binDir = path.join(root, "pkg", "usr", "lib", "ipxe");
  if (fs.existsSync(path.join(root, "pkg", ".complete"))) return binDir;

  fs.mkdirSync(root, { recursive: true });
  // A private work folder per process: parallel builds never share apt's locks or half files.
  const work = fs.mkdtempSync(path.join(root, "tmp-"));
  const wanted = `${DEBIAN13_IPXE.package}=${DEBIAN13_IPXE.version}`;
  try {
    const archive = systemArchiveUri();
    onProgress(`fetching Debian 13's ${wanted} from ${archive} (once per cache)`);
    const sources = path.join(work, "sources.list");
    fs.writeFileSync(sources, `deb [signed-by=${KEYRING}] ${archive} ${DEBIAN13_IPXE.suite} main\n`);
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
        `could not ${step} Debian 13's ${wanted} from ${archive} (${detail}): allow access to the Debian archive, or set ipxe.prebuiltDir to a folder of iPXE binaries`,
      );
    const update = await run("apt-get", [...aptOpts, "update"], { cwd: work, timeoutMs: 180_000 });
    if (update.code !== 0 || /^(W|E): Failed to fetch/m.test(update.stderr))
      throw failed("list", lastLine(update.stderr) || `apt-get update exit ${update.code}`);
    const download = await run("apt-get", [...aptOpts, "download", wanted], {
      cwd: work,
      timeoutMs: 180_000,
    });
    const deb = path.join(work, debian13DebName());
    if (download.code !== 0 || !fs.existsSync(deb)) {
      const detail = lastLine(download.stderr) || `apt-get download exit ${download.code}`;
      if (/Version .* was not found|Can't select/i.test(download.stderr))
        throw new ImageBuildError(
          `Debian's archive no longer offers ${wanted} (${detail}): pin the current version and its sha256 in ipxe/build/pin.ts (DEBIAN13_IPXE), or set ipxe.prebuiltDir`,
        );
      throw failed("download", detail);
    }
    const got = await sha256File(deb);
    if (got !== DEBIAN13_IPXE.sha256)
      throw new ImageBuildError(
        `Debian 13's ${debian13DebName()} has sha256 ${got}, but ipxe/build/pin.ts pins ${DEBIAN13_IPXE.sha256}: the archive served other bytes for that version; check the mirror, then update the pin only if Debian really changed it`,
      );

    const pkg = path.join(work, "pkg");
    const x = await run("dpkg-deb", ["-x", deb, pkg], { timeoutMs: 60_000 });
    if (x.code !== 0)
      throw new ImageBuildError(`dpkg-deb could not unpack ${debian13DebName()}: ${lastLine(x.stderr)}`);
    fs.copyFileSync(deb, path.join(pkg, debian13DebName()));
    fs.writeFileSync(path.join(pkg, ".complete"), `${debian13DebName()} ${got}\n`);
    try {
      fs.renameSync(pkg, path.join(root, "pkg"));
    } catch (e) {
      // Another build finished first: its copy is as good as ours.
      if (!fs.existsSync(path.join(root, "pkg", ".complete"))) throw e;
    }
    onProgress(`Debian 13 iPXE ready: ${debian13DebName()} (sha256 checked)`);
    return binDir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
