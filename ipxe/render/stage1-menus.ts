// Stage-1's two menus. The recovery menu: what failed and why, the clock, and the ways forward;
// untouched it retries by itself, also after a keypress (--retimeout). The manual network menu
// (the failsafe key, or from recovery): pick the port, the VLAN, DHCP or a typed address.
// A menu that times out picks the highlighted item, not the default, so every item must lead
// back by itself when nobody is there: prompts time out, the shell needs a keypress first.
import { NetworkConfig } from "../../config/schema";
import { guardedShell } from "./script";
import { PROMPT_IDLE_MS, RECOVERY_RETRY_MS } from "./timing";

export function recovery(name: string, origins: string[]): string[] {
  const wait = `--timeout ${RECOVERY_RETRY_MS} --retimeout ${RECOVERY_RETRY_MS}`;
  return [
    ":recovery",
    // bs_problem: "cannot reach its origin", or a refused signature (verify.ts).
    `menu -- boot-stack: site ${name} \${bs_problem}`,
    "item --gap -- Failed: ${bs_failed}, error ${bs_error} (https://ipxe.org/err/${bs_error})",
    // Every origin stage-1 tried, in its order (origins.ts).
    ...origins.map((o, i) => `item --gap -- Origin${origins.length > 1 ? ` ${i + 1}` : ""}: ${o}`),
    // Short lines: the menu is 80 columns wide.
    "item --gap -- This machine: ${${bs_if}/ip} mask ${${bs_if}/netmask} (${bs_via}) on ${bs_if}",
    "item --gap -- Gateway ${${bs_if}/gateway}, DNS ${${bs_if}/dns}",
    // TLS checks certificate dates against this clock, and Debian 13's iPXE has no ntp.
    "item --gap -- Clock: ${unixtime:int32} (unix time, UTC). HTTPS fails if it is 12 h off:",
    "item --gap -- set it in the firmware setup (Debian's iPXE has no ntp; compiled ones do).",
    `item retry Retry now (by itself after ${RECOVERY_RETRY_MS / 1000} s)`,
    "item renet Re-enter network settings",
    "item dhcp Try DHCP",
    "item manual Manual network (port, VLAN)",
    "item shell iPXE shell",
    "item reboot Reboot",
    `choose --default retry ${wait} bs_choice || goto recovery`,
    "goto recovery_${bs_choice}",
    ":recovery_retry",
    "goto begin",
    ":recovery_renet",
    "set bs_manual static",
    "set bs_reenter 1",
    "clear bs_answered ||",
    "goto begin",
    ":recovery_dhcp",
    "set bs_manual dhcp",
    "goto begin",
    ":recovery_manual",
    "goto manual",
    ":recovery_shell",
    ...guardedShell("recovery", "begin"),
    ":recovery_reboot",
    "reboot ||",
    "goto recovery",
  ];
}

export function manual(name: string, net: NetworkConfig): string[] {
  const port = net.interface === "auto" ? "net0" : net.interface;
  return [
    // First visit: start from the site's port and VLAN (or what automatic found).
    ":manual",
    "isset ${bs_manual} && goto manual_menu ||",
    `isset \${bs_trunk} || set bs_trunk ${port}`,
    ...(net.vlan ? [`isset \${bs_vlan} || set bs_vlan:int32 ${net.vlan}`] : []),
    ":manual_menu",
    `menu -- boot-stack: manual network for site ${name}`,
    "item --gap -- Port ${bs_trunk}, VLAN ${bs_vlan} (empty: none)",
    "item mport Choose the port",
    "item mvlan Set the VLAN tag",
    "item mdhcp Use DHCP on it",
    "item mstatic Type the address",
    "item mauto Back to the site's own way",
    "item shell iPXE shell",
    "item reboot Reboot",
    // Unattended (a stray key at the failsafe prompt): back to automatic after a while.
    `choose --default mauto --timeout ${RECOVERY_RETRY_MS} --retimeout ${RECOVERY_RETRY_MS} bs_choice || goto manual_menu`,
    "goto manual_${bs_choice}",
    ":manual_mport",
    "ifstat ||",
    "echo -n Port (net0, net1, ...):${sp:string}",
    // Nobody typing (the menu's timeout picks the highlighted item): back to the site's own way.
    `read --timeout ${PROMPT_IDLE_MS} bs_trunk || goto manual_mauto`,
    "isset ${${bs_trunk}/mac} && goto manual_menu ||",
    "echo There is no port ${bs_trunk}.",
    "goto manual_mport",
    ":manual_mvlan",
    "set bs_typed ${bs_vlan}",
    "echo -n VLAN tag 1-4094 (empty: none):${sp:string}",
    `read --timeout ${PROMPT_IDLE_MS} bs_typed || goto manual_mauto`,
    "clear bs_vlan ||",
    "isset ${bs_typed} || goto manual_menu",
    // An int32 setting takes only a number: nothing else reaches a command line from here.
    "set bs_vlan:int32 ${bs_typed} && goto manual_menu ||",
    "echo The VLAN tag must be a number.",
    "goto manual_mvlan",
    ":manual_mdhcp",
    "set bs_manual dhcp",
    "goto begin",
    ":manual_mstatic",
    "set bs_manual static",
    "set bs_reenter 1",
    "clear bs_answered ||",
    "goto begin",
    ":manual_mauto",
    "clear bs_manual ||",
    "clear bs_trunk ||",
    "goto begin",
    ":manual_shell",
    ...guardedShell("manual_menu", "manual_mauto"),
    ":manual_reboot",
    "reboot ||",
    "goto manual_menu",
  ];
}
