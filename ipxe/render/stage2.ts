// Stage-2: the per-site menu served by the origin. It knows the site's machines and boot
// entries, and hands the network that iPXE used on to what it boots (per entry, in the form
// that OS family reads: kernel-network.ts), so the booted OS keeps the same static network.
import { ArtifactConfig, SiteConfig } from "../../config/schema";
import { renderEntry } from "./entries";
import { renderKernelNetworks } from "./kernel-network";
import { deviceName } from "./network";
import { OriginRef } from "./origin-ref";
import { nextOrigin, servingOrigin } from "./origins";
import { assertScriptSafe, header, joinScript } from "./script";
import { FAILED_PAUSE_MS, MENU_IDLE_MS } from "./timing";
import { refusedSection } from "./verify";

/** `signed`: every kernel and initrd has a signature beside it (ipxe.codeSigning); verify them. */
export function renderStage2(
  site: SiteConfig,
  artifacts: Record<string, ArtifactConfig>,
  origin: OriginRef,
  signed = false,
): string {
  const base = assertScriptSafe(origin.baseUrl, "origin base URL");
  return joinScript([
    header(`boot-stack stage-2 for site ${site.name}.`, [
      "Served by the origin and chained by the site's stage-1; changing it needs no new image.",
    ]),
    [
      `set bs_site ${site.name}`,
      // Stage-1 names the device it configured; a stage-2 chained by hand assumes the site's.
      `isset \${bs_if} || set bs_if ${deviceName(site.network)}`,
      ...servingOrigin(base),
    ],
    machineFacts(site),
    renderKernelNetworks(site),
    menu(site),
    site.menu.entries.flatMap((e) => renderEntry(e, { site, artifacts, signed })),
    nextOrigin(),
    signed ? refusedSection("failed") : [],
    [
      ":failed",
      "set bs_ferr ${errno:hexraw}",
      ":failed_with",
      "echo Boot failed: error ${bs_ferr} (https://ipxe.org/err/${bs_ferr})",
      `prompt --timeout ${FAILED_PAUSE_MS} Press any key for the menu, or wait ${FAILED_PAUSE_MS / 1000} s... ||`,
      "goto menu",
    ],
  ]);
}

/**
 * The network iPXE is using, read back from the interface stage-1 configured: that is what
 * the booted OS must get. Nothing here overrides it (ipxe-review #12). The hostname comes from
 * the config only: this site's fixed table by MAC, else <site>-<mac>. DHCP's hostname is free
 * text from the network and never reaches a command line (ipxe-review #8).
 */
function machineFacts(site: SiteConfig): string[] {
  return [
    "set bs_mac ${${bs_if}/mac}",
    "set bs_ip ${${bs_if}/ip}",
    "set bs_netmask ${${bs_if}/netmask}",
    "set bs_gateway ${${bs_if}/gateway}",
    "set bs_dns ${${bs_if}/dns}",
    // Chained by hand (no stage-1): judge by where the address came from.
    "isset ${bs_via} && goto facts_host ||",
    "set bs_via static",
    "isset ${${bs_if}.dhcp/ip} && set bs_via dhcp ||",
    ":facts_host",
    `set bs_hostname ${site.name}-\${\${bs_if}/mac:hexraw}`,
    ...site.network.fixed.map((f) => `iseq \${bs_mac} ${f.mac} && set bs_hostname ${f.hostname} ||`),
  ];
}

function menu(site: SiteConfig): string[] {
  const m = site.menu;
  const title = m.title ?? `${site.name} boot menu`;
  // A zero timeout boots the default at once. The jump comes before :menu, so every way back
  // (a failed entry, Esc) shows the menu instead of re-running the default (ipxe-review #4);
  // that menu then waits MENU_IDLE_MS before it retries the default by itself.
  const timeoutMs = m.timeoutSeconds ? m.timeoutSeconds * 1000 : MENU_IDLE_MS;
  return [
    ...(m.timeoutSeconds === 0 ? [`goto entry_${m.default}`] : []),
    ":menu",
    // `--` ends the options: config text may start with "-" (ipxe-review #3).
    `menu -- ${title}`,
    `item --gap -- ${site.description ? `${site.description}: ` : ""}\${bs_ip} (\${bs_via}) as \${bs_hostname}`,
    ...m.entries.map((e) => `item ${e.id} ${e.label}`),
    `choose --default ${m.default} --timeout ${timeoutMs} --retimeout ${MENU_IDLE_MS} bs_choice || goto menu`,
    "goto entry_${bs_choice}",
  ];
}
