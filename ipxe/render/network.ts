// Facts about a site's network that both stages need, derived once from the config.
import { parseCidr } from "../../config/formats";
import { NetworkConfig } from "../../config/schema";

/** The iPXE device the site's traffic uses: `net0`, or `net0-120` for VLAN 120 on net0. */
export function deviceName(net: NetworkConfig): string {
  return net.vlan ? `${net.interface}-${net.vlan}` : net.interface;
}

export function netmaskOf(net: NetworkConfig): string | undefined {
  return net.subnet ? parseCidr(net.subnet)?.netmask : undefined;
}
