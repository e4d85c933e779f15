// The probe on real binaries: Debian 13's (HTTPS, UEFI reads autoexec.ipxe; its .lkrn is
// zbin-compressed, so this also proves the unpacking) and Debian 12's (no HTTPS, no autoexec).
import * as fs from "node:fs";
import * as path from "node:path";
import { debian13IpxeDir } from "../../ipxe/build";
import { probeBinary } from "../../ipxe/build/probe";
import { cacheDir } from "../../ipxe/build/cache";

jest.setTimeout(120_000);

let dir: string;
beforeAll(async () => {
  dir = await debian13IpxeDir(cacheDir());
});

test("Debian 13 BIOS (.lkrn, compressed): HTTPS and VLAN, version 1.21.1, no imgverify", async () => {
  const p = await probeBinary(path.join(dir, "ipxe.lkrn"), "bios");
  expect(p.version).toMatch(/^1\.21\.1\+git20250501/);
  expect(p.https).toBe(true);
  expect(p.features).toEqual(expect.arrayContaining(["HTTP", "HTTPS", "VLAN", "DNS", "bzImage", "Menu"]));
  expect(p.missingCommands).toEqual(["imgverify", "imgtrust", "ntp", "param", "nslookup"]);
  expect(p.note).toBeUndefined();
});

test("Debian 13 UEFI: HTTPS, and it looks for autoexec.ipxe", async () => {
  const p = await probeBinary(path.join(dir, "ipxe-amd64.efi"), "uefi");
  expect(p).toMatchObject({ https: true, autoexec: true });
});

const OLD = "/usr/lib/ipxe";
const haveOld = fs.existsSync(path.join(OLD, "ipxe.lkrn"));
if (!haveOld)
  process.stdout.write(
    `skipped: Debian 12's iPXE probe needs the ipxe package in ${OLD} (scripts/setup.sh installs it)\n`,
  );
(haveOld ? test : test.skip)(
  "Debian 12 (1.0.0+git-20190125): no HTTPS on either platform, UEFI ignores autoexec.ipxe",
  async () => {
    const bios = await probeBinary(path.join(OLD, "ipxe.lkrn"), "bios");
    const uefi = await probeBinary(path.join(OLD, "ipxe.efi"), "uefi");
    expect(bios).toMatchObject({ version: "1.0.0+git-20190125.36a4c85-5.1", https: false });
    expect(uefi).toMatchObject({ https: false, autoexec: false });
    expect(bios.missingCommands).toEqual(expect.arrayContaining(["vcreate", "certstore", "poweroff"]));
  },
);

test("a file that is not iPXE is reported as unknown, not as capable", async () => {
  const p = await probeBinary(path.join(__dirname, "probe.test.ts"), "uefi");
  expect(p).toMatchObject({
    https: "unknown",
    autoexec: "unknown",
    note: expect.stringContaining("no iPXE feature table"),
  });
});
