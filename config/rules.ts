// Cross-field rules: what a schema cannot see by looking at one value at a time.
import { ConfigIssue, showValue } from "./errors";
import { Cidr, isHostIn, parseCidr } from "./formats";
import { parsePlaceholders } from "./placeholders";
import { ArtifactConfig, SiteConfig } from "./schema";

/** Site names must be unique; judged on the raw names so a site that failed to parse counts too. */
export function checkSites(names: unknown[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    if (typeof name !== "string") return;
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({
        path: `sites[${index}] ${showValue(name)}.name`,
        message: `duplicates the name of sites[${first}]; site names must be unique`,
      });
    } else seen.set(name, index);
  });
  return issues;
}

export function checkSite(
  site: SiteConfig,
  path: string,
  artifacts: Record<string, ArtifactConfig> | undefined,
): ConfigIssue[] {
  return [...checkNetwork(site, `${path}.network`), ...checkMenu(site, `${path}.menu`, artifacts)];
}

function checkNetwork(site: SiteConfig, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const net = site.network;
  const subnet = net.subnet ? parseCidr(net.subnet) : undefined;
  const asksOperator = net.mode === "prompt" || net.mode === "dhcp-then-prompt";

  if ((asksOperator || net.mode === "static") && !net.subnet) {
    issues.push({
      path: `${path}.subnet`,
      message: `is missing: mode ${net.mode} needs the site's subnet (e.g. 10.1.0.0/24) for the netmask and address checks`,
    });
  }
  if ((asksOperator || net.mode === "static") && !net.gateway) {
    issues.push({
      path: `${path}.gateway`,
      message: `is missing: mode ${net.mode} needs the site's default gateway`,
    });
  }
  if (net.mode === "static" && !net.address && net.fixed.length === 0) {
    issues.push({
      path: `${path}.address`,
      message: "is missing: mode static needs an address, or fixed addresses by MAC (or use mode prompt)",
    });
  }
  if (net.mode === "dhcp" && net.fixed.length > 0 && !subnet) {
    issues.push({ path: `${path}.subnet`, message: "is missing: fixed addresses need the site's subnet" });
  }
  if (subnet) {
    if (net.gateway) issues.push(...hostCheck(net.gateway, subnet, net.subnet!, `${path}.gateway`));
    if (net.address) {
      issues.push(...hostCheck(net.address, subnet, net.subnet!, `${path}.address`));
      if (net.address === net.gateway)
        issues.push({
          path: `${path}.address`,
          message: `${showValue(net.address)} is the gateway's address`,
        });
    }
  }

  const macs = new Map<string, number>();
  const ips = new Map<string, number>();
  const names = new Map<string, number>();
  net.fixed.forEach((f, i) => {
    const at = `${path}.fixed[${i}]`;
    if (subnet) {
      issues.push(...hostCheck(f.ip, subnet, net.subnet!, `${at}.ip`));
      if (f.ip === net.gateway)
        issues.push({ path: `${at}.ip`, message: `${showValue(f.ip)} is the gateway's address` });
    }
    for (const [key, map] of [
      ["mac", macs],
      ["ip", ips],
      ["hostname", names],
    ] as const) {
      const value = f[key];
      const first = map.get(value);
      if (first !== undefined)
        issues.push({
          path: `${at}.${key}`,
          message: `${showValue(value)} is already used by fixed[${first}]; each fixed ${key} must be unique`,
        });
      else map.set(value, i);
    }
  });
  return issues;
}

function hostCheck(ip: string, subnet: Cidr, cidr: string, path: string): ConfigIssue[] {
  return isHostIn(ip, subnet)
    ? []
    : [{ path, message: `${showValue(ip)} is not a host address inside the site's subnet ${cidr}` }];
}

function checkMenu(
  site: SiteConfig,
  path: string,
  artifacts: Record<string, ArtifactConfig> | undefined,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ids = new Map<string, number>();
  site.menu.entries.forEach((entry, i) => {
    const at = `${path}.entries[${i}]`;
    const first = ids.get(entry.id);
    if (first !== undefined)
      issues.push({
        path: `${at}.id`,
        message: `${showValue(entry.id)} is already used by entries[${first}]; entry ids must be unique`,
      });
    else ids.set(entry.id, i);
    if (entry.type !== "linux") return;
    if (artifacts && !(entry.kernel in artifacts)) {
      issues.push({
        path: `${at}.kernel`,
        message: `${showValue(entry.kernel)} is not an artefact; add it under boot-stack:artifacts or pick one of: ${Object.keys(artifacts).join(", ") || "(none defined)"}`,
      });
    }
    entry.initrds.forEach((initrd, j) => {
      if (artifacts && !(initrd in artifacts)) {
        issues.push({
          path: `${at}.initrds[${j}]`,
          message: `${showValue(initrd)} is not an artefact; add it under boot-stack:artifacts`,
        });
      }
    });
    entry.args.forEach((arg, j) => {
      const parsed = parsePlaceholders(arg);
      if ("error" in parsed)
        issues.push({ path: `${at}.args[${j}]`, message: `${showValue(arg)} ${parsed.error}` });
      if (entry.kernelNetwork === "linux-ip" && /^ip=/.test(arg)) {
        issues.push({
          path: `${at}.args[${j}]`,
          message: `${showValue(arg)} conflicts with the ip= that kernelNetwork: linux-ip adds; remove it or set kernelNetwork: none`,
        });
      }
    });
  });
  if (!ids.has(site.menu.default)) {
    issues.push({
      path: `${path}.default`,
      message: `${showValue(site.menu.default)} is not the id of any entry (ids: ${[...ids.keys()].join(", ")})`,
    });
  }
  return issues;
}
