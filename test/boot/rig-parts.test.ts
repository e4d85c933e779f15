// The rig's pure parts, checked without QEMU: keys, screen decoding, the DHCP filter's frame
// test, the test OS report parser, and the demo's overrides of the example stack.
import * as path from "node:path";
import { keysFor } from "../../local/qemu/keys";
import { decodeVgaText, stripAnsi, VGA_BYTES } from "../../local/qemu/screen";
import { isDhcpRequest } from "../../local/qemu/dhcp-block";
import { qemuArgs } from "../../local/qemu/rig";
import { tag, untag, vlanOf } from "../../local/qemu/vlan-trunk";
import { parseTestOsReport, TestOs } from "../../local/testos";
import { demoStack } from "../../local/stack";
import { QEMU_NET } from "../../local/guest-network";
import { REPO_ROOT } from "../../ipxe/build/cache";

test.each([
  ["a", ["a"]],
  ["7", ["7"]],
  ["A", ["shift", "a"]],
  [".", ["dot"]],
  [":", ["shift", "semicolon"]],
  ["/", ["slash"]],
  ["-", ["minus"]],
  ["_", ["shift", "minus"]],
  ["\n", ["ret"]],
])("keysFor(%j) = %j", (ch, keys) => expect(keysFor(ch)).toEqual(keys));

test("keysFor refuses what a US keyboard cannot type", () => {
  expect(() => keysFor("é")).toThrow(/cannot type "é"/);
});

test("VGA text: every second byte is a character; rows trimmed", () => {
  const mem = Buffer.alloc(VGA_BYTES);
  for (let i = 0; i < VGA_BYTES; i += 2) {
    mem[i] = 0x20;
    mem[i + 1] = 0x1f;
  }
  Buffer.from("IP address: 10.0.2.15").forEach((b, i) => (mem[(2 * 80 + i) * 2] = b));
  mem[3 * 80 * 2] = 0x01; // a control character shows as a space
  const rows = decodeVgaText(mem);
  expect(rows).toHaveLength(25);
  expect(rows[2]).toBe("IP address: 10.0.2.15");
  expect(rows[3]).toBe("");
});

test("serial text: colours and erases removed, cursor placement starts a line", () => {
  expect(stripAnsi("\x1b[0m\x1b[2JIP address: \x1b[1;33m10.0.2.50\x1b[0m\r\n")).toBe(
    "IP address: 10.0.2.50\n",
  );
  expect(stripAnsi("\x1b[3;1HTest OS\x1b[4;1HiPXE shell")).toBe("\nTest OS\niPXE shell");
});

function udpFrame(dstPort: number, ethertype = 0x0800, proto = 17): Buffer {
  const f = Buffer.alloc(14 + 20 + 8);
  f.writeUInt16BE(ethertype, 12);
  f[14] = 0x45;
  f[14 + 9] = proto;
  f.writeUInt16BE(68, 14 + 20);
  f.writeUInt16BE(dstPort, 14 + 20 + 2);
  return f;
}

test("the DHCP filter drops DHCP requests only", () => {
  expect(isDhcpRequest(udpFrame(67))).toBe(true);
  expect(isDhcpRequest(udpFrame(53))).toBe(false); // DNS
  expect(isDhcpRequest(udpFrame(67, 0x0806))).toBe(false); // ARP
  expect(isDhcpRequest(udpFrame(67, 0x0800, 6))).toBe(false); // TCP to port 67
  expect(isDhcpRequest(Buffer.alloc(20))).toBe(false);
});

test("the VLAN trunk port: tags and untags 802.1Q frames, and tells tagged from untagged", () => {
  const plain = udpFrame(53);
  const tagged = tag(plain, 120);
  expect(tagged.length).toBe(plain.length + 4);
  expect(tagged.readUInt16BE(12)).toBe(0x8100);
  expect(vlanOf(tagged)).toBe(120);
  expect(vlanOf(plain)).toBeUndefined();
  expect(untag(tagged).equals(plain)).toBe(true);
  expect(vlanOf(tag(plain, 4094 + 0x1000))).toBe(4094); // only the 12-bit id counts
});

test("test OS report: markers parsed, absent ones undefined", () => {
  const serial =
    "noise\r\nBOOTSTACK-TESTOS: booted 6.1\r\nBOOTSTACK-CMDLINE: ip=10.0.2.15::10.0.2.2:255.255.255.0:h::off:10.0.2.3 quiet\r\nBOOTSTACK-ROOTFS: bin init initrd=x lib \r\nBOOTSTACK-NET: dev=eth0 mac=52:54:00:12:34:56 ip=10.0.2.15 netmask=255.255.255.0\n";
  const r = parseTestOsReport(serial);
  expect(r).toMatchObject({
    booted: true,
    done: false,
    cmdline: "ip=10.0.2.15::10.0.2.2:255.255.255.0:h::off:10.0.2.3 quiet",
    net: { dev: "eth0", ip: "10.0.2.15", mac: "52:54:00:12:34:56" },
    rootfs: ["bin", "init", "initrd=x", "lib"],
  });
  expect(r.fetch).toBeUndefined();
  expect(parseTestOsReport("SeaBIOS\n").booted).toBe(false);
});

test("demo overrides: QEMU's network, no VLAN, test OS artefacts, and notes that say so", () => {
  const fake: TestOs = {
    kernelVersion: "x",
    kernel: { path: "/k", sha256: "a".repeat(64) },
    initrd: { path: "/i", sha256: "b".repeat(64) },
  };
  const { config, notes } = demoStack(path.join(REPO_ROOT, "Pulumi.prod.yaml"), fake);
  const site = (n: string) => config.sites.find((s) => s.name === n)!;
  expect(site("ams1").network).toMatchObject({
    subnet: QEMU_NET.subnet,
    gateway: QEMU_NET.gateway,
    address: QEMU_NET.prefill,
    dns: [QEMU_NET.dns],
  });
  expect(site("nyc2").network.vlan).toBeUndefined();
  expect(site("nyc2").network.fixed.map((f) => f.ip)).toEqual(["10.0.2.21", "10.0.2.22", "10.0.2.23"]);
  expect(site("fra-lab").network).toMatchObject({ mode: "dhcp" });
  for (const [name, a] of Object.entries(config.artifacts))
    expect(a).toEqual(
      /initrd/.test(name)
        ? { source: "/i", sha256: "b".repeat(64) }
        : { source: "/k", sha256: "a".repeat(64) },
    );
  expect(notes).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^site nyc2: network .*vlan \(removed\)/),
      expect.stringMatching(/^artefact debian12-linux -> test OS kernel/),
    ]),
  );
});

test("the rig's Secure Boot firmware: SMM, flash locked to SMM, the snakeoil code image", () => {
  const args = qemuArgs(
    { firmware: "uefi", secureBoot: true, image: { iso: "/x.iso" }, httpPort: 1 },
    "/run",
  ).join(" ");
  expect(args).toContain("-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on");
  expect(args).toContain(
    "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd",
  );
  expect(args).toContain("if=pflash,format=raw,unit=1,file=/run/OVMF_VARS.fd");
  const plain = qemuArgs({ firmware: "uefi", image: { iso: "/x.iso" }, httpPort: 1 }, "/run").join(" ");
  expect(plain).toContain("-machine q35 ");
  expect(plain).not.toContain("secure=on");
});
