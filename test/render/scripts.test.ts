// Rendered scripts for the example stack: exact snapshots (reviewed like code), structural
// checks against what iPXE accepts, and the behaviour each site's network mode asks for.
import { validateStackConfig } from "../../config/validate";
import { lintScript } from "../../ipxe/render/lint";
import { renderGenericStage1, renderSitesIndex } from "../../ipxe/render/generic";
import { renderStage1, STAGE1_VERSION } from "../../ipxe/render/stage1";
import { renderStage2 } from "../../ipxe/render/stage2";
import {
  CHAIN_ATTEMPTS,
  FETCH_TIMEOUT_MS,
  FIRST_RETRY_DELAY_S,
  SCRIPT_FETCH_TIMEOUT_MS,
  UNATTENDED_RETRY_MS,
} from "../../ipxe/render/timing";
import { prodRaw } from "../support/prod-config";

const config = validateStackConfig(prodRaw());
const origin = { baseUrl: "https://boot.example.com" };
const site = (name: string) => config.sites.find((s) => s.name === name)!;

describe.each(config.sites.map((s) => s.name))("site %s", (name) => {
  const stage1 = renderStage1(site(name), origin);
  const stage2 = renderStage2(site(name), config.artifacts, origin);

  test("stage-1 snapshot", () => expect(stage1).toMatchSnapshot());
  test("stage-2 snapshot", () => expect(stage2).toMatchSnapshot());
  test("every line is a known command and every goto has a label", () => {
    expect(lintScript(stage1)).toEqual([]);
    expect(lintScript(stage2)).toEqual([]);
  });
  test("stage-1 chains this site's stage-2 and identifies itself", () => {
    expect(stage1).toContain(
      `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --autofree https://boot.example.com/sites/${name}/stage2.ipxe?site=${name}&s1=${STAGE1_VERSION}&mac=`,
    );
  });
  test("rendering is deterministic", () => {
    expect(renderStage1(site(name), origin)).toBe(stage1);
    expect(renderStage2(site(name), config.artifacts, origin)).toBe(stage2);
  });
});

describe("stage-1 per network mode", () => {
  test("prompt: pre-fills the site's values, asks for each, re-asks on bad input", () => {
    const s = renderStage1(site("ams1"), origin);
    expect(s).toContain(
      "set net0/ip 10.20.0.100\nset net0/netmask 255.255.255.0\nset net0/gateway 10.20.0.1\nset net0/dns 10.20.0.53\ngoto ask",
    );
    expect(s).toContain("read net0/ip || goto ask_ip_bad\nisset ${net0/ip} || goto ask_ip_bad");
    expect(s).toContain(
      ":ask_ip_bad\necho IP address must be an IPv4 address such as 10.1.0.20. Try again.\ngoto ask_ip",
    );
    expect(s).not.toContain("ifconf --configurator dhcp --timeout");
  });
  test("dhcp: no prompt before DHCP, but the recovery menu can still ask", () => {
    const s = renderStage1(site("fra-lab"), origin);
    expect(s).toMatch(/:start\ngoto dhcp/);
    expect(s).toContain("item renet Re-enter network settings");
  });
  test("dhcp-then-prompt: DHCP with the site's timeout, then the prompt", () => {
    const s = renderStage1(site("sgp1"), origin);
    expect(s).toContain(
      "ifconf --configurator dhcp --timeout 8000 net0 && set bs_via dhcp && goto chain ||\necho No DHCP answer",
    );
    expect(s).toContain("set net0/netmask 255.255.254.0");
  });
  test("static + fixed + VLAN: VLAN device, MAC lookup, no typing for known machines", () => {
    const s = renderStage1(site("nyc2"), origin);
    expect(s).toContain("vcreate --tag 120 net0 || goto no_vlan");
    expect(s).toContain("iseq ${net0-120/mac} 52:54:00:a1:00:02 && goto fixed_1 ||");
    expect(s).toContain(":fixed_1\nset net0-120/ip 172.16.120.12\nset bs_via fixed");
    expect(s).toContain("ifopen net0-120 || goto open_failed");
  });
  test("retries with doubling back-off before the recovery menu", () => {
    const s = renderStage1(site("ams1"), origin);
    expect(s).toContain(`clear bs_try ||\nclear bs_delay ||\ninc bs_delay ${FIRST_RETRY_DELAY_S}\n`);
    expect(s).toContain(`iseq \${bs_try} ${CHAIN_ATTEMPTS} && goto recovery ||`);
    expect(s).toContain("sleep ${bs_delay} ||\ninc bs_delay ${bs_delay}\ngoto chain_try");
    for (const item of [
      "retry Retry",
      "renet Re-enter network settings",
      "dhcp Try DHCP",
      "shell iPXE shell",
      "reboot Reboot",
    ]) {
      expect(s).toContain(`item ${item}`);
    }
  });
});

describe("stage-2", () => {
  test("reads the network back from the interface stage-1 configured; no fixed-table override", () => {
    const s = renderStage2(site("nyc2"), config.artifacts, origin);
    expect(s).toContain("set bs_ip ${${bs_if}/ip}\nset bs_netmask ${${bs_if}/netmask}");
    // The fixed table names the machine; the address stays the one iPXE uses (ipxe-review #12).
    expect(s).toContain("iseq ${bs_mac} 52:54:00:a1:00:03 && set bs_hostname nyc2-app1 ||");
    expect(s).not.toMatch(/set bs_ip 172\.16/);
  });
  test("the hostname comes from config only, never from DHCP (ipxe-review #8)", () => {
    for (const name of ["ams1", "fra-lab", "nyc2", "sgp1"]) {
      const s = renderStage2(site(name), config.artifacts, origin);
      expect(s).toContain(`set bs_hostname ${name}-\${\${bs_if}/mac:hexraw}`);
      expect(s).not.toMatch(/\$\{(net\d\/|\$\{bs_if\}\/)?hostname\}/);
      expect(s).not.toMatch(/\$\{(net\d\/|\$\{bs_if\}\/)?domain\}/);
    }
  });
  test("Debian entries hand the network over as netcfg/* keys", () => {
    const s = renderStage2(site("ams1"), config.artifacts, origin);
    expect(s).toMatch(
      /kernel --timeout \d+ https:\/\/boot\.example\.com\/artifacts\/5a3b[0-9a-f]{60}\/debian12-linux initrd=debian12-initrd \$\{bs_knet_debian_installer\} priority=critical console=tty0 \|\| goto failed/,
    );
    expect(s).toContain(
      'netcfg/get_gateway=${bs_gateway} "netcfg/get_nameservers=${bs_dns} 10.20.1.53" netcfg/confirm_static=true',
    );
  });
  test("menu has the default, the timeout in milliseconds, and survives a keypress", () => {
    const s = renderStage2(site("ams1"), config.artifacts, origin);
    expect(s).toContain(
      `choose --default debian-install --timeout 15000 --retimeout ${UNATTENDED_RETRY_MS} bs_choice || goto menu`,
    );
  });
  test("kernelNetwork none leaves the network out", () => {
    const raw = prodRaw();
    raw.sites[1].menu.entries[0].kernelNetwork = "none";
    const c = validateStackConfig(raw);
    const s = renderStage2(c.sites[1], c.artifacts, origin);
    expect(s).not.toContain("bs_knet");
    expect(s).not.toContain("ip=");
  });
  test("a zero timeout boots the default at once, and every way back shows the menu (ipxe-review #4)", () => {
    const raw = prodRaw();
    raw.sites[1].menu.timeoutSeconds = 0;
    const c = validateStackConfig(raw);
    const s = renderStage2(c.sites[1], c.artifacts, origin);
    expect(s).toMatch(/\ngoto entry_rescue\n:menu\n/);
    expect(s).not.toMatch(/:menu\ngoto entry_rescue/);
    expect(s).not.toContain("--timeout 0");
    expect(s).toContain(`--timeout ${UNATTENDED_RETRY_MS} --retimeout ${UNATTENDED_RETRY_MS}`);
  });
  test("every Linux entry frees earlier images first and bounds its downloads (ipxe-review #1, #7)", () => {
    for (const name of ["ams1", "fra-lab", "nyc2", "sgp1"]) {
      const s = renderStage2(site(name), config.artifacts, origin);
      for (const m of s.matchAll(/^:entry_[^\n]+\n(?:echo [^\n]+\n)?(imgfree\n)?kernel /gm))
        expect(m[1]).toBe("imgfree\n");
      for (const line of s.split("\n").filter((l) => /^(kernel|initrd|chain) /.test(l)))
        expect(line).toMatch(new RegExp(`^\\S+ --timeout ${FETCH_TIMEOUT_MS} `));
    }
  });
  test("free text cannot be taken for an option (ipxe-review #3)", () => {
    const raw = prodRaw();
    raw.sites[0].menu.title = "-n trap";
    raw.sites[0].description = "-k x:";
    const c = validateStackConfig(raw);
    const s = renderStage2(c.sites[0], c.artifacts, origin);
    expect(s).toContain("menu -- -n trap\n");
    expect(s).toContain("item --gap -- -k x:: ${bs_ip}");
    expect(lintScript(s)).toEqual([]);
  });
});

describe("generic image and site index", () => {
  test("generic stage-1 tries DHCP, can ask, and chains the site index", () => {
    const s = renderGenericStage1(origin);
    expect(lintScript(s)).toEqual([]);
    expect(s).toContain("ifconf --configurator dhcp --timeout 10000 net0");
    expect(s).toContain(
      `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --autofree https://boot.example.com/sites/index.ipxe?site=generic&s1=generic-${STAGE1_VERSION}&`,
    );
    expect(s).toMatchSnapshot();
  });
  test("site index lists every site and chains the chosen stage-2", () => {
    const s = renderSitesIndex(config.sites, origin);
    expect(lintScript(s)).toEqual([]);
    expect(s).toContain("item nyc2 nyc2 - New York cage 2 (VLAN 120)");
    expect(s).toContain(
      `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --replace --autofree https://boot.example.com/sites/\${bs_site}/stage2.ipxe?site=\${bs_site}`,
    );
    expect(s).toMatchSnapshot();
  });
});

describe("lintScript catches what would break a boot", () => {
  test("unknown command, missing label, mid-line comment", () => {
    const problems = lintScript("#!ipxe\nfoo bar\ngoto nowhere\necho a #b\n:x\ngoto x_${y}\n");
    expect(problems.map((p) => p.message)).toEqual([
      "unknown command foo",
      "token #b would start a comment mid-line",
      "goto nowhere: no such label",
      "goto x_${y}: no such label",
    ]);
  });
});
