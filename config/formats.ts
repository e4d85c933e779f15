// Plain-value checks and conversions for network facts. No dependencies, no Pulumi.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
// RFC 1123 labels; a fully qualified name needs at least one dot.
const LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const FQDN = new RegExp(`^${LABEL}(\\.${LABEL})+$`);

export const isIpv4 = (s: string): boolean => IPV4.test(s);
export const isMac = (s: string): boolean => MAC.test(s);
export const isHostname = (s: string): boolean => s.length <= 253 && HOSTNAME.test(s);
export const isFqdn = (s: string): boolean => s.length <= 253 && FQDN.test(s);

export function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export function prefixToNetmask(prefix: number): string {
  return intToIpv4(prefix === 0 ? 0 : 0xffffffff - (2 ** (32 - prefix) - 1));
}

export interface Cidr {
  network: string;
  prefix: number;
  netmask: string;
}

/** Parses "10.1.0.0/24"; returns undefined when malformed or when host bits are set. */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m || !isIpv4(m[1])) return undefined;
  const prefix = Number(m[2]);
  if (prefix < 1 || prefix > 30) return undefined; // /31 and /32 leave no room for a gateway and hosts
  const size = 2 ** (32 - prefix);
  if (ipv4ToInt(m[1]) % size !== 0) return undefined;
  return { network: m[1], prefix, netmask: prefixToNetmask(prefix) };
}

/** A usable host address: inside the subnet, neither its network nor its broadcast address. */
export function isHostIn(ip: string, cidr: Cidr): boolean {
  const size = 2 ** (32 - cidr.prefix);
  const offset = ipv4ToInt(ip) - ipv4ToInt(cidr.network);
  return offset > 0 && offset < size - 1;
}
