// Authenticode signatures for UEFI Secure Boot: sbsign (Debian's sbsigntool) with the
// organisation's db key, as the firmware checks every EFI binary it loads (iPXE itself, then each
// kernel iPXE hands to LoadImage).
//
// sbsign stamps a signingTime attribute with the current time, so two runs over the same input
// differ (measured: 257 of 1,693 signature bytes). Running it under faketime at SOURCE_DATE_EPOCH
// fixes that attribute: the same input, key and epoch give the same bytes, so the image digest
// stays reproducible. The firmware does not check signingTime (UEFI db certificates carry no
// time policy), so any fixed value is as good as the real one.
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256File } from "../build/hash";
import { lastLine, run } from "../build/tools";
import { SigningError } from "./errors";
import { Signer } from "./signer";

/** faketime's frozen absolute time for an epoch, read as UTC (the tool runs with TZ=UTC). A frozen
 * clock, not a start time: a slow run cannot tick into the next second. */
export function faketimeSpec(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace("T", " ").slice(0, 19);
}

/** True when the file starts like a PE/COFF image (MZ, then "PE\0\0" where e_lfanew points). */
export function isPeImage(bytes: Buffer): boolean {
  if (bytes.length < 0x40 || bytes.toString("latin1", 0, 2) !== "MZ") return false;
  const pe = bytes.readUInt32LE(0x3c);
  return pe + 4 <= bytes.length && bytes.toString("latin1", pe, pe + 4) === "PE\0\0";
}

async function runSb(tool: string, args: string[], opts: Parameters<typeof run>[2] = {}) {
  const r = await run(tool, args, { timeoutMs: 60_000, ...opts });
  if (r.code !== 0)
    throw new SigningError(
      `${tool} failed on ${args[args.length - 1]} (exit ${r.code}): ${lastLine(r.stderr) || lastLine(r.stdout.toString())}`,
    );
  return r;
}

/**
 * Writes `output`: `input` with an Authenticode signature by `signer` added (an image already
 * signed, e.g. a distribution kernel, keeps its signature and gains this one). Checked with
 * sbverify against the certificate before it is renamed into place.
 */
export async function signEfiBinary(
  input: string,
  output: string,
  signer: Signer,
  sourceDateEpoch: number,
): Promise<{ sha256: string; size: number }> {
  let head: Buffer;
  try {
    head = Buffer.alloc(4096);
    const fd = fs.openSync(input, "r");
    try {
      head = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new SigningError(`${input} cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
  if (!isPeImage(head))
    throw new SigningError(
      `${input} is not an EFI binary (PE/COFF): only EFI images (iPXE's .efi, a kernel's bzImage with its EFI stub) can carry a Secure Boot signature`,
    );
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  const tmp = `${output}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await runSb(
      "faketime",
      [
        "-f",
        faketimeSpec(sourceDateEpoch),
        "sbsign",
        "--key",
        "/dev/fd/3",
        "--cert",
        signer.certFile,
        "--output",
        tmp,
        input,
      ],
      { env: { ...process.env, TZ: "UTC" }, secretFd3: signer.keyPem },
    );
    await runSb("sbverify", ["--cert", signer.certFile, tmp]);
    const result = { sha256: await sha256File(tmp), size: fs.statSync(tmp).size };
    fs.renameSync(tmp, output);
    return result;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Subjects of the certificates that signed an EFI binary, in signature order (sbverify --list). */
export async function efiSigners(file: string): Promise<string[]> {
  const r = await run("sbverify", ["--list", file], { timeoutMs: 30_000 });
  if (r.code !== 0 && !/No signature table present/.test(r.stderr + r.stdout.toString()))
    throw new SigningError(`sbverify --list ${file} failed: ${lastLine(r.stderr)}`);
  return [...r.stdout.toString().matchAll(/^\s+- subject: (.*)$/gm)].map((m) => m[1].trim());
}
