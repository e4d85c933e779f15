// A VLAN site in QEMU: the NIC's port carries only VLAN 120, tagged (local/qemu/vlan-trunk.ts),
// so iPXE reaches the origin only through its VLAN device, and the booted OS is told about the
// VLAN in its form's own words (ipxe-review #9): dracut's vlan= with ip= on the VLAN device,
// the Debian installer's netcfg/use_vlan + vlan_id (read from iPXE's own setting in its shell).
// The test OS knows no VLANs: it reports the command line; the real consumers read it in the
// debian-installer and dracut boot tests.
import { BOOT_TEST_TIMEOUT_MS, boot, expectNothingLeftBehind, shellCommand } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

test("iPXE gets through the tagged port, and both forms carry VLAN 120 to the OS", async () => {
  const r = await boot(
    "vlan-trunk",
    { site: "lab-vlan", firmware: "bios", vlanTrunk: 120, timeoutMs: 150_000 },
    async ({ op }) => {
      await op.waitFor(/VLAN lab: 10\.0\.2\.15 \(static\)/, { timeoutMs: 60_000 });
      await shellCommand(op, "echo di=${bs_knet_debian_installer}", { index: 2 });
      await op.waitFor(/netcfg\/confirm_static=true/, { timeoutMs: 10_000 });
      await op.screenshot("debian-installer-args");
      // The setting wraps over several 80-column rows.
      const screen = (await op.screen()).join("");
      expect(screen).toMatch(/di=BOOTIF=01-52-54-00-12-34-56 .*netcfg\/use_vlan=true netcfg\/vlan_id=120 /);
      await op.type("exit");
      await op.press("ret");
      await op.pickMenuEntry("Test OS (dracut form)", { index: 0, timeoutMs: 20_000 });
    },
  );
  expect(r.accessLog.find((e) => e.path.endsWith("/stage2.ipxe"))?.status).toBe(200);
  expect(r.report.booted).toBe(true);
  const args = (r.report.cmdline ?? "").split(" ");
  expect(args).toEqual(
    expect.arrayContaining([
      "vlan=bootnet.120:bootnet",
      "ip=10.0.2.15::10.0.2.2:255.255.255.0:lab-vlan-525400123456:bootnet.120:none",
      "ifname=bootnet:52:54:00:12:34:56",
    ]),
  );
});
