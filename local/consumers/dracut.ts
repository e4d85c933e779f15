// A real dracut initramfs for Debian's kernel, built with Debian's dracut 059 (dracut-core +
// dracut-network) without installing dracut on the host: the packages are unpacked into the
// cache and dracut runs from there (dracutbasedir, --kmoddir, --kver). Installing the `dracut`
// package would remove initramfs-tools; what dracut copies into the image (bash, udev, kmod,
// ip, dhclient, arping, curl) comes from ordinary host packages that scripts/setup.sh installs.
//
// Reproducible: --reproducible (sorted cpio; every file newer than dracut-functions.sh gets that
// file's time, which is pinned here), relative paths (dracut records its arguments in the image)
// and fixed inputs, so the same inputs give the same bytes. Cached under
// <cache>/dracut/<digest of the inputs>/.
// dracut's network forms: https://man7.org/linux/man-pages/man7/dracut.cmdline.7.html
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileSha256 } from "../../origin/artifact-file";
import { cacheDir } from "../../ipxe/build/cache";
import { ToolError } from "../../ipxe/build/tools";
import { runTool } from "../proc";
import { ensureKernel } from "../testos/kernel";
import { debianPackage } from "./debian-package";

/** Our module: reports what dracut configured once an interface is online (see its files). */
export const REPORT_MODULE = path.join(__dirname, "dracut-module", "99bootstack-report");

/** Bumped when the way the image is built changes, so cached images are rebuilt. */
const FORMAT = "dracut-v1";
/**
 * 2025-01-01T00:00:00Z: the dracut tree's file times, which --reproducible gives to every newer
 * file (dracut 059 itself ignores SOURCE_DATE_EPOCH; it is set for the tools it runs).
 */
const SOURCE_DATE_EPOCH = "1735689600";

/**
 * dracut's own network stack (network-legacy: ip= nameserver= ifname= vlan= rd.neednet=), a
 * block root so that `root=` is accepted, and the report module. Nothing from the host's config.
 */
const DRACUT_MODULES = ["bash", "base", "network-legacy", "rootfs-block", "bootstack-report"];
/** QEMU's NIC in the rig: a module in Debian's kernel (../testos/kernel.ts extracts it). */
const DRIVERS = ["e1000"];

export interface DracutImage {
  kernelVersion: string;
  dracutVersion: string;
  kernel: { path: string; sha256: string };
  initramfs: { path: string; sha256: string };
  /** Digest of every input; names the cache folder. */
  inputs: string;
}

interface Sources {
  kver: string;
  dracutVersion: string;
  vmlinuz: string;
  kernelRoot: string;
  coreRoot: string;
  networkRoot: string;
  inputs: string;
}

/** The dracut image for the rig's kernel, built once per set of inputs. */
export async function ensureDracutImage(
  opts: { cacheRoot?: string; log?: (line: string) => void } = {},
): Promise<DracutImage> {
  const root = opts.cacheRoot ?? cacheDir();
  const log = opts.log ?? (() => undefined);
  const src = await sources(root, log);
  const dir = path.join(root, "dracut", src.inputs);
  const out = path.join(dir, "initramfs.img");
  if (!fs.existsSync(out)) {
    log(`dracut: building an initramfs for ${src.kver} with dracut ${src.dracutVersion} (once, into ${dir})`);
    await buildInto(dir, src, root);
  }
  return {
    kernelVersion: src.kver,
    dracutVersion: src.dracutVersion,
    kernel: { path: src.vmlinuz, sha256: await fileSha256(src.vmlinuz) },
    initramfs: { path: out, sha256: await fileSha256(out) },
    inputs: src.inputs,
  };
}

/** Builds the same image again, bypassing the cache, into `dir`; returns its sha256. */
export async function rebuildDracutImage(dir: string, opts: { cacheRoot?: string } = {}): Promise<string> {
  const root = opts.cacheRoot ?? cacheDir();
  await buildInto(dir, await sources(root, () => undefined), root);
  return fileSha256(path.join(dir, "initramfs.img"));
}

async function sources(root: string, log: (line: string) => void): Promise<Sources> {
  const fetch = { cacheRoot: root, log };
  const kernel = await ensureKernel(root, log);
  const core = await debianPackage("dracut-core", ["./usr/lib/dracut/*", "./usr/bin/dracut"], fetch);
  const network = await debianPackage("dracut-network", ["./usr/lib/dracut/modules.d/*"], fetch);
  const kver = kernel.version;
  return {
    kver,
    dracutVersion: core.version,
    vmlinuz: kernel.vmlinuz,
    kernelRoot: kernel.root,
    coreRoot: core.root,
    networkRoot: network.root,
    inputs: digest([
      FORMAT,
      SOURCE_DATE_EPOCH,
      kernel.debSha256,
      core.debSha256,
      network.debSha256,
      dracutArgs(kver).join(" "),
      moduleDigest(),
      await hostPackages(),
    ]),
  };
}

async function buildInto(dir: string, src: Sources, root: string): Promise<void> {
  fs.mkdirSync(path.join(root, "dracut"), { recursive: true });
  const work = fs.mkdtempSync(path.join(root, "dracut", ".build-"));
  try {
    await build(work, src);
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(path.join(work, "initramfs.img"), path.join(dir, "initramfs.img"));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Paths are relative to the build folder: dracut writes its arguments into the image. */
function dracutArgs(kver: string): string[] {
  return [
    "--quiet",
    "--reproducible",
    "--no-hostonly",
    "--no-hostonly-cmdline",
    "--conf",
    "dracut.conf",
    "--confdir",
    "dracut.conf.d",
    "--tmpdir",
    "tmp",
    "--kver",
    kver,
    "--kmoddir",
    `modules/lib/modules/${kver}`,
    "--modules",
    DRACUT_MODULES.join(" "),
    "--add-drivers",
    DRIVERS.join(" "),
    "--gzip",
    "--force",
    "initramfs.img",
  ];
}

async function build(work: string, src: Sources): Promise<void> {
  const base = path.join(work, "dracut");
  // dracut's tree: dracut-core, dracut-network's modules on top, and the report module.
  fs.cpSync(path.join(src.coreRoot, "usr", "lib", "dracut"), base, {
    recursive: true,
    verbatimSymlinks: true,
  });
  fs.cpSync(path.join(src.networkRoot, "usr", "lib", "dracut", "modules.d"), path.join(base, "modules.d"), {
    recursive: true,
    verbatimSymlinks: true,
  });
  fs.cpSync(REPORT_MODULE, path.join(base, "modules.d", path.basename(REPORT_MODULE)), { recursive: true });
  // --reproducible takes the image's times from dracut-functions.sh: pin the whole tree.
  pinTimes(base);
  // Just the modules we need, with their index rebuilt for that subset.
  const modules = path.join(work, "modules");
  fs.cpSync(path.join(src.kernelRoot, "lib"), path.join(modules, "lib"), { recursive: true });
  await runTool("depmod", ["-b", modules, src.kver], { timeoutMs: 60_000 });
  fs.writeFileSync(path.join(work, "dracut.conf"), "");
  fs.mkdirSync(path.join(work, "dracut.conf.d"));
  fs.mkdirSync(path.join(work, "tmp"));
  await runTool("bash", [path.join(src.coreRoot, "usr", "bin", "dracut"), ...dracutArgs(src.kver)], {
    cwd: work,
    timeoutMs: 600_000,
    env: { ...process.env, dracutbasedir: base, SOURCE_DATE_EPOCH, LC_ALL: "C" },
  });
  if (!fs.existsSync(path.join(work, "initramfs.img")))
    throw new ToolError(`dracut left no initramfs.img in ${work}`);
}

function pinTimes(dir: string): void {
  const t = Number(SOURCE_DATE_EPOCH);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) pinTimes(p);
    if (!e.isSymbolicLink()) fs.utimesSync(p, t, t);
  }
  fs.utimesSync(dir, t, t);
}

/** The report module's files, by name and content. */
function moduleDigest(): string {
  const h = createHash("sha256");
  for (const f of fs.readdirSync(REPORT_MODULE).sort()) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(REPORT_MODULE, f)));
    h.update(String(fs.statSync(path.join(REPORT_MODULE, f)).mode & 0o111));
  }
  return h.digest("hex");
}

/**
 * dracut copies host binaries and libraries into the image: any change of the host's packages
 * may change its bytes, so the installed package set is an input.
 */
async function hostPackages(): Promise<string> {
  const { stdout } = await runTool("dpkg-query", ["-W", "-f", "${Package}:${Architecture}=${Version}\n"], {
    timeoutMs: 30_000,
  });
  return stdout.split("\n").sort().join("\n");
}

function digest(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(`${p.length}:${p}`);
  return h.digest("hex").slice(0, 16);
}
