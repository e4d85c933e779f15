// Reading a built image back with the same tools a user has: xorriso for the ISO 9660 tree and
// El Torito catalogue, mtools for the EFI FAT image. Helpers for the image tests.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const quiet = { stdio: ["ignore", "pipe", "ignore"] as ("ignore" | "pipe")[], maxBuffer: 64 * 1024 * 1024 };

export interface ElToritoEntry {
  platform: string;
  path: string;
}

/** Boot entries from `xorriso -report_el_torito plain`, e.g. [{platform:"BIOS", path:"/isolinux/isolinux.bin"}]. */
export function elTorito(iso: string): ElToritoEntry[] {
  const text = execFileSync("xorriso", ["-indev", iso, "-report_el_torito", "plain"], quiet).toString();
  const platforms = new Map<string, string>();
  const paths = new Map<string, string>();
  for (const m of text.matchAll(/^El Torito boot img :\s+(\d+)\s+(\S+)/gm)) platforms.set(m[1], m[2]);
  for (const m of text.matchAll(/^El Torito img path :\s+(\d+)\s+(\S+)/gm)) paths.set(m[1], m[2]);
  return [...platforms].map(([n, platform]) => ({ platform, path: paths.get(n) ?? "" }));
}

/** Every file path in the ISO tree, sorted. */
export function isoFiles(iso: string): string[] {
  const text = execFileSync("xorriso", ["-indev", iso, "-find", "/", "-type", "f"], quiet).toString();
  return [...text.matchAll(/^'(.*)'$/gm)].map((m) => m[1]).sort();
}

/** One file's bytes from the ISO. */
export function isoRead(iso: string, file: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-iso-read-"));
  try {
    const dest = path.join(dir, "f");
    execFileSync("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", file, dest], quiet);
    return fs.readFileSync(dest);
  } finally {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One file's bytes from a FAT image (mtools). */
export function fatRead(img: Buffer, file: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-fat-read-"));
  try {
    const p = path.join(dir, "fat.img");
    fs.writeFileSync(p, img);
    return execFileSync("mcopy", ["-i", p, `::/${file}`, "-"], {
      ...quiet,
      env: { ...process.env, MTOOLS_SKIP_CHECK: "1" },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Files in a FAT image (mdir -/ -b: recursive, bare paths). */
export function fatFiles(img: Buffer): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-fat-ls-"));
  try {
    const p = path.join(dir, "fat.img");
    fs.writeFileSync(p, img);
    const text = execFileSync("mdir", ["-i", p, "-/", "-b", "::/"], {
      ...quiet,
      env: { ...process.env, MTOOLS_SKIP_CHECK: "1" },
    }).toString();
    return text
      .split("\n")
      .map((l) => l.trim().replace(/^::\//, ""))
      .filter((l) => l && !l.endsWith("/"))
      .sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
