// Stage-2: the per-site menu served by the origin. It knows the site's machines and boot
// entries, and hands the network that iPXE used on to the kernel, so the booted OS keeps its
// static address instead of falling back to DHCP.
import { Placeholder, parsePlaceholders } from "../../config/placeholders";
import { ArtifactConfig, LinuxMenuEntry, MenuEntry, SiteConfig } from "../../config/schema";
import { deviceName } from "./network";
import { keys } from "../../origin/keys";
import { OriginRef } from "./origin-ref";
import { assertScriptSafe, header, joinScript } from "./script";

/** iPXE settings that stage-2 fills for the kernel's command line. */
const PLACEHOLDER_SETTING: Record<Exclude<Placeholder, "site" | "domain">, string> = {
  ip: "${bs_ip}",
  netmask: "${bs_netmask}",
  gateway: "${bs_gateway}",
  dns: "${bs_dns}",
  hostname: "${bs_hostname}",
  mac: "${bs_mac}",
};

const FAILED_PAUSE_MS = 10_000;

export function renderStage2(
  site: SiteConfig,
  artifacts: Record<string, ArtifactConfig>,
  origin: OriginRef,
): string {
  const base = assertScriptSafe(origin.baseUrl, "origin base URL");
  const dev = deviceName(site.network);
  return joinScript([
    header(`boot-stack stage-2 for site ${site.name}.`, [
      "Served by the origin and chained by the site's stage-1; changing it needs no new image.",
    ]),
    [
      `set bs_site ${site.name}`,
      `set bs_base ${base}`,
      // Stage-1 names the device it configured; a hand-chained stage-2 assumes the site's.
      `isset \${bs_if} || set bs_if ${dev}`,
    ],
    machineFacts(site),
    menu(site),
    site.menu.entries.flatMap((e) => entry(e, site, artifacts, base)),
    [
      ":failed",
      "echo Boot failed (see the message above).",
      `prompt --timeout ${FAILED_PAUSE_MS} Press any key for the menu, or wait ${FAILED_PAUSE_MS / 1000} s... ||`,
      "goto menu",
    ],
  ]);
}

/** Fills bs_ip/bs_netmask/... from iPXE's interface, or from the site's fixed table by MAC. */
function machineFacts(site: SiteConfig): string[] {
  const fixed = site.network.fixed;
  return [
    ":facts",
    "set bs_mac ${${bs_if}/mac}",
    "set bs_ip ${${bs_if}/ip}",
    "set bs_netmask ${${bs_if}/netmask}",
    "set bs_gateway ${${bs_if}/gateway}",
    "set bs_dns ${dns}",
    // Fixed addresses are re-applied here, so a machine added to the config after its image
    // was built still gets its address and name.
    ...fixed.map((f, i) => `iseq \${bs_mac} ${f.mac} && goto fixed_${i} ||`),
    "goto facts_via",
    ...fixed.flatMap((f, i) => [
      `:fixed_${i}`,
      `set bs_ip ${f.ip}`,
      `set bs_hostname ${f.hostname}`,
      "set bs_via fixed",
      "goto facts_via",
    ]),
    ":facts_via",
    "isset ${bs_via} && goto facts_host ||",
    "set bs_via static",
    "isset ${${bs_if}.dhcp/ip} && set bs_via dhcp ||",
    ":facts_host",
    "isset ${bs_hostname} || set bs_hostname ${hostname}",
    `isset \${bs_hostname} || set bs_hostname ${site.name}-\${\${bs_if}/mac:hexraw}`,
    // Linux's ip= form: ip=<client>::<gateway>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>
    // (https://docs.kernel.org/admin-guide/nfs/nfsroot.html); DHCP-configured machines keep DHCP.
    "iseq ${bs_via} dhcp && set bs_kip dhcp || set bs_kip ${bs_ip}::${bs_gateway}:${bs_netmask}:${bs_hostname}::off:${bs_dns}",
  ];
}

function menu(site: SiteConfig): string[] {
  const m = site.menu;
  const title = m.title ?? `${site.name} boot menu`;
  const lines = [":menu"];
  // A zero timeout means "boot the default at once" (iPXE's own 0 would mean "wait forever").
  if (m.timeoutSeconds === 0) lines.push(`goto entry_${m.default}`);
  lines.push(
    `menu ${title}`,
    `item --gap ${site.description ? `${site.description}: ` : ""}\${bs_ip} (\${bs_via}) as \${bs_hostname}`,
    ...m.entries.map((e) => `item ${e.id} ${e.label}`),
    `choose --default ${m.default}${m.timeoutSeconds ? ` --timeout ${m.timeoutSeconds * 1000}` : ""} bs_choice || goto menu`,
    "goto entry_${bs_choice}",
  );
  return lines;
}

function entry(
  e: MenuEntry,
  site: SiteConfig,
  artifacts: Record<string, ArtifactConfig>,
  base: string,
): string[] {
  const label = `:entry_${e.id}`;
  switch (e.type) {
    case "linux":
      return linuxEntry(e, site, artifacts, base);
    case "local-disk":
      // UEFI: leave iPXE so the firmware boots the next device; BIOS: boot the first disk.
      return [
        label,
        "echo Booting from the local disk...",
        "iseq ${platform} efi && exit 1 ||",
        "sanboot --no-describe --drive 0x80 || goto failed",
      ];
    case "shell":
      return [label, "echo Type exit to return to the menu.", "shell", "goto menu"];
    case "reboot":
      return [label, "reboot"];
  }
}

function linuxEntry(
  e: LinuxMenuEntry,
  site: SiteConfig,
  artifacts: Record<string, ArtifactConfig>,
  base: string,
): string[] {
  const url = (name: string) => `${base}/${keys.artifact(name, artifacts[name].sha256)}`;
  const args = [
    // UEFI kernels find their initrds by name (the EFI stub's initrd=).
    ...e.initrds.map((name) => `initrd=${name}`),
    ...(e.kernelNetwork === "linux-ip" ? ["ip=${bs_kip}", "BOOTIF=01-${${bs_if}/mac:hexhyp}"] : []),
    ...e.args.map((arg) => expandArg(arg, site)),
  ];
  return [
    `:entry_${e.id}`,
    `echo Booting ${e.label}...`,
    `kernel ${url(e.kernel)} ${args.join(" ")}`.trimEnd() + " || goto failed",
    ...e.initrds.map((name) => `initrd -n ${name} ${url(name)} || goto failed`),
    "boot || goto failed",
  ];
}

/** `{ip}` → `${bs_ip}`; site facts known now are written as text. */
export function expandArg(arg: string, site: SiteConfig): string {
  const parsed = parsePlaceholders(arg);
  if ("error" in parsed) throw new Error(`kernel argument ${JSON.stringify(arg)} ${parsed.error}`);
  return parsed.parts
    .map((p) => {
      if ("text" in p) return assertScriptSafe(p.text, "kernel argument");
      if (p.placeholder === "site") return site.name;
      if (p.placeholder === "domain") return site.network.domain ?? "";
      return PLACEHOLDER_SETTING[p.placeholder];
    })
    .join("");
}
