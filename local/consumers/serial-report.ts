// Reading the marker lines that the real consumers' report hooks print on the serial port.

/** The text after `prefix` on every serial line that starts with it. */
export function markerLines(serial: string, prefix: string): string[] {
  return serial
    .split(/\r?\n/)
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length).trim());
}

/** The servers of resolv.conf lines ("nameserver 10.0.2.3"), in order. */
export function nameserversOf(resolvConfLines: string[]): string[] {
  return resolvConfLines
    .map((l) => /^nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => Boolean(s));
}
