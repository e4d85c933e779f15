// Debian's kernel for the test OS: the package that linux-image-amd64 depends on, fetched with
// apt from the configured Debian archive into .cache/ (never committed). Only vmlinuz and the
// e1000 driver (a module in Debian's kernel; QEMU's NIC in the rig) are kept.
import * as fs from "node:fs";
import * as path from "node:path";
import { runTool, ToolError } from "../proc";

export interface KernelFiles {
  /** e.g. 6.1.0-56-amd64 */
  version: string;
  vmlinuz: string;
  e1000: string;
}

export async function ensureKernel(
  cacheRoot: string,
  log: (line: string) => void = () => {},
): Promise<KernelFiles> {
  const dir = path.join(cacheRoot, "testos", "kernel");
  const done = readDone(dir);
  if (done) return done;

  const pkg = await kernelPackage(log);
  log(`test OS: fetching Debian's ${pkg} with apt-get download (once, into ${dir})`);
  const work = fs.mkdtempSync(path.join(cacheRoot, "testos", ".kernel-"));
  try {
    await runTool("apt-get", ["download", pkg], { cwd: work, timeoutMs: 300_000 });
    const deb = fs.readdirSync(work).find((f) => f.endsWith(".deb"));
    if (!deb) throw new ToolError(`apt-get download ${pkg} left no .deb in ${work}`);
    // Extract just the two files we need: the whole package unpacks to ~400 MB of modules.
    const tree = path.join(work, "tree");
    fs.mkdirSync(tree);
    await runTool(
      "sh",
      [
        "-c",
        'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "./boot/vmlinuz-*" "./lib/modules/*/e1000.ko"',
        "sh",
        path.join(work, deb),
        tree,
      ],
      { timeoutMs: 120_000 },
    );
    const version = fs.readdirSync(path.join(tree, "lib", "modules"))[0];
    const out = path.join(work, "out");
    fs.mkdirSync(out);
    fs.copyFileSync(path.join(tree, "boot", `vmlinuz-${version}`), path.join(out, "vmlinuz"));
    fs.copyFileSync(
      path.join(
        tree,
        "lib",
        "modules",
        version,
        "kernel",
        "drivers",
        "net",
        "ethernet",
        "intel",
        "e1000",
        "e1000.ko",
      ),
      path.join(out, "e1000.ko"),
    );
    fs.writeFileSync(path.join(out, "version"), `${version}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(out, dir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const files = readDone(dir);
  if (!files) throw new ToolError(`test OS kernel was not stored in ${dir}`);
  return files;
}

function readDone(dir: string): KernelFiles | undefined {
  const versionFile = path.join(dir, "version");
  if (!fs.existsSync(versionFile)) return undefined;
  const files = {
    version: fs.readFileSync(versionFile, "utf8").trim(),
    vmlinuz: path.join(dir, "vmlinuz"),
    e1000: path.join(dir, "e1000.ko"),
  };
  return fs.existsSync(files.vmlinuz) && fs.existsSync(files.e1000) ? files : undefined;
}

/** linux-image-amd64 is a meta package; its dependency names the real, versioned one. */
export async function kernelPackage(log: (line: string) => void): Promise<string> {
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
