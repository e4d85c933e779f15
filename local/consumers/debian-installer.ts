// The real Debian 12 installer: `linux` and `initrd.gz` of Debian's netboot package, fetched once
// into the cache (see debian-package.ts), and the preseed file the installer asks the origin for.
// The preseed's early command reports on the serial port what netcfg configured, then powers the
// machine off, so a boot test ends by itself once the installer has used the network.
// Kernel arguments netcfg reads: https://www.debian.org/releases/bookworm/amd64/apbs02.en.html
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256 } from "../../ipxe/build/hash";
import { CONTENT_TYPE, CACHE_CONTROL } from "../../origin/keys";
import { OriginObject } from "../../origin/layout";
import { fileSha256 } from "../../origin/artifact-file";
import { cacheDir } from "../../ipxe/build/cache";
import { debianPackage } from "./debian-package";
import { markerLines, nameserversOf } from "./serial-report";

export const INSTALLER_PACKAGE = "debian-installer-12-netboot-amd64";
const IMAGES = "usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64";

export interface DebianInstaller {
  /** e.g. 20230607+deb12u15 */
  version: string;
  linux: { path: string; sha256: string };
  initrd: { path: string; sha256: string };
}

export async function ensureDebianInstaller(
  opts: { cacheRoot?: string; log?: (line: string) => void } = {},
): Promise<DebianInstaller> {
  const pkg = await debianPackage(INSTALLER_PACKAGE, [`./${IMAGES}/linux`, `./${IMAGES}/initrd.gz`], {
    cacheRoot: opts.cacheRoot ?? cacheDir(),
    log: opts.log,
  });
  const file = async (name: string) => {
    const p = path.join(pkg.root, IMAGES, name);
    return { path: p, sha256: await fileSha256(p) };
  };
  return { version: pkg.version, linux: await file("linux"), initrd: await file("initrd.gz") };
}

/** Where the installer finds its preseed: `url=` on its command line (an alias of preseed/url). */
export const PRESEED_KEY = "preseed.cfg";
export const PRESEED_FILE = path.join(__dirname, "preseed.cfg");

/** The preseed as an extra object of the local origin (it is not part of any stack's layout). */
export function preseedObject(): OriginObject {
  const text = fs.readFileSync(PRESEED_FILE, "utf8");
  return {
    key: PRESEED_KEY,
    contentType: CONTENT_TYPE.ipxeScript,
    cacheControl: CACHE_CONTROL.script,
    sha256: sha256(text),
    size: Buffer.byteLength(text),
    content: { kind: "inline", text },
  };
}

/** Serial-port markers printed by the preseed's early command (preseed.cfg). */
export const INSTALLER_MARKERS = {
  addr: "BOOTSTACK-DI-ADDR: ",
  route: "BOOTSTACK-DI-ROUTE: ",
  dns: "BOOTSTACK-DI-DNS: ",
  hostname: "BOOTSTACK-DI-HOSTNAME: ",
  done: "BOOTSTACK-DI: done",
} as const;

export interface InstallerReport {
  /** `ip -o -4 addr` lines, e.g. "2: eth0 inet 10.0.2.44/24 ...". */
  addresses: string[];
  routes: string[];
  nameservers: string[];
  hostname?: string;
  done: boolean;
}

export function parseInstallerReport(serial: string): InstallerReport {
  const all = (prefix: string) => markerLines(serial, prefix);
  return {
    addresses: all(INSTALLER_MARKERS.addr),
    routes: all(INSTALLER_MARKERS.route),
    nameservers: nameserversOf(all(INSTALLER_MARKERS.dns)),
    hostname: all(INSTALLER_MARKERS.hostname)[0],
    done: serial.includes(INSTALLER_MARKERS.done),
  };
}
