// Parsers of what the real consumers print, on output captured from real boots (the installer's
// preseed early command, dracut's report hook, the installer's text screens).
import { parseInstallerReport } from "../../local/consumers/debian-installer";
import { parseDracutReport } from "../../local/consumers/dracut-report";
import { dialogTitle } from "../../local/consumers/installer-watch";

test("the installer's report: addresses, routes, DNS in order, hostname", () => {
  const serial = [
    "\x1b[?25h\x1b[?0c\x1b[6B   BOOTSTACK-DI-ADDR: ignored (not at the start of a line)",
    "BOOTSTACK-DI-ADDR: 1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
    "BOOTSTACK-DI-ADDR: 2: ens3    inet 10.0.2.44/24 brd 10.0.2.255 scope global ens3\\       valid_lft forever",
    "BOOTSTACK-DI-ROUTE: default via 10.0.2.2 dev ens3 ",
    "BOOTSTACK-DI-DNS: search lab.test",
    "BOOTSTACK-DI-DNS: nameserver 10.0.2.3",
    "BOOTSTACK-DI-DNS: nameserver 10.0.2.4",
    "BOOTSTACK-DI-HOSTNAME: lab-installer-525400123456",
    "BOOTSTACK-DI: done",
    "[  240.832264] sysrq: Power Off",
  ].join("\r\n");
  expect(parseInstallerReport(serial)).toEqual({
    addresses: [
      "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
      "2: ens3    inet 10.0.2.44/24 brd 10.0.2.255 scope global ens3\\       valid_lft forever",
    ],
    routes: ["default via 10.0.2.2 dev ens3"],
    nameservers: ["10.0.2.3", "10.0.2.4"],
    hostname: "lab-installer-525400123456",
    done: true,
  });
  expect(parseInstallerReport("no report").done).toBe(false);
});

test("dracut's report: the interface and its MAC, links, a failed fetch", () => {
  const r = parseDracutReport(
    [
      "BOOTSTACK-DRACUT-IF: bootnet mac=52:54:00:d7:ac:01",
      "BOOTSTACK-DRACUT-LINK: 2: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN",
      "BOOTSTACK-DRACUT-FETCH: failed http://10.0.2.100/manifest.json",
    ].join("\n"),
  );
  expect(r.iface).toEqual({ name: "bootnet", mac: "52:54:00:d7:ac:01" });
  expect(r.links).toHaveLength(1);
  expect(r.fetch).toBe("failed http://10.0.2.100/manifest.json");
  expect(r.done).toBe(false);
});

test("the installer's dialog title is its first line of text; none while the kernel log shows", () => {
  const failed = [
    "",
    "                          [!!] Configure the network",
    "",
    "                       Network autoconfiguration failed",
    "<Tab> moves; <Space> selects; <Enter> activates buttons",
  ].join("\n");
  expect(dialogTitle(failed)).toBe("[!!] Configure the network");
  expect(
    dialogTitle("[    2.219978] pci 0000:00:00.0: Limiting direct PCI/PCI transfers\nmore"),
  ).toBeUndefined();
  expect(dialogTitle("\n\n")).toBeUndefined();
});
