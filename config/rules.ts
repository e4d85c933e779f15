// Cross-field rules: what a schema cannot see by looking at one value at a time.
import { ConfigIssue, showValue } from "./errors";
import { Cidr, isHostIn, parseCidr } from "./formats";
import { argKey, KERNEL_NETWORK } from "./kernel-network";
import { hasStaticPath, NETWORK_MODE } from "./network-modes";
import { parsePlaceholders } from "./placeholders";
import { ArtifactConfig, LinuxMenuEntry, SiteConfig } from "./schema";

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
  const mode = NETWORK_MODE[net.mode];

  if (hasStaticPath(net.mode) && !net.subnet) {
    issues.push({
      path: `${path}.subnet`,
      message: `is missing: mode ${net.mode} needs the site's subnet (e.g. 10.1.0.0/24) for the netmask and address checks`,
    });
  }
  if (hasStaticPath(net.mode) && !net.gateway) {
    issues.push({
      path: `${path}.gateway`,
      message: `is missing: mode ${net.mode} needs the site's default gateway`,
    });
  }
  if (hasStaticPath(net.mode) && mode.address === "use" && !net.address && net.fixed.length === 0) {
    issues.push({
      path: `${path}.address`,
      message: `is missing: mode ${net.mode} needs an address, or fixed addresses by MAC (or use mode prompt)`,
    });
  }
  if (!hasStaticPath(net.mode) && net.fixed.length > 0) {
    issues.push({
      path: `${path}.fixed`,
      message: `is never used in mode ${net.mode} (${mode.summary}): reserve the addresses on the DHCP server, or use a mode with a static path`,
    });
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

/** What the entry's kernelNetwork form can carry at this site, and hand-written args it would duplicate. */
function checkKernelNetwork(entry: LinuxMenuEntry, site: SiteConfig, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const form = KERNEL_NETWORK[entry.kernelNetwork];
  const net = site.network;
  entry.args.forEach((arg, j) => {
    if (form.owns.includes(argKey(arg)))
      issues.push({
        path: `${at}.args[${j}]`,
        message: `${showValue(arg)} conflicts with the ${argKey(arg)}= that kernelNetwork: ${entry.kernelNetwork} writes; remove it, or set kernelNetwork: none and write the network arguments yourself`,
      });
  });
  if (net.vlan !== undefined && form.losesVlan)
    issues.push({
      path: `${at}.kernelNetwork`,
      message: `${entry.kernelNetwork} cannot tell the OS about VLAN ${net.vlan} (${form.summary}): it would come up on the untagged network; use dracut or debian-installer, or none with your own arguments`,
    });
  if (hasStaticPath(net.mode) && net.dns.length > form.maxDns)
    issues.push({
      path: `${at}.kernelNetwork`,
      message: `${entry.kernelNetwork} passes at most ${form.maxDns} DNS servers but network.dns lists ${net.dns.length}; list fewer, or use dracut or debian-installer`,
    });
  if (entry.kernelInterface !== undefined && entry.kernelNetwork !== "linux-ip")
    issues.push({
      path: `${at}.kernelInterface`,
      message: `is used only by kernelNetwork: linux-ip (this entry uses ${entry.kernelNetwork}); remove it`,
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
    });
    issues.push(...checkKernelNetwork(entry, site, at));
  });
  if (!ids.has(site.menu.default)) {
    issues.push({
      path: `${path}.default`,
      message: `${showValue(site.menu.default)} is not the id of any entry (ids: ${[...ids.keys()].join(", ")})`,
    });
  }
  return issues;
}
