// The example stack's own rendered scripts, run for real: every site of Pulumi.prod.yaml other
// than ams1 (the demo test boots that one) booted in QEMU through the demo's path, with only the
// network facts moved onto QEMU's network and the artefacts replaced by the test OS.
import { STAGE1_VERSION } from "../../ipxe/render/stage1";
import { runDemo } from "../../local/demo";
import { BOOT_TEST_TIMEOUT_MS, expectNothingLeftBehind } from "./helpers";

jest.setTimeout(BOOT_TEST_TIMEOUT_MS);
expectNothingLeftBehind();

// Every entry of the example stack uses the debian-installer form (netcfg preseed keys); the real
// installer reading them is proven in debian-installer.test.ts, this proves the example's values.
const staticNetcfg = (ip: string) =>
  `netcfg/disable_autoconfig=true netcfg/get_ipaddress=${ip} netcfg/get_netmask=255.255.255.0 ` +
  "netcfg/get_gateway=10.0.2.2 netcfg/get_nameservers=10.0.2.3 netcfg/confirm_static=true";
/** The literal parts, in order, with anything between them. */
const inOrder = (...parts: string[]) =>
  new RegExp(parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*"));

const cases: Array<[string, string, RegExp, string]> = [
  // site, how its network came up, what the kernel must be told, the stage-1 identity in the request
  // DHCP: netcfg asks DHCP itself, so no static key comes before the entry's own args.
  [
    "fra-lab",
    "dhcp",
    / BOOTIF=01-52-54-00-12-34-56 netcfg\/get_hostname=fra-lab-525400123456 netcfg\/get_domain= rescue\/enable=true/,
    "via=dhcp",
  ],
  [
    "nyc2",
    "fixed",
    inOrder(" BOOTIF=01-52-54-00-a1-00-01 netcfg/get_hostname=nyc2-db1 ", staticNetcfg("10.0.2.21")),
    "mac=52-54-00-a1-00-01 via=fixed",
  ],
  [
    "sgp1",
    "static",
    inOrder(
      ` BOOTIF=01-52-54-00-12-34-56 netcfg/get_hostname=sgp1-525400123456 netcfg/get_domain= ${staticNetcfg("10.0.2.15")} rescue/enable=true`,
    ),
    "via=static",
  ],
];

test.each(cases)(
  "example site %s boots with its network handed to the kernel (via %s)",
  async (site, via, kernelArgs, identity) => {
    const lines: string[] = [];
    const outcome = await runDemo({ site, uefi: false, out: (l) => lines.push(l) });
    const log = lines.join("\n");
    if (!outcome.booted) throw new Error(`site ${site} did not boot:\n${log}`);
    expect(outcome.result!.report.cmdline).toMatch(kernelArgs);
    expect(log).toContain(`network came up via: ${via}`);
    const stage2 = outcome.result!.accessLog.find((e) => e.path === `/sites/${site}/stage2.ipxe`);
    expect(stage2?.status).toBe(200);
    expect(log).toMatch(
      new RegExp(
        `GET /sites/${site}/stage2\\.ipxe 200 .*site=${site} s1=${STAGE1_VERSION} .*${identity.replace(/[.]/g, "\\.")}`,
      ),
    );
  },
);
