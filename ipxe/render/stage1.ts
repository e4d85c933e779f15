// Stage-1: the small script embedded in a site's boot image. It offers a failsafe key, finds the
// port with a link (or uses the configured one), brings the network up the way the site's mode
// says (network-modes.ts: ask the operator, fixed values, DHCP), then chains the site's stage-2
// from the origin. Any failure (link, VLAN, DHCP, origin) is retried with back-off, each attempt
// redoing the whole bring-up, and ends in a recovery menu that retries by itself. Everything
// that changes over time lives in stage-2, so an image never goes stale.
import { NETWORK_MODE } from "../../config/network-modes";
import { NetworkConfig, SiteConfig } from "../../config/schema";
import { keys } from "../../origin/keys";
import { OriginRef } from "./origin-ref";
import { chainFromOrigins, originSettings, originsOf } from "./origins";
import { assertScriptSafe, header, joinScript } from "./script";
import { manual, recovery } from "./stage1-menus";
import { ask, defaults, fixedLookup, open } from "./stage1-static";
import {
  CHAIN_ATTEMPTS,
  FAILSAFE_KEY,
  FAILSAFE_KEY_MS,
  FIRST_RETRY_DELAY_S,
  LINK_WAIT_MS,
  NIC_LINK_WAIT_MS,
} from "./timing";
import { requireSignedImages } from "./verify";

/** Bumped when stage-1's behaviour changes; sent to the origin so logs tell old images apart. */
export const STAGE1_VERSION = "3";

export interface Stage1Plan {
  /** Name shown to the operator and sent to the origin (`generic` for the site-less image). */
  name: string;
  network: NetworkConfig;
  /** Key on the origin of the script to chain, e.g. `sites/ams1/stage2.ipxe`. */
  target: string;
  identity: string;
  /** The site's mirror, tried after the origin and its fallbacks. */
  mirror?: string;
}

/** `signed`: the origin serves a signature beside every object (ipxe.codeSigning); verify them. */
export function renderStage1(site: SiteConfig, origin: OriginRef, signed = false): string {
  return renderStage1Plan(
    {
      name: site.name,
      network: site.network,
      target: keys.stage2(site.name),
      identity: STAGE1_VERSION,
      ...(site.mirror ? { mirror: site.mirror } : {}),
    },
    origin,
    `boot-stack stage-1 for site ${site.name} (network mode: ${site.network.mode}).`,
    signed,
  );
}

export function renderStage1Plan(plan: Stage1Plan, origin: OriginRef, title: string, signed = false): string {
  const base = assertScriptSafe(origin.baseUrl, "origin base URL");
  const origins = originsOf(origin, plan.mirror);
  const net = plan.network;
  return joinScript([
    header(title, [
      "Embedded in the boot image: brings the network up, then chains stage-2 from the origin.",
      "What changes over time lives in stage-2, so this image does not go stale.",
    ]),
    [
      `set bs_site ${plan.name}`,
      `set bs_stage1 ${plan.identity}`,
      // Read by the image builder, which refuses an iPXE without HTTPS for an https:// origin.
      `set bs_base ${base}`,
      ...originSettings(origins),
      "set sp:hex 20",
      `echo boot-stack stage-1 v${plan.identity}: site ${plan.name}, origin ${base}`,
    ],
    medium(),
    signed ? requireSignedImages() : [],
    [
      ":failsafe",
      `prompt --key ${FAILSAFE_KEY} --timeout ${FAILSAFE_KEY_MS} Press ${FAILSAFE_KEY} within ${FAILSAFE_KEY_MS / 1000} s for the manual network menu... && goto manual ||`,
    ],
    attempts(),
    siteInterface(net),
    link(),
    configure(net),
    defaults(net),
    fixedLookup(net),
    ask(plan.name, net),
    open(),
    chainFromOrigins(
      plan.target,
      `site=${plan.name}&s1=${plan.identity}&mac=\${\${bs_if}/mac:hexhyp}&via=\${bs_via}`,
      signed,
    ),
    failures(),
    recovery(plan.name, origins),
    manual(plan.name, net),
  ]);
}

/**
 * BIOS, compiled images: the embedded stage-1 runs first, so it runs the boot path's medium
 * script itself (ipxe/render/medium.ts). With Debian's binaries that script comes first in the
 * same initrd and has already run.
 */
function medium(): string[] {
  return [
    "iseq ${platform} efi && goto medium_known ||",
    "isset ${bs_medium} && goto medium_known ||",
    "set bs_medium unknown",
    "imgexec <INITRD> ||",
    ":medium_known",
  ];
}

/** An attempt is everything from the link to the fetch; `begin` starts a fresh count. */
function attempts(): string[] {
  return [
    ":begin",
    // `inc` creates a missing setting as an integer; a `set` value would be a string it cannot add to.
    "clear bs_try ||",
    "clear bs_delay ||",
    `inc bs_delay ${FIRST_RETRY_DELAY_S}`,
    ":start",
    "inc bs_try",
    // The manual network menu's choices (port, VLAN) stand until "back to the site's own way".
    "isset ${bs_manual} && goto link ||",
  ];
}

/**
 * The port and VLAN the site's config asks for: a named port, or a port with a link. Each
 * attempt starts looking at the port after the one the last attempt used, so a linked port that
 * does not reach the origin (another network) is not tried forever.
 */
function siteInterface(net: NetworkConfig): string[] {
  const vlan = net.vlan ? [`set bs_vlan:int32 ${net.vlan}`] : ["clear bs_vlan ||"];
  if (net.interface !== "auto") return [`set bs_trunk ${net.interface}`, ...vlan, "goto link"];
  return [
    ...vlan,
    "echo Looking for a network port with a link...",
    // All ports negotiate at once; each wait below then mostly finds a settled link.
    "ifopen ||",
    "isset ${bs_nic} || set bs_nic:int32 0",
    "set bs_nic_stop ${bs_nic}",
    "clear bs_nic_wrapped ||",
    ":nic",
    "isset ${net${bs_nic}/mac} || goto nic_wrap",
    `iflinkwait --timeout ${NIC_LINK_WAIT_MS} net\${bs_nic} && goto nic_found ||`,
    "inc bs_nic",
    "iseq ${bs_nic} ${bs_nic_stop} && goto nic_none ||",
    "goto nic",
    ":nic_wrap",
    "isset ${bs_nic_wrapped} && goto nic_none ||",
    "set bs_nic_wrapped 1",
    "set bs_nic:int32 0",
    "iseq ${bs_nic} ${bs_nic_stop} && goto nic_none ||",
    "goto nic",
    ":nic_found",
    "set bs_trunk net${bs_nic}",
    "inc bs_nic",
    "goto link",
    ":nic_none",
    "set bs_error ${errno:hexraw}",
    "set bs_failed link",
    "echo No network port has a link (is the cable in?).",
    "goto attempt_failed",
  ];
}

/** Waits for the port's link, then puts the VLAN device on it if there is a VLAN. */
function link(): string[] {
  return [
    ":link",
    "ifopen ${bs_trunk} || goto no_link",
    `iflinkwait --timeout ${LINK_WAIT_MS} \${bs_trunk} || goto no_link`,
    "set bs_if ${bs_trunk}",
    "isset ${bs_vlan} || goto configure",
    "set bs_if ${bs_trunk}-${bs_vlan}",
    "isset ${${bs_if}/mac} || vcreate --tag ${bs_vlan} ${bs_trunk} || goto no_vlan",
  ];
}

/** The site's way to an address (manual choices first), and DHCP. */
function configure(net: NetworkConfig): string[] {
  const mode = NETWORK_MODE[net.mode];
  return [
    ":configure",
    "iseq ${bs_manual} dhcp && goto dhcp ||",
    mode.dhcp === "never" ? "goto defaults" : "iseq ${bs_manual} static && goto defaults || goto dhcp",
    ":dhcp",
    `echo Asking DHCP on \${bs_if} for up to ${net.dhcpTimeoutSeconds} s...`,
    `ifconf --configurator dhcp --timeout ${net.dhcpTimeoutSeconds * 1000} \${bs_if} && set bs_via dhcp && goto chain ||`,
    "set bs_error ${errno:hexraw}",
    // A DHCP-first site falls back to its static path, unless DHCP was the operator's choice.
    ...(mode.dhcp === "first" ? ["isset ${bs_manual} || goto dhcp_fallback"] : []),
    ":dhcp_failed",
    "set bs_failed dhcp",
    "echo DHCP found no server on ${bs_if}.",
    "goto attempt_failed",
    ...(mode.dhcp === "first"
      ? [":dhcp_fallback", "echo No DHCP answer: asking for the network settings instead.", "goto defaults"]
      : []),
  ];
}

/** Every failure comes here: back-off and a new attempt, or the recovery menu. */
function failures(): string[] {
  return [
    ":no_link",
    "set bs_error ${errno:hexraw}",
    "set bs_failed link",
    "echo No link on ${bs_trunk} (is the cable in?).",
    "goto attempt_failed",
    ":no_vlan",
    "set bs_error ${errno:hexraw}",
    "set bs_failed vlan",
    "echo Could not create VLAN ${bs_vlan} on ${bs_trunk}: the port or this iPXE cannot do VLANs.",
    ":attempt_failed",
    "set bs_problem cannot reach its origin",
    `iseq \${bs_try} ${CHAIN_ATTEMPTS} && goto recovery ||`,
    `echo Retrying in \${bs_delay} s (attempt \${bs_try} of ${CHAIN_ATTEMPTS} failed: \${bs_failed}).`,
    // Ctrl-C makes sleep fail; unhandled, that would end stage-1 and leave iPXE (ipxe-review #6).
    "sleep ${bs_delay} ||",
    "inc bs_delay ${bs_delay}",
    "goto start",
  ];
}
