// The pure parts of the builder: the image layout, xorriso's arguments, what a probe makes of
// real binaries' strings, and which combinations are refused.
import { commandsUsed, compatibilityProblems } from "../../ipxe/build/compat";
import {
  efiImageSize,
  isolinuxCfg,
  planImage,
  syslinuxCfg,
  volumeIdFor,
  xorrisoArgs,
} from "../../ipxe/build/plan";
import { BinaryProbe, extractStrings, findPackedBlock } from "../../ipxe/build/probe";

const S1 = "#!ipxe\necho hi\n";

describe("planImage", () => {
  test("prebuilt (nothing embedded): the stage-1 is the BIOS initrd and UEFI's autoexec.ipxe", () => {
    const plan = planImage({
      site: "ams1",
      platforms: ["uefi", "bios"],
      stage1: S1,
      embedded: false,
      bios: { lkrn: "/b/ipxe.lkrn" },
      uefi: { efi: "/b/ipxe.efi", efiSize: 1_000_000 },
    });
    expect(plan.platforms).toEqual(["bios", "uefi"]);
    expect(plan.isoFiles.map((f) => f.at)).toEqual([
      "ipxe.lkrn",
      "isolinux/isolinux.bin",
      "isolinux/isolinux.cfg",
      "isolinux/ldlinux.c32",
      "medium-cd.ipxe",
      "stage1.ipxe",
    ]);
    // The stick's own boot path (usb.ts): SYSLINUX with the "disk" medium, and the EFI files.
    expect(plan.usb.files.map((f) => f.at)).toEqual([
      "EFI/BOOT/BOOTX64.EFI",
      "autoexec.ipxe",
      "ipxe.lkrn",
      "medium-disk.ipxe",
      "syslinux.cfg",
      "stage1.ipxe",
    ]);
    expect(plan.usb).toMatchObject({ syslinux: true, mbrType: "0xef" });
    expect(plan.isoFiles.find((f) => f.at === "isolinux/isolinux.cfg")!.source).toEqual({
      kind: "text",
      text: isolinuxCfg(false),
    });
    expect(plan.efi!.files).toEqual([
      { at: "EFI/BOOT/BOOTX64.EFI", source: { kind: "file", path: "/b/ipxe.efi" } },
      { at: "autoexec.ipxe", source: { kind: "text", text: S1 } },
    ]);
    expect(plan.efi!.sizeBytes).toBe(2 * 1024 * 1024);
  });

  test("compile (embedded): no INITRD line and no autoexec.ipxe (upstream runs autoexec only when nothing is embedded)", () => {
    const plan = planImage({
      site: "ams1",
      platforms: ["bios", "uefi"],
      stage1: S1,
      embedded: true,
      bios: { lkrn: "/b/ipxe.lkrn" },
      uefi: { efi: "/b/ipxe.efi", efiSize: 10 },
    });
    expect(isolinuxCfg(true)).toMatch(/^  INITRD \/medium-cd\.ipxe$/m);
    expect(isolinuxCfg(false)).toMatch(/^  INITRD \/medium-cd\.ipxe,\/stage1\.ipxe$/m);
    expect(syslinuxCfg(true)).toMatch(/^  INITRD \/medium-disk\.ipxe$/m);
    expect(syslinuxCfg(false)).toMatch(/^  INITRD \/medium-disk\.ipxe,\/stage1\.ipxe$/m);
    expect(plan.efi!.files.map((f) => f.at)).toEqual(["EFI/BOOT/BOOTX64.EFI"]);
  });

  test("volume ids are ISO 9660 d-characters, at most 32", () => {
    expect(volumeIdFor("fra-lab")).toBe("BOOTSTACK_FRA_LAB");
    expect(volumeIdFor("a".repeat(32))).toHaveLength(32);
  });

  test("the EFI image leaves room for the FAT and rounds up to whole MiB", () => {
    expect(efiImageSize(0)).toBe(1024 * 1024);
    expect(efiImageSize(1024 * 1024 - 256 * 1024 + 1)).toBe(2 * 1024 * 1024);
  });

  test("xorriso: El Torito BIOS + UEFI and the stick's partition appended; UEFI only has just the EFI entry", () => {
    const both = planImage({
      site: "s",
      platforms: ["bios", "uefi"],
      stage1: S1,
      embedded: false,
      bios: { lkrn: "l" },
      uefi: { efi: "e", efiSize: 1 },
    });
    const args = xorrisoArgs(both, "/stage", "/out.iso", "/usb.img");
    expect(args.join(" ")).toContain(
      "-append_partition 2 0xef /usb.img -c isolinux/boot.cat -b isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot -e boot/efiboot.img -no-emul-boot /stage",
    );
    expect(args).not.toContain("-isohybrid-mbr");
    const uefi = xorrisoArgs(
      planImage({
        site: "s",
        platforms: ["uefi"],
        stage1: S1,
        embedded: false,
        uefi: { efi: "e", efiSize: 1 },
      }),
      "/stage",
      "/o.iso",
      "/usb.img",
    );
    expect(uefi).not.toContain("-b");
    expect(uefi).not.toContain("-isohybrid-mbr");
    expect(uefi.slice(-4)).toEqual(["-e", "boot/efiboot.img", "-no-emul-boot", "/stage"]);
  });
});

describe("probe helpers", () => {
  test("extractStrings finds NUL-separated printable runs of 3+", () => {
    expect(extractStrings(Buffer.from("\0HTTPS\0ab\0Features:\x01VLAN"))).toEqual([
      "HTTPS",
      "Features:",
      "VLAN",
    ]);
  });

  test("findPackedBlock finds a zbin [len][data][crc32] block by its CRC and ignores a bad CRC", () => {
    const data = Buffer.from("some lzma bytes, any content will do here");
    const crc = (() => {
      let c = 0xffffffff;
      for (const b of data) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return c >>> 0;
    })();
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length + 4);
    const crcBuf = Buffer.alloc(4);
    crcBuf.writeUInt32LE(crc);
    const pad = Buffer.alloc(8, 0x90);
    expect(findPackedBlock(Buffer.concat([pad, len, data, crcBuf, pad]))?.toString()).toBe(data.toString());
    crcBuf.writeUInt32LE((crc ^ 1) >>> 0);
    expect(findPackedBlock(Buffer.concat([pad, len, data, crcBuf, pad]))).toBeUndefined();
  });
});

describe("compatibility", () => {
  const probe = (over: Partial<BinaryProbe>): BinaryProbe => ({
    platform: "bios",
    file: "/x/ipxe.lkrn",
    sha256: "0".repeat(64),
    size: 1,
    features: [],
    https: true,
    autoexec: false,
    missingCommands: [],
    ...over,
  });

  test("commandsUsed reads the first word of each command, also after || and &&", () => {
    expect(
      commandsUsed(
        "#!ipxe\nvcreate --tag 5 net0 || goto x\nisset ${a} && ping 1.2.3.4\n  form\n echo vcreate\n",
      ),
    ).toEqual(["form", "ping", "vcreate"]);
  });

  test("a capable build passes", () => {
    expect(
      compatibilityProblems({
        probes: [probe({}), probe({ platform: "uefi", autoexec: true })],
        stage1: S1,
        requireHttps: true,
        embedded: false,
      }),
    ).toEqual([]);
  });

  test("no HTTPS, unknown HTTPS, no autoexec and a missing command are each one problem", () => {
    const problems = compatibilityProblems({
      probes: [
        probe({ https: false, version: "1.0" }),
        probe({
          platform: "uefi",
          https: "unknown",
          note: "odd binary",
          autoexec: false,
          missingCommands: ["vcreate"],
        }),
      ],
      stage1: "#!ipxe\nvcreate --tag 7 net0\n",
      requireHttps: true,
      embedded: false,
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^the BIOS iPXE binary \/x\/ipxe\.lkrn \(1\.0\) has no HTTPS but the origin is https: /,
      ),
      expect.stringMatching(
        /^cannot tell whether the UEFI iPXE binary \/x\/ipxe\.lkrn has HTTPS \(odd binary\)/,
      ),
      expect.stringMatching(
        /^the UEFI iPXE binary .* ignores autoexec\.ipxe, so the UEFI image would not run the stage-1/,
      ),
      expect.stringMatching(/^the UEFI iPXE binary .* lacks the command\(s\) vcreate that the stage-1 uses/),
    ]);
  });

  test("autoexec does not matter when the stage-1 is embedded; HTTPS does not matter for an http origin", () => {
    expect(
      compatibilityProblems({
        probes: [probe({ platform: "uefi", https: false, autoexec: false })],
        stage1: S1,
        requireHttps: false,
        embedded: true,
      }),
    ).toEqual([]);
  });
});
