// The host tools local boots need; missing ones are installed by scripts/setup.sh (the same
// script the README's test command runs), so the demo works on a fresh Debian machine.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../ipxe/build/cache";
import { SYSLINUX_FILES } from "../ipxe/build/plan";
import { hasTool, ToolError, TOOL_PACKAGES } from "../ipxe/build/tools";
import { OVMF_CODE } from "./qemu/rig";

const TOOLS = ["qemu-system-x86_64", "socat", "xorriso", "mformat", "mcopy", "cpio", "apt-get", "dpkg-deb"];
/** File → the Debian package that ships it. */
const FILES: Record<string, string> = {
  "/bin/busybox": "busybox-static",
  [SYSLINUX_FILES.isolinuxBin]: "isolinux",
  [SYSLINUX_FILES.ldlinux]: "syslinux-common",
};

/** What is missing, each with the Debian package that ships it. */
function missingTools(uefi: boolean): string[] {
  const files = { ...FILES, ...(uefi ? { [OVMF_CODE]: "ovmf" } : {}) };
  return [
    ...TOOLS.filter((t) => !hasTool(t)).map((t) => `${t} (${TOOL_PACKAGES[t]})`),
    ...Object.entries(files)
      .filter(([f]) => !fs.existsSync(f))
      .map(([f, pkg]) => `${f} (${pkg})`),
  ];
}

/** Runs scripts/setup.sh if anything is missing; throws if it is still missing afterwards. */
export async function ensureTools(uefi: boolean, log: (line: string) => void): Promise<void> {
  const missing = missingTools(uefi);
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
  const still = missingTools(uefi);
  if (code !== 0 || still.length)
    throw new ToolError(
      `scripts/setup.sh ${code === 0 ? "ran" : `failed (exit ${code})`}, and ${still.join(", ") || "nothing"} is still missing: install them (see scripts/setup.sh) and run the demo again`,
    );
}
