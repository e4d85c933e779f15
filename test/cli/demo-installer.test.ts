// `boot-stack demo --installer` before anything boots: the flag is parsed, the sites whose menu
// boots Debian's installer are found in Pulumi.prod.yaml (by the artefacts' Debian installer
// sources), and the usage errors name the fix. The full run boots the same installer as
// test/boot/debian-installer.test.ts, through the same watcher (local/consumers/installer-watch.ts).
import * as path from "node:path";
import { main } from "../../cli/main";
import { installerArtifacts, installerSites } from "../../local/demo-installer";

const PROD = path.join(__dirname, "..", "..", "Pulumi.prod.yaml");
let err: string[];

beforeEach(() => {
  err = [];
  jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => jest.restoreAllMocks());

test("the example stack's installer artefacts and the sites whose entry installs Debian", () => {
  expect(installerArtifacts(PROD)).toEqual({ linux: ["debian12-linux"], initrd: ["debian12-initrd"] });
  // ams1: "Install Debian 12" is its first entry; nyc2: "Reinstall Debian 12" its second.
  // fra-lab (DHCP) and sgp1 boot the installer only in rescue mode.
  expect([...installerSites(PROD)]).toEqual([
    ["ams1", 0],
    ["nyc2", 1],
  ]);
});

test("a site without an entry that installs Debian is a usage error listing the sites to use", async () => {
  expect(await main(["demo", "--installer", "--site", "fra-lab"])).toBe(2);
  expect(err.join("")).toContain(
    "--installer --site fra-lab: that site has no entry that installs Debian with its installer, or needs DHCP (sites to use: ams1, nyc2)",
  );
});

test("--installer with --uefi is a usage error (the installer's screens are read in BIOS text mode)", async () => {
  expect(await main(["demo", "--installer", "--uefi"])).toBe(2);
  expect(err.join("")).toContain("--installer runs under BIOS only: leave out --uefi");
});

test("an unknown site is refused before the installer check", async () => {
  expect(await main(["demo", "--installer", "--site", "lon9"])).toBe(2);
  expect(err.join("")).toContain('--site "lon9": not a site of Pulumi.prod.yaml');
});
