// What the dracut image's report hook (dracut-module/99bootstack-report/report.sh) prints on
// serial once dracut has configured an interface.
import { markerLines, nameserversOf } from "./serial-report";

export const DRACUT_MARKERS = {
  iface: "BOOTSTACK-DRACUT-IF: ",
  link: "BOOTSTACK-DRACUT-LINK: ",
  addr: "BOOTSTACK-DRACUT-ADDR: ",
  route: "BOOTSTACK-DRACUT-ROUTE: ",
  dns: "BOOTSTACK-DRACUT-DNS: ",
  hostname: "BOOTSTACK-DRACUT-HOSTNAME: ",
  fetch: "BOOTSTACK-DRACUT-FETCH: ",
  done: "BOOTSTACK-DRACUT: done",
} as const;

export interface DracutReport {
  /** The interface dracut brought online, and its MAC. */
  iface?: { name: string; mac: string };
  /** Every interface: `ip -o link` lines. */
  links: string[];
  /** Every IPv4 address: `ip -o -4 addr` lines. */
  addresses: string[];
  routes: string[];
  nameservers: string[];
  hostname?: string;
  fetch?: string;
  done: boolean;
}

export function parseDracutReport(serial: string): DracutReport {
  const all = (prefix: string) => markerLines(serial, prefix);
  const iface = /^(\S+) mac=(\S+)$/.exec(all(DRACUT_MARKERS.iface)[0] ?? "");
  return {
    iface: iface ? { name: iface[1], mac: iface[2] } : undefined,
    links: all(DRACUT_MARKERS.link),
    addresses: all(DRACUT_MARKERS.addr),
    routes: all(DRACUT_MARKERS.route),
    nameservers: nameserversOf(all(DRACUT_MARKERS.dns)),
    hostname: all(DRACUT_MARKERS.hostname)[0],
    fetch: all(DRACUT_MARKERS.fetch)[0],
    done: serial.includes(DRACUT_MARKERS.done),
  };
}
