// Debian 13 (trixie)'s `ipxe` package, the default prebuilt binaries: the pinned version (pin.ts)
// fetched on demand with `apt-get download ipxe=<version>` through the shared private-apt helper
// (debian-package.ts, so the system's sources, lists and caches are never touched) into
// .cache/ipxe/debian13/<sha256>/, and refused unless the .deb has the pinned sha256.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DebianPackageError,
  downloadDebianPackage,
  systemArchiveUri,
  unpackDebianPackage,
} from "./debian-package";
import { ImageBuildError } from "./errors";
import { sha256File } from "./hash";
import { DEBIAN13_IPXE, debian13DebName } from "./pin";

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
  // A private work folder per process: parallel builds never share half files.
  const work = fs.mkdtempSync(path.join(root, "tmp-"));
  const wanted = `${DEBIAN13_IPXE.package}=${DEBIAN13_IPXE.version}`;
  try {
    const archive = systemArchiveUri();
    onProgress(`fetching Debian 13's ${wanted} from ${archive} (once per cache)`);
    const pkg = path.join(work, "pkg");
    let deb: string;
    try {
      deb = await downloadDebianPackage(
        { name: DEBIAN13_IPXE.package, version: DEBIAN13_IPXE.version, suite: DEBIAN13_IPXE.suite, archive },
        work,
      );
    } catch (e) {
      if (!(e instanceof DebianPackageError)) throw e;
      throw new ImageBuildError(
        e.failure === "version"
          ? `Debian's archive no longer offers ${wanted} (${e.message}): pin the current version and its sha256 in ipxe/build/pin.ts (DEBIAN13_IPXE), or set ipxe.prebuiltDir`
          : `could not fetch Debian 13's ${wanted} from ${archive} (${e.message}): allow access to the Debian archive, or set ipxe.prebuiltDir to a folder of iPXE binaries`,
      );
    }
    const got = await sha256File(deb);
    if (got !== DEBIAN13_IPXE.sha256)
      throw new ImageBuildError(
        `Debian 13's ${debian13DebName()} has sha256 ${got}, but ipxe/build/pin.ts pins ${DEBIAN13_IPXE.sha256}: the archive served other bytes for that version; check the mirror, then update the pin only if Debian really changed it`,
      );
    try {
      await unpackDebianPackage(deb, pkg);
    } catch (e) {
      if (!(e instanceof DebianPackageError)) throw e;
      throw new ImageBuildError(e.message);
    }
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
