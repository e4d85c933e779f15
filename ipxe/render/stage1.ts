// Stage-1: the small script embedded in a site's boot image. It brings the network up the way
// the site needs (ask the operator, fixed values, DHCP), then chains the site's stage-2 from the
// origin, retrying with back-off; if the origin stays unreachable it offers a recovery menu.
// Everything that changes over time lives in stage-2, so an image never goes stale.
import { NetworkConfig, SiteConfig } from "../../config/schema";
import { deviceName, netmaskOf } from "./network";
import { keys } from "../../origin/keys";
import { OriginRef } from "./origin-ref";
import { assertScriptSafe, header, joinScript } from "./script";
import {
  CHAIN_ATTEMPTS,
  FIRST_RETRY_DELAY_S,
  SCRIPT_FETCH_TIMEOUT_MS,
  UNATTENDED_RETRY_MS as RECOVERY_MENU_TIMEOUT_MS,
} from "./timing";

/** Bumped when stage-1's behaviour changes; sent to the origin so logs tell old images apart. */
export const STAGE1_VERSION = "1";

export interface Stage1Plan {
  /** Name shown to the operator and sent to the origin (`generic` for the site-less image). */
  name: string;
  network: NetworkConfig;
  /** Key on the origin of the script to chain, e.g. `sites/ams1/stage2.ipxe`. */
  target: string;
  identity: string;
}

export function renderStage1(site: SiteConfig, origin: OriginRef): string {
  return renderStage1Plan(
    {
      name: site.name,
      network: site.network,
      target: keys.stage2(site.name),
      identity: STAGE1_VERSION,
    },
    origin,
    `boot-stack stage-1 for site ${site.name} (network mode: ${site.network.mode}).`,
  );
}

export function renderStage1Plan(plan: Stage1Plan, origin: OriginRef, title: string): string {
  const base = assertScriptSafe(origin.baseUrl, "origin base URL");
  const net = plan.network;
  const dev = deviceName(net);
  return joinScript([
    header(title, [
      "Embedded in the boot image: brings the network up, then chains stage-2 from the origin.",
      "What changes over time lives in stage-2, so this image does not go stale.",
    ]),
    [
      `set bs_site ${plan.name}`,
      `set bs_stage1 ${plan.identity}`,
      `set bs_if ${dev}`,
      "set sp:hex 20",
      `echo boot-stack stage-1 v${plan.identity}: site ${plan.name}, origin ${base}`,
      ...(net.vlan
        ? [`vcreate --tag ${net.vlan} ${net.interface} || goto no_vlan`, `set bs_vlan:int32 ${net.vlan}`]
        : []),
    ],
    start(net, dev),
    defaults(net, dev),
    fixedLookup(net, dev),
    ask(plan.name, dev),
    openAndDhcp(dev),
    chain(plan, base, dev),
    recovery(plan, base, dev),
  ]);
}

/** The first steps per mode; every path ends at :open (static) or :chain (DHCP done). */
function start(net: NetworkConfig, dev: string): string[] {
  switch (net.mode) {
    case "dhcp":
      return [":start", "goto dhcp"];
    case "dhcp-then-prompt":
      return [
        ":start",
        `echo Trying DHCP on ${dev} for ${net.dhcpTimeoutSeconds} s...`,
        `ifconf --configurator dhcp --timeout ${net.dhcpTimeoutSeconds * 1000} ${dev} && set bs_via dhcp && goto chain ||`,
        "echo No DHCP answer: asking for the network settings instead.",
        "goto defaults",
      ];
    case "static":
    case "prompt":
      return [":start", "goto defaults"];
  }
}

/** Pre-fills the site's values so the operator usually types only the address. */
function defaults(net: NetworkConfig, dev: string): string[] {
  const netmask = netmaskOf(net);
  const next = net.fixed.length
    ? "goto fixed"
    : net.mode === "static" && net.address
      ? "goto static"
      : "goto ask";
  return [
    ":defaults",
    ...(net.address ? [`set ${dev}/ip ${net.address}`] : []),
    ...(netmask ? [`set ${dev}/netmask ${netmask}`] : []),
    ...(net.gateway ? [`set ${dev}/gateway ${net.gateway}`] : []),
    ...(net.dns[0] ? [`set ${dev}/dns ${net.dns[0]}`] : []),
    next,
    ...(net.mode === "static" && net.address ? [":static", "set bs_via static", "goto open"] : []),
  ];
}

/** Known machines get their address by MAC, with no typing at all. */
function fixedLookup(net: NetworkConfig, dev: string): string[] {
  if (net.fixed.length === 0) return [];
  const fallback = net.mode === "static" && net.address ? "goto static" : "goto ask";
  return [
    ":fixed",
    ...net.fixed.map((f, i) => `iseq \${${dev}/mac} ${f.mac} && goto fixed_${i} ||`),
    `echo This machine's MAC \${${dev}/mac} has no fixed address at this site.`,
    fallback,
    ...net.fixed.flatMap((f, i) => [
      `:fixed_${i}`,
      `set ${dev}/ip ${f.ip}`,
      "set bs_via fixed",
      `echo Fixed address for ${f.hostname}: ${f.ip}`,
      "goto open",
    ]),
  ];
}

/** Asks for each setting; `read` pre-fills the current value and refuses a malformed one. */
function ask(name: string, dev: string): string[] {
  const fields: Array<[string, string, string, boolean]> = [
    ["ip", "IP address", "an IPv4 address such as 10.1.0.20", true],
    ["netmask", "Netmask", "a netmask such as 255.255.255.0", true],
    ["gateway", "Gateway", "an IPv4 address, or empty for none", false],
    ["dns", "DNS server", "an IPv4 address, or empty for none", false],
  ];
  const lines = [":ask", `echo Network settings for site ${name} on ${dev} (Enter keeps the value shown):`];
  for (const [setting, label, , required] of fields) {
    lines.push(
      `:ask_${setting}`,
      `echo -n ${label}:\${sp:string}`,
      `read ${dev}/${setting} || goto ask_${setting}_bad`,
      ...(required ? [`isset \${${dev}/${setting}} || goto ask_${setting}_bad`] : []),
    );
  }
  lines.push("set bs_via static", "goto open");
  for (const [setting, label, expected] of fields) {
    lines.push(`:ask_${setting}_bad`, `echo ${label} must be ${expected}. Try again.`, `goto ask_${setting}`);
  }
  return lines;
}

function openAndDhcp(dev: string): string[] {
  return [
    ":open",
    `ifopen ${dev} || goto open_failed`,
    "goto chain",
    ":open_failed",
    `echo Could not open ${dev} (is the cable in?).`,
    "goto recovery",
    ":dhcp",
    `echo Asking DHCP on ${dev}...`,
    `ifconf --configurator dhcp ${dev} && set bs_via dhcp && goto chain ||`,
    `echo DHCP found no server on ${dev}.`,
    "goto recovery",
  ];
}

/** Fetches stage-2 with retries and doubling delays; identifies this image in the query string. */
function chain(plan: Stage1Plan, base: string, dev: string): string[] {
  const url = `${base}/${plan.target}?site=${plan.name}&s1=${plan.identity}&mac=\${${dev}/mac:hexhyp}&via=\${bs_via}`;
  return [
    ":chain",
    // `inc` creates a missing setting as an integer; a `set` value would be a string it cannot add to.
    "clear bs_try ||",
    "clear bs_delay ||",
    `inc bs_delay ${FIRST_RETRY_DELAY_S}`,
    ":chain_try",
    "inc bs_try",
    `echo Fetching ${base}/${plan.target} (attempt \${bs_try} of ${CHAIN_ATTEMPTS}) as \${${dev}/ip}...`,
    // Not --replace: if stage-2 ends (a broken script, or it asks to leave), this script goes on.
    `chain --timeout ${SCRIPT_FETCH_TIMEOUT_MS} --autofree ${url} || goto chain_failed`,
    ":chain_failed",
    "iseq ${bs_leave} firmware && exit 1 ||",
    `iseq \${bs_try} ${CHAIN_ATTEMPTS} && goto recovery ||`,
    "echo Origin not reachable, retrying in ${bs_delay} s.",
    // Ctrl-C makes sleep fail; unhandled, that would end stage-1 and leave iPXE (ipxe-review #6).
    "sleep ${bs_delay} ||",
    "inc bs_delay ${bs_delay}",
    "goto chain_try",
  ];
}

/** What an operator at a remote site can do when the origin stays unreachable. */
function recovery(plan: Stage1Plan, base: string, dev: string): string[] {
  return [
    ":recovery",
    `menu boot-stack: cannot reach the origin for site ${plan.name}`,
    `item --gap Origin: ${base}`,
    // Two short lines: the menu is 80 columns wide.
    `item --gap This machine: \${${dev}/ip} mask \${${dev}/netmask} (\${bs_via})`,
    `item --gap Gateway \${${dev}/gateway}, DNS \${${dev}/dns}`,
    "item retry Retry",
    "item renet Re-enter network settings",
    "item dhcp Try DHCP",
    "item shell iPXE shell",
    "item reboot Reboot",
    `choose --default retry --timeout ${RECOVERY_MENU_TIMEOUT_MS} bs_choice || goto recovery`,
    "goto recovery_${bs_choice}",
    ":recovery_retry",
    "goto chain",
    ":recovery_renet",
    `ifclose ${dev} ||`,
    "goto ask",
    ":recovery_dhcp",
    `ifclose ${dev} ||`,
    // Static values would shadow what DHCP hands out.
    ...["ip", "netmask", "gateway", "dns"].map((s) => `clear ${dev}/${s} ||`),
    `ifconf --configurator dhcp ${dev} && set bs_via dhcp && goto chain ||`,
    `echo DHCP found no server on ${dev}.`,
    "prompt --timeout 5000 Press any key for the menu ||",
    "goto recovery",
    ":recovery_shell",
    "echo Type exit to return to the menu.",
    "shell ||",
    "goto recovery",
    ":recovery_reboot",
    "reboot",
    ":no_vlan",
    "echo Could not create the VLAN device: this iPXE build has no VLAN support.",
    "goto recovery_shell",
  ];
}
