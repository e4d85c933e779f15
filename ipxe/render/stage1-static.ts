// Stage-1's static path: the site's values pre-filled, the machine's fixed address by MAC, the
// site's own address, or the operator's answers; then the interface is opened. Every setting is
// written on ${bs_if}, the device stage-1 chose (a port, or the VLAN device on it).
import { NETWORK_MODE } from "../../config/network-modes";
import { NetworkConfig } from "../../config/schema";
import { netmaskOf } from "./network";
import { PROMPT_IDLE_MS } from "./timing";

const FIELDS = ["ip", "netmask", "gateway", "dns"] as const;
type Field = (typeof FIELDS)[number];

/**
 * Pre-fills the site's values where nothing is set, then picks the way to an address. An
 * operator's answers for this device stand on every retry (bs_answered); a DHCP lease's values
 * are cleared first, or an emptied gateway or DNS would come back from it (ipxe-review #13).
 */
export function defaults(net: NetworkConfig): string[] {
  const values: Record<Field, string | undefined> = {
    ip: net.address,
    netmask: netmaskOf(net),
    gateway: net.gateway,
    dns: net.dns[0],
  };
  const uses = NETWORK_MODE[net.mode].address === "use" && net.address;
  return [
    ":defaults",
    "iseq ${bs_answered} ${bs_if} && goto open ||",
    ...FIELDS.map((f) => `clear \${bs_if}.dhcp/${f} ||`),
    ...FIELDS.flatMap((f) =>
      values[f] ? [`isset \${\${bs_if}/${f}} || set \${bs_if}/${f} ${values[f]}`] : [],
    ),
    "isset ${bs_reenter} && goto ask ||",
    net.fixed.length ? "goto fixed" : uses ? "goto static" : "goto ask",
    ...(uses ? [":static", `set \${bs_if}/ip ${net.address}`, "set bs_via static", "goto open"] : []),
  ];
}

/** Known machines get their address by MAC, with no typing at all. */
export function fixedLookup(net: NetworkConfig): string[] {
  if (net.fixed.length === 0) return [];
  const uses = NETWORK_MODE[net.mode].address === "use" && net.address;
  return [
    ":fixed",
    ...net.fixed.map((f, i) => `iseq \${\${bs_if}/mac} ${f.mac} && goto fixed_${i} ||`),
    "echo This machine's MAC ${${bs_if}/mac} has no fixed address at this site.",
    uses ? "goto static" : "goto ask",
    ...net.fixed.flatMap((f, i) => [
      `:fixed_${i}`,
      `set \${bs_if}/ip ${f.ip}`,
      "set bs_via fixed",
      `echo Fixed address for ${f.hostname}: ${f.ip}`,
      "goto open",
    ]),
  ];
}

const ASKED: Record<Field, { label: string; expected: string; required: boolean }> = {
  ip: { label: "IP address", expected: "an IPv4 address such as 10.1.0.20", required: true },
  netmask: { label: "Netmask", expected: "a netmask such as 255.255.255.0", required: true },
  gateway: { label: "Gateway", expected: "an IPv4 address, or empty for none", required: false },
  dns: { label: "DNS server", expected: "an IPv4 address, or empty for none", required: false },
};

/**
 * Asks for each setting. The answer is read as text (bs_typed) and then stored into the typed
 * setting, so a malformed value ("Could not store") and Ctrl-C or a timeout (read fails) take
 * different ways: the first asks again, the second offers the manual network menu. Nobody may
 * be there (a menu that timed out picked "Re-enter", or a DHCP-first site fell back to asking):
 * an unanswered prompt starts over the site's own way (ipxe-review #5).
 */
export function ask(name: string, net: NetworkConfig): string[] {
  const read = `read --timeout ${PROMPT_IDLE_MS} bs_typed`;
  const lines = [
    ":ask",
    `echo Network settings for site ${name} on \${bs_if} (Enter keeps the value shown):`,
  ];
  for (const f of FIELDS) {
    const { label, required } = ASKED[f];
    lines.push(
      `:ask_${f}`,
      `set bs_typed \${\${bs_if}/${f}}`,
      `echo -n ${label}:\${sp:string}`,
      `${read} || goto ask_cancelled`,
      `set \${bs_if}/${f} \${bs_typed} || goto ask_${f}_bad`,
      ...(required ? [`isset \${\${bs_if}/${f}} || goto ask_${f}_bad`] : []),
    );
  }
  lines.push(
    "set bs_via static",
    "set bs_answered ${bs_if}",
    "clear bs_reenter ||",
    "goto open",
    ":ask_cancelled",
    "prompt --timeout 10000 Press any key for the manual network menu, or wait to start over... && goto manual ||",
    // Nobody there: the site's own way again (DHCP first where the site has it; an answer
    // given earlier for this port stands).
    "clear bs_manual ||",
    "clear bs_reenter ||",
    "goto begin",
  );
  for (const f of FIELDS) {
    const { label, expected } = ASKED[f];
    lines.push(`:ask_${f}_bad`, `echo ${label} must be ${expected}. Try again.`, `goto ask_${f}`);
  }
  return lines;
}

export function open(): string[] {
  return [":open", "ifopen ${bs_if} || goto no_link", "goto chain"];
}
