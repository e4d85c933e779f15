// Rendered scripts for the example stack: exact snapshots (reviewed like code), structural
// checks against what iPXE accepts, and the behaviour each site's network mode asks for.
import { validateStackConfig } from "../../config/validate";
import { lintScript } from "../../ipxe/render/lint";
import { renderGenericStage1, renderSitesIndex } from "../../ipxe/render/generic";
import { renderStage1, STAGE1_VERSION } from "../../ipxe/render/stage1";
import { renderStage2 } from "../../ipxe/render/stage2";
import {
  CHAIN_ATTEMPTS,
  FAILSAFE_KEY,
  FAILSAFE_KEY_MS,
  FETCH_TIMEOUT_MS,
  FIRST_RETRY_DELAY_S,
  LINK_WAIT_MS,
  MENU_IDLE_MS,
  NIC_LINK_WAIT_MS,
  PROMPT_IDLE_MS,
  RECOVERY_RETRY_MS,
  SCRIPT_FETCH_TIMEOUT_MS,
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
  test("stage-1 chains this site's stage-2 from its origins in order and identifies itself", () => {
    expect(stage1).toContain("set bs_origin_0 https://boot.example.com\n");
    expect(stage1).toContain(
      `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --autofree \${bs_origin}/sites/${name}/stage2.ipxe?site=${name}&s1=${STAGE1_VERSION}&mac=`,
    );
  });
  test("rendering is deterministic", () => {
    expect(renderStage1(site(name), origin)).toBe(stage1);
    expect(renderStage2(site(name), config.artifacts, origin)).toBe(stage2);
  });
});

describe("stage-1 per network mode", () => {
  test("prompt: pre-fills the site's values where empty, asks for each, re-asks on a bad value", () => {
    const s = renderStage1(site("ams1"), origin);
    expect(s).toContain("isset ${${bs_if}/ip} || set ${bs_if}/ip 10.20.0.100\n");
    expect(s).toContain("isset ${${bs_if}/dns} || set ${bs_if}/dns 10.20.0.53\n");
    expect(s).toContain(
      `set bs_typed \${\${bs_if}/ip}\necho -n IP address:\${sp:string}\nread --timeout ${PROMPT_IDLE_MS} bs_typed || goto ask_cancelled\nset \${bs_if}/ip \${bs_typed} || goto ask_ip_bad\n`,
    );
    expect(s).toContain(
      ":ask_ip_bad\necho IP address must be an IPv4 address such as 10.1.0.20. Try again.\ngoto ask_ip",
    );
    expect(s).toMatch(/:configure\niseq \$\{bs_manual\} dhcp && goto dhcp \|\|\ngoto defaults\n/);
    // Ctrl-C or nobody typing: the manual network menu on a key, else the site's own way again.
    expect(s).toMatch(
      /:ask_cancelled\nprompt [^\n]* && goto manual \|\|\nclear bs_manual \|\|\nclear bs_reenter \|\|\ngoto begin\n/,
    );
  });
  test("dhcp: DHCP on the chosen device, a failure is an attempt like any other", () => {
    const s = renderStage1(site("fra-lab"), origin);
    expect(s).toContain("iseq ${bs_manual} static && goto defaults || goto dhcp");
    expect(s).toContain(
      "ifconf --configurator dhcp --timeout 10000 ${bs_if} && set bs_via dhcp && goto chain ||",
    );
    expect(s).toMatch(/:dhcp_failed\nset bs_failed dhcp\n[^\n]*\ngoto attempt_failed/);
    expect(s).not.toContain("dhcp_fallback");
  });
  test("dhcp-then-prompt: DHCP with the site's timeout, then the prompt, which gives up and retries DHCP", () => {
    const s = renderStage1(site("sgp1"), origin);
    expect(s).toContain(
      "ifconf --configurator dhcp --timeout 8000 ${bs_if} && set bs_via dhcp && goto chain ||",
    );
    expect(s).toContain("isset ${bs_manual} || goto dhcp_fallback");
    expect(s).toContain("isset ${${bs_if}/netmask} || set ${bs_if}/netmask 255.255.254.0");
    expect(s).toContain(`read --timeout ${PROMPT_IDLE_MS} bs_typed || goto ask_cancelled`);
  });
  test("static + fixed + VLAN: VLAN device on the port with a link, MAC lookup, no typing for known machines", () => {
    const s = renderStage1(site("nyc2"), origin);
    expect(s).toContain("set bs_vlan:int32 120");
    expect(s).toContain("isset ${${bs_if}/mac} || vcreate --tag ${bs_vlan} ${bs_trunk} || goto no_vlan");
    expect(s).toContain("iseq ${${bs_if}/mac} 52:54:00:a1:00:02 && goto fixed_1 ||");
    expect(s).toContain(":fixed_1\nset ${bs_if}/ip 172.16.120.12\nset bs_via fixed");
    expect(s).toContain(":open\nifopen ${bs_if} || goto no_link");
  });
  test("the port: the first one with a link, or the configured one", () => {
    const auto = renderStage1(site("ams1"), origin);
    expect(auto).toContain(`iflinkwait --timeout ${NIC_LINK_WAIT_MS} net\${bs_nic} && goto nic_found ||`);
    // The next attempt starts at the next port: a linked port on another network is not retried forever.
    expect(auto).toContain(":nic_found\nset bs_trunk net${bs_nic}\ninc bs_nic\ngoto link");
    const raw = prodRaw();
    raw.sites[0].network.interface = "net2";
    const pinned = renderStage1(validateStackConfig(raw).sites[0], origin);
    expect(pinned).toContain("set bs_trunk net2\n");
    expect(pinned).not.toContain("iflinkwait --timeout 3000 net${bs_nic}");
    expect(pinned).toContain(`iflinkwait --timeout ${LINK_WAIT_MS} \${bs_trunk} || goto no_link`);
  });
  test("a failsafe key before anything automatic, leading to the manual network menu", () => {
    const s = renderStage1(site("fra-lab"), origin);
    expect(s.indexOf(`prompt --key ${FAILSAFE_KEY} --timeout ${FAILSAFE_KEY_MS}`)).toBeLessThan(
      s.indexOf(":begin"),
    );
    for (const item of [
      "mport Choose the port",
      "mvlan Set the VLAN tag",
      "mdhcp Use DHCP",
      "mstatic Type the address",
    ])
      expect(s).toContain(`item ${item}`);
    // A typed VLAN tag is stored as an integer: nothing else reaches a command line.
    expect(s).toContain("set bs_vlan:int32 ${bs_typed} && goto manual_menu ||");
  });
  test("every failure retries with doubling back-off, each attempt redoing the bring-up", () => {
    const s = renderStage1(site("ams1"), origin);
    expect(s).toContain(
      `:begin\nclear bs_try ||\nclear bs_delay ||\ninc bs_delay ${FIRST_RETRY_DELAY_S}\n:start\ninc bs_try\n`,
    );
    expect(s).toContain(`iseq \${bs_try} ${CHAIN_ATTEMPTS} && goto recovery ||`);
    expect(s).toContain("sleep ${bs_delay} ||\ninc bs_delay ${bs_delay}\ngoto start");
    for (const failure of ["chain_failed", "no_link", "no_vlan", "dhcp_failed", "nic_none"])
      expect(s).toMatch(
        new RegExp(`:${failure}\\n(?:[^:][^\\n]*\\n)*?(goto attempt_failed|:attempt_failed)`),
      );
  });
  test("the recovery menu: the error and the clock, retries by itself also after a keypress, back to the start", () => {
    const s = renderStage1(site("ams1"), origin);
    expect(s).toContain(
      "item --gap -- Failed: ${bs_failed}, error ${bs_error} (https://ipxe.org/err/${bs_error})",
    );
    expect(s).toContain("${unixtime:int32}");
    expect(s).toContain(
      `choose --default retry --timeout ${RECOVERY_RETRY_MS} --retimeout ${RECOVERY_RETRY_MS} bs_choice || goto recovery`,
    );
    expect(s).toContain(":recovery_retry\ngoto begin");
    for (const item of [
      "renet Re-enter network settings",
      "dhcp Try DHCP",
      "manual Manual network",
      "shell iPXE shell",
      "reboot Reboot",
    ])
      expect(s).toContain(`item ${item}`);
  });
  test("a timed-out menu picks the highlighted item: every item leads back by itself", () => {
    const s = renderStage1(site("fra-lab"), origin);
    // The shell opens only on a keypress; otherwise retry (recovery) or the site's way (manual).
    expect(s).toMatch(
      /:recovery_shell\nprompt --timeout \d+ [^\n]* \|\| goto begin\nshell \|\|\ngoto recovery\n/,
    );
    expect(s).toMatch(/:manual_shell\nprompt --timeout \d+ [^\n]* \|\| goto manual_mauto\nshell \|\|\n/);
    // Every prompt gives up (lint checks that too), the manual menu's back to automatic.
    expect(s).toContain(`read --timeout ${PROMPT_IDLE_MS} bs_trunk || goto manual_mauto`);
    expect(lintScript(s)).toEqual([]);
    expect(lintScript("#!ipxe\nread x ||\n")).toEqual([
      { line: 2, message: "read needs --timeout: nobody may be there to answer" },
    ]);
  });
  test("stage-2 chained, not replacing stage-1: a stage-2 that ends comes back here", () => {
    const s = renderStage1(site("ams1"), origin);
    expect(s).not.toContain("--replace");
    expect(s).toContain("iseq ${bs_leave} firmware && exit 1 ||");
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
      /kernel --timeout \d+ \$\{bs_from\}\/artifacts\/[0-9a-f]{64}\/debian12-linux initrd=debian12-initrd \$\{bs_knet_debian_installer\} priority=critical console=tty0 \|\| goto next_origin_debian-install/,
    );
    expect(s).toContain(
      'netcfg/get_gateway=${bs_gateway} "netcfg/get_nameservers=${bs_dns} 10.20.1.53" netcfg/confirm_static=true',
    );
  });
  test("menu has the default, the timeout in milliseconds, and survives a keypress", () => {
    const s = renderStage2(site("ams1"), config.artifacts, origin);
    expect(s).toContain(
      `choose --default debian-install --timeout 15000 --retimeout ${MENU_IDLE_MS} bs_choice || goto menu`,
    );
  });
  test("the shell entry opens on a keypress only: a timed-out menu may have it highlighted", () => {
    const s = renderStage2(site("ams1"), config.artifacts, origin);
    expect(s).toMatch(/:entry_shell\nprompt --timeout \d+ [^\n]* \|\| goto menu\nshell \|\|\ngoto menu\n/);
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
    expect(s).toContain(`--timeout ${MENU_IDLE_MS} --retimeout ${MENU_IDLE_MS}`);
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
    expect(s).toContain("ifconf --configurator dhcp --timeout 10000 ${bs_if}");
    expect(s).toContain(
      `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --autofree \${bs_origin}/sites/index.ipxe?site=generic&s1=generic-${STAGE1_VERSION}&`,
    );
    expect(s).toMatchSnapshot();
  });
  test("site index lists every site and chains the chosen stage-2", () => {
    const s = renderSitesIndex(config.sites, origin);
    expect(lintScript(s)).toEqual([]);
    expect(s).toContain("item nyc2 nyc2 - New York cage 2 (VLAN 120)");
    expect(s).toContain(
      `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --replace --autofree \${bs_origin}/sites/\${bs_site}/stage2.ipxe?site=\${bs_site}`,
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
