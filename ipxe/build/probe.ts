// What an iPXE binary can do, read from the binary itself (no boot needed): its version, the
// feature names it registers (HTTPS, VLAN, ...), whether a UEFI build looks for autoexec.ipxe,
// and which commands the scripts rely on are certainly absent.
//
// BIOS builds (.lkrn) are compressed by iPXE's zbin: a [length][raw LZMA1 lc=2 lp=0 pb=0][crc32]
// block (src/util/zbin.c). We find the block by its CRC and unpack it with xz.
import * as fs from "node:fs";
import { Platform } from "../../config/schema";
import { ImageBuildError } from "./errors";
import { sha256 } from "./hash";
import { run } from "./tools";

/** Commands the rendered scripts (or an operator at a site) use that some builds lack. */
export const COMMANDS_OF_INTEREST = [
  "vcreate",
  "form",
  "present",
  "imgverify",
  "imgtrust",
  "certstore",
  "certstat",
  "ntp",
  "params",
  "param",
  "nslookup",
  "ping",
  "poweroff",
  "console",
] as const;

const FEATURE_NAMES = [
  "HTTP",
  "HTTPS",
  "DNS",
  "TFTP",
  "VLAN",
  "iSCSI",
  "NFS",
  "SRP",
  "AoE",
  "ELF",
  "MBOOT",
  "PXE",
  "PXEXT",
  "bzImage",
  "Menu",
  "EFI",
];

export type Tristate = boolean | "unknown";

export interface BinaryProbe {
  platform: Platform;
  file: string;
  sha256: string;
  size: number;
  /** e.g. 1.21.1+git20250501.dad20602+dfsg-1, when the binary says so. */
  version?: string;
  /** Feature names found in the binary's feature table strings. */
  features: string[];
  https: Tristate;
  /** UEFI only: reads autoexec.ipxe from the boot medium when nothing is embedded. */
  autoexec: Tristate;
  /** Commands from COMMANDS_OF_INTEREST that are certainly absent (not even as a string). */
  missingCommands: string[];
  /** Why a field is "unknown", if one is. */
  note?: string;
}

/** Printable NUL/control-terminated runs of at least `min` characters, like strings(1). */
export function extractStrings(buf: Buffer, min = 3): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= buf.length; i++) {
    const c = i < buf.length ? buf[i] : 0;
    const printable = c >= 0x20 && c < 0x7f;
    if (printable && start < 0) start = i;
    else if (!printable && start >= 0) {
      if (i - start >= min) out.push(buf.toString("latin1", start, i));
      start = -1;
    }
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** zbin's crc32_le(0xffffffff, ...) without the final inversion. */
function zbinCrc(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = (CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8)) >>> 0;
  return c >>> 0;
}

/** The largest zbin-packed block in a binary (its raw LZMA bytes), or undefined. */
export function findPackedBlock(buf: Buffer): Buffer | undefined {
  let best: Buffer | undefined;
  for (let o = 0; o + 8 <= buf.length; o += 4) {
    const len = buf.readUInt32LE(o);
    if (len < 16 || o + 4 + len > buf.length || (best && len - 4 <= best.length)) continue;
    const packed = buf.subarray(o + 4, o + len);
    if (zbinCrc(packed) === buf.readUInt32LE(o + len)) best = packed;
  }
  return best;
}

async function unpack(packed: Buffer): Promise<Buffer> {
  const r = await run("xz", ["-dc", "--format=raw", "--lzma1=lc=2,lp=0,pb=0,dict=64MiB"], {
    input: packed,
    wholeStdout: true,
    timeoutMs: 30_000,
  });
  if (r.code !== 0)
    throw new ImageBuildError(`xz could not unpack the compressed iPXE image: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The binary's bytes with a zbin-packed payload unpacked (BCJ-filtered, so strings survive but code does not). */
export async function readableBody(buf: Buffer): Promise<Buffer> {
  if (extractStrings(buf).includes("Features:")) return buf;
  const packed = findPackedBlock(buf);
  return packed ? unpack(packed) : buf;
}

export async function probeBinary(file: string, platform: Platform): Promise<BinaryProbe> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new ImageBuildError(
      `cannot read iPXE binary ${file} (${(e as NodeJS.ErrnoException).code}): check ipxe.prebuiltDir`,
    );
  }
  const base = { platform, file, sha256: sha256(buf), size: buf.length };
  const strings = extractStrings(await readableBody(buf));
  let note: string | undefined;
  const set = new Set(strings);
  if (!set.has("Features:")) note = "no iPXE feature table found (unknown compression or not an iPXE binary)";
  const features = FEATURE_NAMES.filter((f) => set.has(f));
  // Short names can be tail-merged into longer strings by the linker ("form" inside "platform"),
  // so a command counts as absent only when no string even ends with it.
  const missingCommands = COMMANDS_OF_INTEREST.filter(
    (c) => !set.has(c) && !strings.some((s) => s.endsWith(c)),
  );
  // Debian: "1.21.1+git20250501.dad20602+dfsg-1"; upstream: "2.0.0+ (g0ab22)".
  const version = strings.find((s) => /^\d+\.\d+\.\d+(\+[~.+\w-]+|\+? \(g[0-9a-f]+\))$/.test(s));
  const known = note === undefined;
  return {
    ...base,
    version,
    features,
    https: known ? set.has("HTTPS") : "unknown",
    autoexec:
      platform === "bios" ? false : known ? strings.some((s) => s.endsWith("autoexec.ipxe")) : "unknown",
    missingCommands,
    ...(note ? { note } : {}),
  };
}
