// Debian 13 (trixie)'s `ipxe` package, the default prebuilt binaries: fetched on demand with apt
// from the Debian archive into .cache/ipxe/debian13/ with the shared private-apt helper
// (debian-package.ts), so the system's sources, lists and caches are never touched.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DebianPackageError,
  downloadDebianPackage,
  systemArchiveUri,
  unpackDebianPackage,
} from "./debian-package";
import { ImageBuildError } from "./errors";

const SUITE = "trixie";

/** The folder holding Debian 13's ipxe.lkrn and ipxe-amd64.efi; fetches the package if needed. */
export async function debian13IpxeDir(
  cacheDir: string,
  onProgress: (msg: string) => void = () => undefined,
): Promise<string> {
  const root = path.join(cacheDir, "ipxe", "debian13");
  const binDir = path.join(root, "pkg", "usr", "lib", "ipxe");
  if (fs.existsSync(path.join(root, "pkg", ".complete"))) return binDir;

  fs.mkdirSync(root, { recursive: true });
  // A private work folder per process: parallel builds never share half files.
  const work = fs.mkdtempSync(path.join(root, "tmp-"));
  try {
    const archive = systemArchiveUri();
    onProgress(
      `fetching Debian 13's ipxe package from ${archive} (once, into ${path.relative(process.cwd(), root) || root})`,
    );
    const pkg = path.join(work, "pkg");
    let debPath: string;
    try {
      debPath = await downloadDebianPackage({ name: "ipxe", suite: SUITE, archive }, work);
      await unpackDebianPackage(debPath, pkg);
    } catch (e) {
      if (!(e instanceof DebianPackageError)) throw e;
      throw new ImageBuildError(
        `could not fetch Debian 13's ipxe package from ${archive} (${e.message}): allow access to the Debian archive, or set ipxe.prebuiltDir to a folder of iPXE binaries`,
      );
    }
    const deb = path.basename(debPath);
    fs.writeFileSync(path.join(pkg, ".complete"), `${deb}\n`);
    fs.copyFileSync(debPath, path.join(pkg, deb));
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
