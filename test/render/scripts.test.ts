// Rendered scripts for the example stack: exact snapshots (reviewed like code), structural
// checks against what iPXE accepts, and the behaviour each site's network mode asks for.
import { validateStackConfig } from "../../config/validate";
import { lintScript } from "../../ipxe/render/lint";
import { renderGenericStage1, renderSitesIndex } from "../../ipxe/render/generic";
import { renderStage1 } from "../../ipxe/render/stage1";
import { renderStage2 } from "../../ipxe/render/stage2";
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
      `chain --replace --autofree https://boot.example.com/sites/${name}/stage2.ipxe?site=${name}&s1=1&mac=`,
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
    expect(s).toContain(
      ":fixed_1\nset net0-120/ip 172.16.120.12\nset bs_hostname nyc2-db2\nset bs_via fixed",
    );
    expect(s).toContain("ifopen net0-120 || goto open_failed");
  });
  test("retries with doubling back-off before the recovery menu", () => {
    const s = renderStage1(site("ams1"), origin);
    expect(s).toContain("clear bs_try ||\nclear bs_delay ||\ninc bs_delay 2\n");
    expect(s).toContain("iseq ${bs_try} 5 && goto recovery ||");
    expect(s).toContain("sleep ${bs_delay}\ninc bs_delay ${bs_delay}\ngoto chain_try");
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
  test("passes the static network to the kernel in Linux's ip= form, DHCP stays DHCP", () => {
    const s = renderStage2(site("ams1"), config.artifacts, origin);
    expect(s).toContain(
      "iseq ${bs_via} dhcp && set bs_kip dhcp || set bs_kip ${bs_ip}::${bs_gateway}:${bs_netmask}:${bs_hostname}::off:${bs_dns}",
    );
    expect(s).toMatch(
      /kernel https:\/\/boot\.example\.com\/artifacts\/[0-9a-f]{64}\/debian12-linux initrd=debian12-initrd ip=\$\{bs_kip\} BOOTIF=01-\$\{\$\{bs_if\}\/mac:hexhyp\} priority=critical netcfg\/get_hostname=\$\{bs_hostname\} netcfg\/get_domain=ams1\.example\.com console=tty0 \|\| goto failed/,
    );
  });
  test("menu has the default and timeout in milliseconds", () => {
    const s = renderStage2(site("ams1"), config.artifacts, origin);
    expect(s).toContain("choose --default debian-install --timeout 15000 bs_choice || goto menu");
  });
  test("applies fixed addresses by MAC (also for machines added after the image was built)", () => {
    const s = renderStage2(site("nyc2"), config.artifacts, origin);
    expect(s).toContain("iseq ${bs_mac} 52:54:00:a1:00:03 && goto fixed_2 ||");
    expect(s).toContain(":fixed_2\nset bs_ip 172.16.120.13\nset bs_hostname nyc2-app1\nset bs_via fixed");
  });
  test("kernelNetwork none leaves ip= out; a zero timeout boots the default at once", () => {
    const raw = prodRaw();
    raw.sites[1].menu.entries[0].kernelNetwork = "none";
    raw.sites[1].menu.timeoutSeconds = 0;
    const c = validateStackConfig(raw);
    const s = renderStage2(c.sites[1], c.artifacts, origin);
    expect(s).not.toContain("ip=${bs_kip}");
    expect(s).toMatch(/:menu\ngoto entry_rescue\n/);
    expect(s).not.toContain("--timeout 0");
  });
});

describe("generic image and site index", () => {
  test("generic stage-1 tries DHCP, can ask, and chains the site index", () => {
    const s = renderGenericStage1(origin);
    expect(lintScript(s)).toEqual([]);
    expect(s).toContain("ifconf --configurator dhcp --timeout 10000 net0");
    expect(s).toContain(
      "chain --replace --autofree https://boot.example.com/sites/index.ipxe?site=generic&s1=generic-1&",
    );
    expect(s).toMatchSnapshot();
  });
  test("site index lists every site and chains the chosen stage-2", () => {
    const s = renderSitesIndex(config.sites, origin);
    expect(lintScript(s)).toEqual([]);
    expect(s).toContain("item nyc2 nyc2 - New York cage 2 (VLAN 120)");
    expect(s).toContain(
      "chain --replace --autofree https://boot.example.com/sites/${bs_site}/stage2.ipxe?site=${bs_site}",
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
