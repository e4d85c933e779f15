// How a Linux entry hands the network iPXE used on to what it boots: one form per OS family, in
// a table the compiler checks. The config rules read what each form can carry and which kernel
// arguments it owns (so a hand-written duplicate is refused); ipxe/render/kernel-network.ts
// renders each form, and a test holds the two together.

export const KERNEL_NETWORK_FORMS = ["linux-ip", "debian-installer", "dracut", "none"] as const;
export type KernelNetwork = (typeof KERNEL_NETWORK_FORMS)[number];

export interface KernelNetworkTraits {
  /** One line for docs and error messages: who reads it. */
  summary: string;
  /** On a VLAN site the OS would come up on the untagged network: the form has no VLAN field. */
  losesVlan: boolean;
  /** DNS servers the form can pass (Infinity: all of them). */
  maxDns: number;
  /** Kernel argument keys (the part before `=`) this form writes; a hand-written one conflicts. */
  owns: readonly string[];
}

export const KERNEL_NETWORK: Record<KernelNetwork, KernelNetworkTraits> = {
  "linux-ip": {
    // https://docs.kernel.org/admin-guide/nfs/nfsroot.html (ip=) and initramfs-tools(7)
    summary: "the kernel's / initramfs-tools' ip= (no VLAN field), BOOTIF= naming the NIC",
    losesVlan: true,
    maxDns: 2,
    owns: ["ip", "BOOTIF"],
  },
  "debian-installer": {
    // https://www.debian.org/releases/stable/amd64/apbs04#preseed-network (netcfg)
    summary: "Debian's installer (netcfg/* preseed keys, BOOTIF=)",
    losesVlan: false,
    maxDns: 3,
    owns: [
      "BOOTIF",
      "netcfg/disable_autoconfig",
      "netcfg/get_ipaddress",
      "netcfg/get_netmask",
      "netcfg/get_gateway",
      "netcfg/get_nameservers",
      "netcfg/confirm_static",
      "netcfg/get_hostname",
      "netcfg/get_domain",
      "netcfg/use_vlan",
      "netcfg/vlan_id",
    ],
  },
  dracut: {
    // https://man7.org/linux/man-pages/man7/dracut.cmdline.7.html (Network)
    summary: "dracut-based systems (ip=, nameserver=, rd.neednet=1, ifname= by MAC, vlan=)",
    losesVlan: false,
    maxDns: Infinity,
    owns: ["ip", "nameserver", "rd.neednet", "ifname", "vlan"],
  },
  none: { summary: "nothing: the entry's own args say it all", losesVlan: false, maxDns: Infinity, owns: [] },
};

/** The key of a kernel argument: `netcfg/get_hostname={hostname}` → `netcfg/get_hostname`. */
export const argKey = (arg: string): string => arg.split("=")[0];
