// The test OS's initrd: busybox-static, the e1000 module and init.sh, packed as a newc cpio
// (the kernel takes it uncompressed). Rebuilt when any input changes (cache key = their hash).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ToolError } from "../../ipxe/build/tools";
import { runTool } from "../proc";

export const INIT_SCRIPT = path.join(__dirname, "init.sh");
const DHCP_SCRIPT = path.join(__dirname, "dhcp-bound.sh");
const BUSYBOX_CANDIDATES = ["/bin/busybox", "/usr/bin/busybox"];
/** Bumped when the packing changes, so cached initrds are rebuilt. */
const FORMAT = "initrd-v2";
/** 2025-01-01T00:00:00Z for every file in the archive. */
const EPOCH = 1735689600;

export async function ensureInitrd(cacheRoot: string, e1000: string): Promise<string> {
  const busybox = await staticBusybox();
  const key = createHash("sha256").update(FORMAT);
  for (const f of [INIT_SCRIPT, DHCP_SCRIPT, busybox, e1000]) key.update(fs.readFileSync(f));
  const out = path.join(cacheRoot, "testos", `initrd-${key.digest("hex").slice(0, 16)}.cpio`);
  if (fs.existsSync(out)) return out;

  const work = fs.mkdtempSync(path.join(cacheRoot, "testos", ".initrd-"));
  try {
    const root = path.join(work, "root");
    for (const d of ["bin", "lib", "dev", "proc", "sys", "tmp"])
      fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.copyFileSync(busybox, path.join(root, "bin", "busybox"));
    fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
    fs.copyFileSync(INIT_SCRIPT, path.join(root, "init"));
    fs.chmodSync(path.join(root, "init"), 0o755);
    fs.copyFileSync(DHCP_SCRIPT, path.join(root, "bin", "dhcp-bound"));
    fs.chmodSync(path.join(root, "bin", "dhcp-bound"), 0o755);
    fs.copyFileSync(e1000, path.join(root, "lib", "e1000.ko"));
    // Fixed times too, or the copies' mtimes would make every build's bytes differ.
    const pin = (p: string) => {
      for (const e of fs.readdirSync(p, { withFileTypes: true }))
        if (e.isDirectory()) pin(path.join(p, e.name));
      for (const e of fs.readdirSync(p)) fs.utimesSync(path.join(p, e), EPOCH, EPOCH);
      fs.utimesSync(p, EPOCH, EPOCH);
    };
    pin(root);
    const cpio = path.join(work, "initrd.cpio");
    // Sorted names, owner root and --reproducible: same inputs give the same bytes (and sha256).
    await runTool(
      "sh",
      [
        "-c",
        'cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet > "$2"',
        "sh",
        root,
        cpio,
      ],
      { timeoutMs: 60_000 },
    );
    fs.renameSync(cpio, out);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return out;
}

async function staticBusybox(): Promise<string> {
  for (const f of BUSYBOX_CANDIDATES) {
    if (!fs.existsSync(f)) continue;
    // A dynamically linked busybox would need its libraries inside the initrd.
    const { stdout } = await runTool("sh", ["-c", 'ldd "$1" 2>&1 || true', "sh", f], { timeoutMs: 10_000 });
    if (/not a dynamic executable|statically linked/.test(stdout)) return f;
  }
  throw new ToolError("no static busybox found: install the busybox-static package (scripts/setup.sh does)");
}
