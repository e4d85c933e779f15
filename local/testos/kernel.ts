// Debian's kernel for the test OS and the dracut image: the package that linux-image-amd64
// depends on, fetched with apt from the configured Debian archive into the cache (never
// committed; see ../consumers/debian-package.ts). Only what the rig needs is extracted: vmlinuz,
// the e1000 driver (a module in Debian's kernel; QEMU's NIC in the rig) and the files depmod
// rebuilds the module index from (dracut).
import * as fs from "node:fs";
import * as path from "node:path";
import { ToolError } from "../../ipxe/build/tools";
import { debianPackage } from "../consumers/debian-package";
import { runTool } from "../proc";

const E1000 = "kernel/drivers/net/ethernet/intel/e1000/e1000.ko";
const MEMBERS = [
  "./boot/vmlinuz-*",
  "./lib/modules/*/modules.order",
  "./lib/modules/*/modules.builtin",
  "./lib/modules/*/modules.builtin.modinfo",
  `./lib/modules/*/${E1000}`,
];

export interface KernelFiles {
  /** e.g. 6.1.0-56-amd64 */
  version: string;
  vmlinuz: string;
  e1000: string;
  /** The extracted package tree (boot/, lib/modules/<version>/). */
  root: string;
  /** sha256 of the package, from the archive's index. */
  debSha256: string;
}

export async function ensureKernel(
  cacheRoot: string,
  log: (line: string) => void = () => {},
): Promise<KernelFiles> {
  const pkg = await debianPackage(await kernelPackage(log), MEMBERS, { cacheRoot, log });
  const version = fs.readdirSync(path.join(pkg.root, "lib", "modules"))[0];
  return {
    version,
    vmlinuz: path.join(pkg.root, "boot", `vmlinuz-${version}`),
    e1000: path.join(pkg.root, "lib", "modules", version, E1000),
    root: pkg.root,
    debSha256: pkg.debSha256,
  };
}

/** linux-image-amd64 is a meta package; its dependency names the real, versioned one. */
async function kernelPackage(log: (line: string) => void): Promise<string> {
  const lookup = async () => {
    const { stdout } = await runTool("apt-cache", ["depends", "linux-image-amd64"], {
      timeoutMs: 30_000,
    }).catch(() => ({ stdout: "" }));
    return /Depends: (linux-image-[0-9][^\s]*-amd64)\b/.exec(stdout)?.[1];
  };
  let pkg = await lookup();
  if (!pkg) {
    // A fresh machine may have empty package lists (container images often do).
    log("test OS: apt knows no kernel package yet: running apt-get update");
    await runTool("apt-get", ["update", "-qq"], { timeoutMs: 180_000 }).catch(() => undefined);
    pkg = await lookup();
  }
  if (!pkg)
    throw new ToolError(
      "cannot find Debian's kernel package (apt-cache depends linux-image-amd64 names none, even after apt-get update): check /etc/apt/sources.list.d",
    );
  return pkg;
}
