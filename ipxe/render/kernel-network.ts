// The kernel network forms (config/kernel-network.ts), rendered: stage-2 computes each form's
// kernel arguments once, at run time, from the network iPXE actually used (bs_* settings, see
// vars.ts), into one iPXE setting per form; a Linux entry then writes `${bs_knet_…}` on its
// kernel line. `set` joins its arguments with spaces, so one setting carries several kernel
// arguments. Every value in them is an IPv4-typed iPXE setting, an int32 (the VLAN tag), a MAC,
// or text from the validated config: nothing DHCP hands out as free text (ipxe-review #8).
import { KernelNetwork } from "../../config/kernel-network";
import { SiteConfig } from "../../config/schema";

export interface FormUse {
  form: KernelNetwork;
  /** linux-ip only: the Linux device name for ip='s device field. */
  kernelInterface?: string;
}

/** Renders the lines that fill `setting` for this site; `none` has no setting. */
type FormRenderer = (site: SiteConfig, setting: string, use: FormUse) => string[];

const BOOTIF = "BOOTIF=01-${${bs_if}/mac:hexhyp}";

/** The site's configured DNS servers after the first, which iPXE holds as ${bs_dns}. */
const extraDns = (site: SiteConfig): string[] => site.network.dns.slice(1);

const RENDERERS: Record<KernelNetwork, FormRenderer | undefined> = {
  // ip=<client>::<gw>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1>
  // (https://docs.kernel.org/admin-guide/nfs/nfsroot.html). The kernel cuts the hostname at
  // its first dot (the rest becomes the NIS domain), hence the short name in bs_khost.
  "linux-ip": (site, setting, use) => {
    const dev = use.kernelInterface ?? "";
    const dns1 = extraDns(site)[0];
    const dotted = site.network.fixed.filter((f) => f.hostname.includes("."));
    return [
      "set bs_khost ${bs_hostname}",
      ...dotted.map((f) => `iseq \${bs_mac} ${f.mac} && set bs_khost ${f.hostname.split(".")[0]} ||`),
      `set ${setting} ip=\${bs_ip}::\${bs_gateway}:\${bs_netmask}:\${bs_khost}:${dev}:off:\${bs_dns}${dns1 ? `:${dns1}` : ""} ${BOOTIF}`,
      `iseq \${bs_via} dhcp && set ${setting} ip=${dev ? `:::::${dev}:dhcp` : "dhcp"} ${BOOTIF} ||`,
    ];
  },
  // netcfg's preseed keys (https://www.debian.org/releases/stable/amd64/apbs04#preseed-network);
  // its kernel has no ip= (CONFIG_IP_PNP is off). netcfg splits get_nameservers on spaces, and
  // the kernel hands a double-quoted argument with spaces on as one value.
  "debian-installer": (site, setting) => {
    const done = `${setting.replace(/^bs_/, "")}_done`;
    const extra = extraDns(site);
    const nameservers = extra.length
      ? `"netcfg/get_nameservers=\${bs_dns} ${extra.join(" ")}"`
      : "netcfg/get_nameservers=${bs_dns}";
    return [
      `set ${setting} ${BOOTIF} netcfg/get_hostname=\${bs_hostname} netcfg/get_domain=${site.network.domain ?? ""}`,
      `isset \${bs_vlan} && set ${setting} \${${setting}} netcfg/use_vlan=true netcfg/vlan_id=\${bs_vlan} ||`,
      // DHCP gave the address: netcfg asks DHCP itself; nothing static to pass.
      `iseq \${bs_via} dhcp && goto ${done} ||`,
      `set ${setting} \${${setting}} netcfg/disable_autoconfig=true netcfg/get_ipaddress=\${bs_ip} netcfg/get_netmask=\${bs_netmask} netcfg/get_gateway=\${bs_gateway} ${nameservers} netcfg/confirm_static=true`,
      `:${done}`,
    ];
  },
  // dracut.cmdline(7): the NIC is named by MAC (ifname=), never by the kernel's order; a VLAN
  // device sits on top of it.
  dracut: (site, setting) => {
    const done = `${setting.replace(/^bs_/, "")}_done`;
    const extra = extraDns(site);
    return [
      "set bs_kdev bootnet",
      "isset ${bs_vlan} && set bs_kdev bootnet.${bs_vlan} ||",
      `set ${setting} rd.neednet=1 ifname=bootnet:\${bs_mac}`,
      `isset \${bs_vlan} && set ${setting} \${${setting}} vlan=\${bs_kdev}:bootnet ||`,
      `iseq \${bs_via} dhcp && set ${setting} \${${setting}} ip=\${bs_kdev}:dhcp && goto ${done} ||`,
      `set ${setting} \${${setting}} ip=\${bs_ip}::\${bs_gateway}:\${bs_netmask}:\${bs_hostname}:\${bs_kdev}:none`,
      `isset \${bs_dns} && set ${setting} \${${setting}} nameserver=\${bs_dns} ||`,
      ...(extra.length
        ? [`set ${setting} \${${setting}} ${extra.map((d) => `nameserver=${d}`).join(" ")}`]
        : []),
      `:${done}`,
    ];
  },
  none: undefined,
};

/** Distinct form uses of a site's Linux entries, in entry order. */
export function formUses(site: SiteConfig): FormUse[] {
  const seen = new Map<string, FormUse>();
  for (const e of site.menu.entries) {
    if (e.type !== "linux" || e.kernelNetwork === "none") continue;
    const use = { form: e.kernelNetwork, kernelInterface: e.kernelInterface };
    seen.set(useKey(use), use);
  }
  return [...seen.values()];
}

const useKey = (u: FormUse) => `${u.form}:${u.kernelInterface ?? ""}`;

/** The iPXE setting that holds this use's arguments, e.g. bs_knet_dracut; undefined for none. */
export function formSetting(site: SiteConfig, use: FormUse): string | undefined {
  if (!RENDERERS[use.form]) return undefined;
  const base = `bs_knet_${use.form.replace(/-/g, "_")}`;
  // linux-ip entries may name different devices: one setting per device, numbered.
  const sameForm = formUses(site).filter((u) => u.form === use.form);
  const index = sameForm.findIndex((u) => useKey(u) === useKey(use));
  return index > 0 ? `${base}_${index}` : base;
}

/** Stage-2 lines that compute every form the site's entries use. */
export function renderKernelNetworks(site: SiteConfig): string[] {
  return formUses(site).flatMap((use) => {
    const setting = formSetting(site, use)!;
    return [`# kernelNetwork ${use.form}`, ...RENDERERS[use.form]!(site, setting, use)];
  });
}
