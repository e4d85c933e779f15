// Pure planning of a site image: which files go where, the tool arguments, the manifest.
// No IO here, so the layout can be tested and reasoned about on its own.
import { Platform } from "../../config/schema";
import { Medium, mediumScript } from "../render/medium";
import { MBR_CODE, USB_PARTITION } from "./usb";

/** Bumped when the image layout changes, so IpxeIso rebuilds every image. */
export const IMAGE_LAYOUT_VERSION = "2";

/** 2025-01-01T00:00:00Z: file times and volume dates when SOURCE_DATE_EPOCH is not set. */
export const DEFAULT_SOURCE_DATE_EPOCH = 1735689600;

export const SYSLINUX_FILES = {
  isolinuxBin: "/usr/lib/ISOLINUX/isolinux.bin",
  ldlinux: "/usr/lib/syslinux/modules/bios/ldlinux.c32",
  mbr: MBR_CODE,
};
/** Debian package that ships each of SYSLINUX_FILES. */
export const SYSLINUX_PACKAGES: Record<string, string> = {
  [SYSLINUX_FILES.isolinuxBin]: "isolinux",
  [SYSLINUX_FILES.mbr]: "syslinux-common",
  [SYSLINUX_FILES.ldlinux]: "syslinux-common",
};

export type FileSource = { kind: "file"; path: string } | { kind: "text"; text: string };

export interface PlannedFile {
  /** Path inside the ISO (or inside the EFI FAT image), with forward slashes, no leading slash. */
  at: string;
  source: FileSource;
}

/** A FAT image built with mtools. */
export interface FatPlan {
  files: PlannedFile[];
  dirs: string[];
  sizeBytes: number;
  label: string;
  serial: string;
}

export interface ImagePlan {
  volumeId: string;
  /** Files of the ISO 9660 tree, sorted by path. */
  isoFiles: PlannedFile[];
  /** The EFI system partition image for El Torito (placed at EFI_IMAGE_PATH), when UEFI is a platform. */
  efi?: FatPlan;
  /**
   * The partition appended for USB sticks (usb.ts): SYSLINUX + iPXE for BIOS (with SYSLINUX
   * installed on it), and the EFI files for UEFI. Its MBR type: EFI system partition with UEFI.
   */
  usb: FatPlan & { syslinux: boolean; mbrType: string };
  platforms: Platform[];
}

export const EFI_IMAGE_PATH = "boot/efiboot.img";

export interface PlanInput {
  site: string;
  platforms: Platform[];
  stage1: string;
  /** true when the stage-1 is compiled into the binaries (compile mode): no initrd, no autoexec.ipxe. */
  embedded: boolean;
  /** lkrnSize sizes the USB partition (default: a generous 1 MiB). */
  bios?: { lkrn: string; lkrnSize?: number };
  uefi?: { efi: string; efiSize: number };
}

/** ISO 9660 volume ids: up to 32 of A-Z 0-9 _. */
export function volumeIdFor(site: string): string {
  return `BOOTSTACK_${site.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`.slice(0, 32);
}

/**
 * The SYSLINUX-family config that boots iPXE: ISOLINUX's from a CD, SYSLINUX's from the stick's
 * partition (usb.ts). PROMPT 0 / TIMEOUT 0: straight into iPXE. The medium's script comes first:
 * SYSLINUX concatenates the initrds, so iPXE runs one script with bs_medium set at its top.
 */
function loaderCfg(medium: Medium, embedded: boolean): string {
  return [
    "DEFAULT ipxe",
    "PROMPT 0",
    "TIMEOUT 0",
    "LABEL ipxe",
    "  KERNEL /ipxe.lkrn",
    `  INITRD /medium-${medium}.ipxe${embedded ? "" : ",/stage1.ipxe"}`,
    "",
  ].join("\n");
}

export const isolinuxCfg = (embedded: boolean): string => loaderCfg("cd", embedded);
export const syslinuxCfg = (embedded: boolean): string => loaderCfg("disk", embedded);

/** The FAT image's size: the files plus room for FAT tables and directories, rounded up to 1 MiB. */
export function efiImageSize(contentBytes: number): number {
  const mib = 1024 * 1024;
  return Math.ceil((contentBytes + 256 * 1024) / mib) * mib;
}

export function planImage(input: PlanInput): ImagePlan {
  const platforms = [...new Set(input.platforms)].sort() as Platform[];
  if (platforms.length === 0) throw new Error("planImage: no platform");
  const iso: PlannedFile[] = [];
  // The stage-1 is always on the medium too, so an operator can read what the image runs.
  iso.push({ at: "stage1.ipxe", source: { kind: "text", text: input.stage1 } });
  let efi: ImagePlan["efi"];
  const usbFiles: PlannedFile[] = [];
  if (platforms.includes("bios")) {
    if (!input.bios) throw new Error("planImage: bios platform without a BIOS binary");
    iso.push(
      { at: "ipxe.lkrn", source: { kind: "file", path: input.bios.lkrn } },
      { at: "medium-cd.ipxe", source: { kind: "text", text: mediumScript("cd") } },
      { at: "isolinux/isolinux.bin", source: { kind: "file", path: SYSLINUX_FILES.isolinuxBin } },
      { at: "isolinux/ldlinux.c32", source: { kind: "file", path: SYSLINUX_FILES.ldlinux } },
      { at: "isolinux/isolinux.cfg", source: { kind: "text", text: isolinuxCfg(input.embedded) } },
    );
    usbFiles.push(
      { at: "ipxe.lkrn", source: { kind: "file", path: input.bios.lkrn } },
      { at: "medium-disk.ipxe", source: { kind: "text", text: mediumScript("disk") } },
      { at: "syslinux.cfg", source: { kind: "text", text: syslinuxCfg(input.embedded) } },
      ...(input.embedded
        ? []
        : [{ at: "stage1.ipxe", source: { kind: "text" as const, text: input.stage1 } }]),
    );
  }
  if (platforms.includes("uefi")) {
    if (!input.uefi) throw new Error("planImage: uefi platform without a UEFI binary");
    const files: PlannedFile[] = [
      { at: "EFI/BOOT/BOOTX64.EFI", source: { kind: "file", path: input.uefi.efi } },
    ];
    // Upstream iPXE runs autoexec.ipxe only when nothing is embedded: never ship both.
    if (!input.embedded) files.push({ at: "autoexec.ipxe", source: { kind: "text", text: input.stage1 } });
    efi = {
      files,
      dirs: ["EFI", "EFI/BOOT"],
      sizeBytes: efiImageSize(input.uefi.efiSize + Buffer.byteLength(input.stage1)),
      label: "BOOTSTACK",
      serial: "b0075eed",
    };
  }
  iso.sort((a, b) => (a.at < b.at ? -1 : 1));
  const usb = {
    files: [...(efi?.files ?? []), ...usbFiles],
    dirs: efi?.dirs ?? [],
    // The FAT, SYSLINUX's ldlinux.sys and ldlinux.c32 (about 200 KiB), and the files.
    sizeBytes: efiImageSize(
      512 * 1024 +
        (input.uefi?.efiSize ?? 0) +
        (input.bios ? (input.bios.lkrnSize ?? 1024 * 1024) : 0) +
        8192,
    ),
    label: "BOOTSTACK",
    serial: "b0075eed",
    syslinux: platforms.includes("bios"),
    mbrType: platforms.includes("uefi") ? "0xef" : "0x0c",
  };
  return { volumeId: volumeIdFor(input.site), isoFiles: iso, efi, usb, platforms };
}

/** xorriso (mkisofs emulation) arguments (-r: Rock Ridge with owner 0 and fixed modes, so who builds does not change the bytes): El Torito BIOS via isolinux, El Torito EFI via the FAT image, and the USB stick's partition appended (usb.ts). */
export function xorrisoArgs(
  plan: ImagePlan,
  stagingDir: string,
  outFile: string,
  usbImage: string,
): string[] {
  const args = ["-as", "mkisofs", "-o", outFile, "-V", plan.volumeId, "-r", "-J", "-iso-level", "3"];
  args.push("-append_partition", String(USB_PARTITION), plan.usb.mbrType, usbImage);
  const bios = plan.platforms.includes("bios");
  if (bios) {
    args.push(
      "-c",
      "isolinux/boot.cat",
      "-b",
      "isolinux/isolinux.bin",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
    );
  } else {
    args.push("-c", "boot/boot.cat");
  }
  if (plan.efi) {
    if (bios) args.push("-eltorito-alt-boot");
    args.push("-e", EFI_IMAGE_PATH, "-no-emul-boot");
  }
  args.push(stagingDir);
  return args;
}

export interface IpxeProvenance {
  mode: "prebuilt" | "compile";
  /** Where the binaries came from: "debian13:<deb>", "dir:<path>", "source:<path>" or "git:<url>". */
  source: string;
  /** Upstream commit (compile mode) or package version (prebuilt), when known. */
  commit?: string;
  version?: string;
  embedded: boolean;
  /** The UEFI binary carries an Authenticode signature by this certificate (Secure Boot db key). */
  secureBoot?: { signer: string; certSha256: string };
  binaries: { platform: Platform; sha256: string; https: boolean | "unknown"; missingCommands: string[] }[];
}

export interface ImageManifest {
  site: string;
  image: string;
  sha256: string;
  size: number;
  platforms: Platform[];
  stage1Sha256: string;
  ipxe: IpxeProvenance;
  sourceDateEpoch: number;
  volumeId: string;
}
