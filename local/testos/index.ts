// The tiny test OS the boot tests and the demo boot: Debian's kernel plus a busybox initrd that
// prints its command line and network facts on the serial port and powers off. Built on demand
// into .cache/testos/, with the sha256 of each file for the stack config's artefacts.
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256 as sha256Hex } from "../../ipxe/build/hash";
import { cacheDir } from "../../ipxe/build/cache";
import { ensureKernel } from "./kernel";
import { ensureInitrd } from "./initrd";

export interface TestOs {
  kernelVersion: string;
  kernel: { path: string; sha256: string };
  initrd: { path: string; sha256: string };
}

/** Serial-port markers printed by init.sh. */
export const MARKERS = {
  booted: "BOOTSTACK-TESTOS: booted",
  cmdline: "BOOTSTACK-CMDLINE: ",
  rootfs: "BOOTSTACK-ROOTFS: ",
  net: "BOOTSTACK-NET: ",
  fetch: "BOOTSTACK-FETCH: ",
  done: "BOOTSTACK-TESTOS: done",
} as const;

export async function ensureTestOs(
  opts: { cacheRoot?: string; log?: (line: string) => void } = {},
): Promise<TestOs> {
  const root = opts.cacheRoot ?? cacheDir();
  fs.mkdirSync(path.join(root, "testos"), { recursive: true });
  const kernel = await ensureKernel(root, opts.log);
  const initrd = await ensureInitrd(root, kernel.e1000);
  return {
    kernelVersion: kernel.version,
    kernel: { path: kernel.vmlinuz, sha256: sha256Hex(fs.readFileSync(kernel.vmlinuz)) },
    initrd: { path: initrd, sha256: sha256Hex(fs.readFileSync(initrd)) },
  };
}

/** Pulls the test OS's report out of serial output. */
export function parseTestOsReport(serial: string): {
  booted: boolean;
  done: boolean;
  cmdline?: string;
  /** Names in the initramfs's top folder. */
  rootfs?: string[];
  net?: Record<string, string>;
  fetch?: string;
} {
  const line = (prefix: string) =>
    serial
      .split(/\r?\n/)
      .find((l) => l.startsWith(prefix))
      ?.slice(prefix.length)
      .trim();
  const netLine = line(MARKERS.net);
  const net = netLine
    ? Object.fromEntries(
        netLine
          .split(/\s+/)
          .filter((w) => w.includes("="))
          .map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]),
      )
    : undefined;
  return {
    booted: serial.includes(MARKERS.booted),
    done: serial.includes(MARKERS.done),
    cmdline: line(MARKERS.cmdline),
    rootfs: line(MARKERS.rootfs)?.split(/\s+/).filter(Boolean),
    net,
    fetch: line(MARKERS.fetch),
  };
}
