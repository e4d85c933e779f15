// The kernel network forms as rendered into stage-2: the arguments each form writes are exactly
// the keys config/kernel-network.ts says it owns (so the rules refuse every duplicate), VLAN and
// every DNS server are carried where the form can carry them, and DHCP leaves nothing static.
// These are rendering checks; the real consumers (Debian's installer, dracut) are booted in
// test/boot, and the test OS reads linux-ip there.
import { argKey, KERNEL_NETWORK, KERNEL_NETWORK_FORMS, KernelNetwork } from "../../config/kernel-network";
import { validateStackConfig } from "../../config/validate";
import { formSetting, renderKernelNetworks } from "../../ipxe/render/kernel-network";
import { lintScript } from "../../ipxe/render/lint";
import { renderStage2 } from "../../ipxe/render/stage2";
import { prodRaw } from "../support/prod-config";

const origin = { baseUrl: "https://boot.example.com" };

/** nyc2 (static, VLAN 120, fixed table) with one Linux entry of the given form and two more DNS servers. */
function nycWith(form: KernelNetwork, extra: Record<string, unknown> = {}) {
  const raw = prodRaw();
  const nyc = raw.sites[2];
  nyc.network.dns = ["172.16.120.53", "172.16.121.53", ...(form === "linux-ip" ? [] : ["172.16.122.53"])];
  if (form === "linux-ip") delete nyc.network.vlan;
  nyc.network.fixed[0].hostname = "db1.nyc2.example.com";
  nyc.menu.entries[1] = { ...nyc.menu.entries[1], kernelNetwork: form, args: [], ...extra };
  const c = validateStackConfig(raw);
  return { site: c.sites[2], artifacts: c.artifacts };
}

/** The kernel arguments the form's lines put into its setting. */
function writtenArgs(lines: string[], setting: string): string[] {
  return lines
    .filter((l) => l.includes(`set ${setting} `))
    .flatMap((l) => l.slice(l.indexOf(`set ${setting} `) + `set ${setting} `.length).split(/\s+/))
    .filter((t) => t !== `\${${setting}}` && t !== "||" && t !== "&&" && t.includes("="))
    .map((t) => t.replace(/^"/, ""));
}

describe.each(KERNEL_NETWORK_FORMS.filter((f) => f !== "none"))("form %s", (form) => {
  const { site, artifacts } = nycWith(form);
  const lines = renderKernelNetworks(site);
  const setting = formSetting(site, { form })!;

  test("writes exactly the keys it owns", () => {
    const keys = new Set(writtenArgs(lines, setting).map(argKey));
    expect([...keys].sort()).toEqual([...KERNEL_NETWORK[form].owns].sort());
  });
  test("takes values only from iPXE's typed settings and the config", () => {
    for (const arg of writtenArgs(lines, setting))
      for (const ref of arg.match(/\$\{\$\{bs_if\}\/[a-z:]+\}|\$\{[^${}]+\}/g) ?? [])
        expect(ref).toMatch(
          /^\$\{(bs_ip|bs_netmask|bs_gateway|bs_dns|bs_mac|bs_hostname|bs_khost|bs_kdev|bs_vlan|\$\{bs_if\}\/mac:hexhyp)\}$/,
        );
  });
  test("the stage-2 around it lints clean, and the entry uses the setting", () => {
    const s = renderStage2(site, artifacts, origin);
    expect(lintScript(s)).toEqual([]);
    expect(s).toMatch(
      new RegExp(
        `\\ndebian12-linux initrd=debian12-initrd \\$\\{${setting}\\}|/debian12-linux initrd=debian12-initrd \\$\\{${setting}\\}`,
      ),
    );
  });
});

describe("what each form carries", () => {
  test("debian-installer: static keys only when iPXE did not use DHCP; VLAN when iPXE used one; every DNS server", () => {
    const { site } = nycWith("debian-installer");
    const s = renderKernelNetworks(site).join("\n");
    expect(s).toContain("iseq ${bs_via} dhcp && goto knet_debian_installer_done ||");
    expect(s).toMatch(
      /goto knet_debian_installer_done \|\|\nset bs_knet_debian_installer \$\{bs_knet_debian_installer\} netcfg\/disable_autoconfig=true /,
    );
    expect(s).toContain('"netcfg/get_nameservers=${bs_dns} 172.16.121.53 172.16.122.53"');
    expect(s).toContain(
      "isset ${bs_vlan} && set bs_knet_debian_installer ${bs_knet_debian_installer} netcfg/use_vlan=true netcfg/vlan_id=${bs_vlan} ||",
    );
  });
  test("dracut: the NIC pinned by MAC, the VLAN device on top, one nameserver= per server", () => {
    const { site } = nycWith("dracut");
    const s = renderKernelNetworks(site).join("\n");
    expect(s).toContain("set bs_knet_dracut rd.neednet=1 ifname=bootnet:${bs_mac}");
    expect(s).toContain("isset ${bs_vlan} && set bs_kdev bootnet.${bs_vlan} ||");
    expect(s).toContain("vlan=${bs_kdev}:bootnet");
    expect(s).toContain("ip=${bs_ip}::${bs_gateway}:${bs_netmask}:${bs_hostname}:${bs_kdev}:none");
    expect(s).toContain("ip=${bs_kdev}:dhcp && goto knet_dracut_done");
    expect(s).toContain(
      "nameserver=${bs_dns} ||\nset bs_knet_dracut ${bs_knet_dracut} nameserver=172.16.121.53 nameserver=172.16.122.53",
    );
  });
  test("linux-ip: short hostname for a dotted fixed name, both DNS fields, the named device", () => {
    const { site } = nycWith("linux-ip", { kernelInterface: "ens3" });
    const s = renderKernelNetworks(site).join("\n");
    expect(s).toContain("iseq ${bs_mac} 52:54:00:a1:00:01 && set bs_khost db1 ||");
    expect(s).toContain(
      "ip=${bs_ip}::${bs_gateway}:${bs_netmask}:${bs_khost}:ens3:off:${bs_dns}:172.16.121.53 BOOTIF=01-${${bs_if}/mac:hexhyp}",
    );
    expect(s).toContain("iseq ${bs_via} dhcp && set bs_knet_linux_ip ip=:::::ens3:dhcp BOOTIF=");
  });
  test("entries naming different devices get a setting each", () => {
    const raw = prodRaw();
    const ams = raw.sites[0];
    const linuxIp = { ...ams.menu.entries[1], args: [], kernelNetwork: "linux-ip" };
    ams.menu.entries.push(
      { ...linuxIp, id: "plain" },
      { ...linuxIp, id: "rescue2", kernelInterface: "eth1" },
    );
    const c = validateStackConfig(raw);
    const s = renderStage2(c.sites[0], c.artifacts, origin);
    expect(s).toContain(":off:${bs_dns}:10.20.1.53 BOOTIF");
    expect(s).toMatch(/debian12-linux initrd=debian12-initrd \$\{bs_knet_linux_ip\}( |$)/m);
    expect(s).toMatch(/debian12-linux initrd=debian12-initrd \$\{bs_knet_linux_ip_1\}( |$)/m);
    expect(s).toContain(
      "set bs_knet_linux_ip_1 ip=${bs_ip}::${bs_gateway}:${bs_netmask}:${bs_khost}:eth1:off",
    );
  });
});
