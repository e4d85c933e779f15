// Facts about a site's network that both stages need, derived once from the config.
import { parseCidr } from "../../config/formats";
import { NetworkConfig } from "../../config/schema";

/**
 * The iPXE device the site's traffic uses when nothing chose one at run time (a stage-2 chained
 * by hand): `net0`, or `net0-120` for VLAN 120 on net0. Stage-1 sets bs_if itself.
 */
export function deviceName(net: NetworkConfig): string {
  const port = net.interface === "auto" ? "net0" : net.interface;
  return net.vlan ? `${port}-${net.vlan}` : port;
}

export function netmaskOf(net: NetworkConfig): string | undefined {
  return net.subnet ? parseCidr(net.subnet)?.netmask : undefined;
}
