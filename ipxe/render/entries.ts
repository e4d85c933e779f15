// One renderer per menu-entry type, in a table keyed by type: a new entry schema in
// config/schema.ts does not compile until it has a renderer here.
import { parsePlaceholders, Placeholder } from "../../config/placeholders";
import { ArtifactConfig, LinuxMenuEntry, MenuEntry, MenuEntryType, SiteConfig } from "../../config/schema";
import { keys } from "../../origin/keys";
import { formSetting } from "./kernel-network";
import { fetchWithFailover, fromOrigin } from "./origins";
import { assertScriptSafe, guardedShell } from "./script";
import { FETCH_TIMEOUT_MS } from "./timing";
import { verifyFetched } from "./verify";

export interface EntryContext {
  site: SiteConfig;
  artifacts: Record<string, ArtifactConfig>;
  /** Verify every kernel and initrd against its signature before `boot` (verify.ts). */
  signed?: boolean;
}

type EntryRenderer<T extends MenuEntryType> = (
  e: Extract<MenuEntry, { type: T }>,
  ctx: EntryContext,
) => string[];

const ENTRY_RENDERERS: { [T in MenuEntryType]: EntryRenderer<T> } = {
  linux: linuxEntry,
  "local-disk": (e) => [
    `:entry_${e.id}`,
    "echo Booting from the local disk...",
    // UEFI: leave iPXE with an error, so the firmware boots the next BootOrder entry. Stage-1
    // chained this script, so it is stage-1 that must leave: bs_leave tells it to.
    "iseq ${platform} efi && set bs_leave firmware && exit 1 ||",
    // BIOS: the first hard disk is 0x80, unless the BIOS booted this image as a disk (a USB
    // stick), which it then made 0x80 itself; the image's boot path says which (bs_medium).
    `iseq \${bs_medium} disk && goto entry_${e.id}_0x81 ||`,
    "sanboot --no-describe --drive 0x80 || goto failed",
    `:entry_${e.id}_0x81`,
    "sanboot --no-describe --drive 0x81 || goto failed",
  ],
  shell: (e) => [`:entry_${e.id}`, ...guardedShell("menu", "menu")],
  reboot: (e) => [`:entry_${e.id}`, "reboot ||", "goto failed"],
};

export function renderEntry(e: MenuEntry, ctx: EntryContext): string[] {
  return (ENTRY_RENDERERS[e.type] as EntryRenderer<MenuEntryType>)(e as never, ctx);
}

function linuxEntry(e: LinuxMenuEntry, ctx: EntryContext): string[] {
  const url = (name: string) => fromOrigin(keys.artifact(name, ctx.artifacts[name].sha256));
  const network = formSetting(ctx.site, { form: e.kernelNetwork, kernelInterface: e.kernelInterface });
  const args = [
    // UEFI kernels find their initrds by name (the EFI stub's initrd=).
    ...e.initrds.map((name) => `initrd=${name}`),
    ...(network ? [`\${${network}}`] : []),
    ...e.args.map((arg) => expandArg(arg, ctx.site)),
  ];
  const fetch = `--timeout ${FETCH_TIMEOUT_MS}`;
  const next = `|| goto next_origin_${e.id}`;
  // Signed: named explicitly, since imgverify finds the image by name. A refused object goes to
  // the refused section (the menu), not to the next origin: the download itself succeeded.
  const kernelName = ctx.signed ? ` -n ${e.kernel}` : "";
  const verify = (name: string, what: string) =>
    ctx.signed ? verifyFetched(name, url(name), `${what} ${name}`, FETCH_TIMEOUT_MS) : [];
  return [
    `:entry_${e.id}`,
    `echo Booting ${e.label}...`,
    ...fetchWithFailover(
      e.id,
      [
        `kernel ${fetch}${kernelName} ${url(e.kernel)} ${args.join(" ")}`.trimEnd() + ` ${next}`,
        ...verify(e.kernel, "kernel"),
        ...e.initrds.flatMap((name) => [
          `initrd ${fetch} -n ${name} ${url(name)} ${next}`,
          ...verify(name, "initrd"),
        ]),
      ],
      ["boot || goto failed"],
    ),
  ];
}

/** iPXE settings that stage-2 fills for the kernel's command line. */
const PLACEHOLDER_SETTING: Record<Exclude<Placeholder, "site" | "domain">, string> = {
  ip: "${bs_ip}",
  netmask: "${bs_netmask}",
  gateway: "${bs_gateway}",
  dns: "${bs_dns}",
  hostname: "${bs_hostname}",
  mac: "${bs_mac}",
};

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
