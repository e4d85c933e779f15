// Writing a planned image: stage the files with fixed times, make the EFI FAT image with mtools,
// run xorriso, then rename into place, so a failure never leaves a half-written image.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ImageBuildError } from "./errors";
import { sha256File } from "./hash";
import {
  EFI_IMAGE_PATH,
  FatPlan,
  ImagePlan,
  PlannedFile,
  SYSLINUX_FILES,
  SYSLINUX_PACKAGES,
  xorrisoArgs,
} from "./plan";
import { runOk } from "./tools";
import { makeStickBootable } from "./usb";

export interface WrittenImage {
  path: string;
  sha256: string;
  size: number;
}

function checkSystemFiles(plan: ImagePlan): void {
  if (!plan.platforms.includes("bios")) return;
  for (const f of Object.values(SYSLINUX_FILES)) {
    if (!fs.existsSync(f))
      throw new ImageBuildError(
        `${f} is missing: install it with \`apt-get install ${SYSLINUX_PACKAGES[f]}\` (or run scripts/setup.sh)`,
      );
  }
}

function place(file: PlannedFile, dir: string, epoch: number): string {
  const dest = path.join(dir, ...file.at.split("/"));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (file.source.kind === "text") fs.writeFileSync(dest, file.source.text);
  else fs.copyFileSync(file.source.path, dest);
  fs.chmodSync(dest, 0o644);
  fs.utimesSync(dest, epoch, epoch);
  return dest;
}

/** Sets every directory's times to the epoch, deepest first (placing files changes a directory's mtime). */
function pinDirTimes(dir: string, epoch: number): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) pinDirTimes(path.join(dir, e.name), epoch);
  fs.utimesSync(dir, epoch, epoch);
}

async function makeFatImage(
  efi: FatPlan,
  imgPath: string,
  work: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  fs.mkdirSync(path.dirname(imgPath), { recursive: true });
  fs.writeFileSync(imgPath, Buffer.alloc(0));
  fs.truncateSync(imgPath, efi.sizeBytes);
  // Fixed serial and label; mtools takes file and directory times from SOURCE_DATE_EPOCH.
  await runOk("mformat", ["-i", imgPath, "-N", efi.serial, "-v", efi.label, "::"], { env });
  const epoch = Number(env.SOURCE_DATE_EPOCH);
  if (efi.dirs.length) await runOk("mmd", ["-i", imgPath, ...efi.dirs.map((d) => `::/${d}`)], { env });
  const src = fs.mkdtempSync(path.join(work, "fat-src-"));
  for (const f of efi.files) {
    const local = place(f, src, epoch);
    await runOk("mcopy", ["-m", "-i", imgPath, local, `::/${f.at}`], { env });
  }
}

export async function writeImage(
  plan: ImagePlan,
  outFile: string,
  sourceDateEpoch: number,
): Promise<WrittenImage> {
  checkSystemFiles(plan);
  const env = {
    ...process.env,
    SOURCE_DATE_EPOCH: String(sourceDateEpoch),
    MTOOLS_SKIP_CHECK: "1",
    TZ: "UTC",
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "boot-stack-iso-"));
  const tmpOut = `${outFile}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const stage = path.join(work, "iso");
    fs.mkdirSync(stage);
    for (const f of plan.isoFiles) place(f, stage, sourceDateEpoch);
    if (plan.efi) {
      const img = path.join(stage, ...EFI_IMAGE_PATH.split("/"));
      await makeFatImage(plan.efi, img, work, env);
      fs.chmodSync(img, 0o644);
      fs.utimesSync(img, sourceDateEpoch, sourceDateEpoch);
    }
    pinDirTimes(stage, sourceDateEpoch);
    const usbImage = path.join(work, "usb.img");
    await makeFatImage(plan.usb, usbImage, work, env);
    // SYSLINUX's installer works on the image through mtools: no root, no loop device.
    if (plan.usb.syslinux) await runOk("syslinux", ["--install", usbImage], { env });
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    await runOk("xorriso", xorrisoArgs(plan, stage, tmpOut, usbImage), { env, timeoutMs: 120_000 });
    makeStickBootable(tmpOut);
    const sha256 = await sha256File(tmpOut);
    const size = fs.statSync(tmpOut).size;
    fs.renameSync(tmpOut, outFile);
    return { path: outFile, sha256, size };
  } finally {
    fs.rmSync(tmpOut, { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}
