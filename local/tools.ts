// The host tools local boots need; missing ones are installed by scripts/setup.sh (the same
// script the README's test command runs), so the demo works on a fresh Debian machine.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { hasTool } from "./proc";
import { REPO_ROOT } from "./paths";
import { OVMF_CODE } from "./qemu/rig";

const TOOLS = ["qemu-system-x86_64", "socat", "xorriso", "mformat", "mcopy", "cpio", "apt-get", "dpkg-deb"];
const FILES = [
  "/bin/busybox",
  "/usr/lib/ISOLINUX/isolinux.bin",
  "/usr/lib/syslinux/modules/bios/ldlinux.c32",
];

export async function missingTools(uefi: boolean): Promise<string[]> {
  const missing: string[] = [];
  for (const t of TOOLS) if (!(await hasTool(t))) missing.push(t);
  for (const f of [...FILES, ...(uefi ? [OVMF_CODE] : [])]) if (!fs.existsSync(f)) missing.push(f);
  return missing;
}

/** Runs scripts/setup.sh if anything is missing; throws if it is still missing afterwards. */
export async function ensureTools(uefi: boolean, log: (line: string) => void): Promise<void> {
  const missing = await missingTools(uefi);
  if (missing.length === 0) return;
  log(`setup: missing ${missing.join(", ")}: running scripts/setup.sh`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(path.join(REPO_ROOT, "scripts", "setup.sh"), [], {
      cwd: REPO_ROOT,
      stdio: "inherit",
    });
    child.on("exit", resolve);
    child.on("error", () => resolve(-1));
  });
  const still = await missingTools(uefi);
  if (code !== 0 || still.length)
    throw new Error(
      `scripts/setup.sh ${code === 0 ? "ran" : `failed (exit ${code})`}, and ${still.join(", ") || "nothing"} is still missing: install them (see scripts/setup.sh) and run the demo again`,
    );
}
