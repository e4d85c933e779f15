// The shape of a boot-stack's config: one zod schema per section, with messages that say what
// is expected. Cross-field rules live in rules.ts; this file only checks each value on its own.
import { z } from "zod";
import { isFqdn, isHostname, isIpv4, isMac, parseCidr } from "./formats";
import { KERNEL_NETWORK_FORMS } from "./kernel-network";
import { NETWORK_MODES } from "./network-modes";

/**
 * Text that ends up inside an iPXE script (labels, titles, descriptions). iPXE expands `${...}`
 * and splits on `||`/`&&` anywhere on a line, so those characters and all control characters
 * (a newline would start a new command) are refused rather than escaped.
 */
export const SAFE_TEXT = /^[A-Za-z0-9 .,:()\/+@!?=_\-\[\]<>*%']+$/;
const safeText = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(
      SAFE_TEXT,
      "may hold only letters, digits, spaces and . , : ( ) / + @ ! ? = _ - [ ] < > * % ' (no $ { } | & ; # quotes, backslashes or control characters)",
    )
    .refine((s) => s.trim() === s, "must not start or end with a space");

/** Identifiers used in script labels, URLs and object keys. */
export const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const name = z
  .string()
  .regex(NAME, "must be 1-32 lowercase letters, digits or inner hyphens (e.g. ams1, lab-2)");

export const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** One kernel argument after placeholders; `{name}` placeholders are checked in rules.ts. */
export const KERNEL_ARG = /^[A-Za-z0-9._,:=\/+@%~^\-{}]+$/;

const ipv4 = z.string().refine(isIpv4, "is not an IPv4 address (expected e.g. 10.1.0.1)");
const cidr = z
  .string()
  .refine(
    (s) => parseCidr(s) !== undefined,
    "is not a subnet in CIDR form with host bits clear and a prefix of /1 to /30 (expected e.g. 10.1.0.0/24)",
  );
const mac = z
  .string()
  .refine(
    isMac,
    "is not a MAC address (expected six lowercase hex pairs with colons, e.g. 52:54:00:12:34:56)",
  );
const hostname = z
  .string()
  .refine(isHostname, "is not a hostname (lowercase letters, digits, inner hyphens, dot-separated labels)");

export { NETWORK_MODES, KERNEL_NETWORK_FORMS };

const fixedAddress = z.strictObject({
  mac,
  ip: ipv4,
  hostname,
});

const network = z.strictObject({
  mode: z.enum(NETWORK_MODES, { error: `must be one of ${NETWORK_MODES.join(", ")}` }),
  /** The iPXE port the site's cable is on; auto: the first port with a link. */
  interface: z
    .string()
    .regex(/^(auto|net[0-9])$/, "must be auto (the first port with a link) or an iPXE port name net0 to net9")
    .default("auto"),
  subnet: cidr.optional(),
  gateway: ipv4.optional(),
  address: ipv4.optional(),
  dns: z.array(ipv4).max(3, "may list at most 3 servers").default([]),
  domain: hostname.optional(),
  vlan: z
    .number()
    .int("must be a whole number")
    .min(1, "must be 1 to 4094")
    .max(4094, "must be 1 to 4094")
    .optional(),
  dhcpTimeoutSeconds: z
    .number()
    .int("must be a whole number")
    .min(1, "must be 1 to 120")
    .max(120, "must be 1 to 120")
    .default(10),
  fixed: z.array(fixedAddress).default([]),
});

const linuxEntry = z.strictObject({
  type: z.literal("linux"),
  id: name,
  label: safeText(60),
  kernel: z.string(),
  initrds: z.array(z.string()).default([]),
  args: z
    .array(
      z
        .string()
        .max(255, "must be at most 255 characters")
        .regex(
          KERNEL_ARG,
          "is not a safe kernel argument (letters, digits and . _ , : = / + @ % ~ ^ - only, one argument per list item, placeholders as {ip})",
        ),
    )
    .default([]),
  kernelNetwork: z
    .enum(KERNEL_NETWORK_FORMS, { error: `must be one of ${KERNEL_NETWORK_FORMS.join(", ")}` })
    .default("linux-ip"),
  /** linux-ip: the Linux name of the boot NIC for ip='s device field (else BOOTIF= names it by MAC). */
  kernelInterface: z
    .string()
    .regex(
      /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,14}$/,
      "is not a Linux interface name (e.g. eth0, ens3; at most 15 characters)",
    )
    .optional(),
});
const localDiskEntry = z.strictObject({ type: z.literal("local-disk"), id: name, label: safeText(60) });
const shellEntry = z.strictObject({ type: z.literal("shell"), id: name, label: safeText(60) });
const rebootEntry = z.strictObject({ type: z.literal("reboot"), id: name, label: safeText(60) });

const MENU_ENTRY_SCHEMAS = [linuxEntry, localDiskEntry, shellEntry, rebootEntry] as const;
/** Derived from the union itself, so a new entry schema cannot be left out. */
export const MENU_ENTRY_TYPES = MENU_ENTRY_SCHEMAS.map((o) => o.shape.type.value);
const menuEntry = z.discriminatedUnion("type", MENU_ENTRY_SCHEMAS, {
  error: `needs a type, one of ${MENU_ENTRY_TYPES.join(", ")}`,
});

const menu = z.strictObject({
  title: safeText(60).optional(),
  default: name,
  timeoutSeconds: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0 to 3600")
    .max(3600, "must be 0 to 3600")
    .default(10),
  entries: z.array(menuEntry).min(1, "must list at least one entry"),
});

/** A base URL iPXE can fetch from and a script can carry: scheme, host, optional port and path. */
const BASE_URL =
  /^https?:\/\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?(\/[A-Za-z0-9._~-]+)*$/;
const baseUrl = z
  .string()
  .regex(
    BASE_URL,
    "is not a base URL like https://mirror.example.net or https://mirror.example.net/boot (no trailing slash, query or spaces)",
  );

export const siteSchema = z.strictObject({
  name,
  description: safeText(80).optional(),
  network,
  menu,
  /** Tried last, after the hostname and the CDN's own name: a copy of the origin's layout. */
  mirror: baseUrl.optional(),
});

const SHA256 = /^[0-9a-f]{64}$/;
const sha256 = z.string().regex(SHA256, "is not a sha256 (64 lowercase hex digits)");

/**
 * A local file (relative to the project) or an http(s) URL. Pin URLs to a versioned path: a
 * moving one (Debian's `…/current/…`) changes its bytes, and the sha256 check then stops every run.
 */
const fileOrUrlSource = z
  .string()
  .min(1, "must be a local path, an http(s):// URL or a { debianPackage, version, suite, file } source")
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "contains control characters")
  .refine(
    (s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(s),
    "must be a local path or an http(s):// URL (the sha256 is checked either way)",
  );

/**
 * "File X of Debian package P at version V": fetched with `apt-get download P=V` from the suite's
 * index (signed by Debian's archive key), with a private apt state. Names and versions follow
 * Debian policy §5.6.1 and §5.6.12 (https://www.debian.org/doc/debian-policy/ch-controlfields.html).
 */
export const debianPackageSourceSchema = z.strictObject({
  debianPackage: z
    .string({ error: "expected the package's name, e.g. debian-installer-12-netboot-amd64" })
    .regex(
      /^[a-z0-9][a-z0-9+.-]+$/,
      "is not a Debian package name (lowercase letters, digits, + . -; e.g. debian-installer-12-netboot-amd64)",
    ),
  version: z
    .string({ error: "expected the exact version to pin, e.g. 20230607+deb12u15" })
    .regex(
      /^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$/,
      "is not a Debian package version: pin the exact one `apt-cache policy <package>` shows (e.g. 20230607+deb12u15)",
    ),
  suite: z
    .string({ error: "expected the suite whose index lists that version, e.g. bookworm" })
    .regex(/^[a-z][a-z0-9-]*$/, "is not a Debian suite (e.g. bookworm, bookworm-updates, trixie)"),
  file: z
    .string({ error: "expected the path of the file inside the package, e.g. usr/lib/…/linux" })
    .regex(
      /^(?!\/)(?!(.*\/)?\.{1,2}(\/|$))[A-Za-z0-9._+@\/-]+$/,
      "is not a path inside the package (relative, no . or .. parts; e.g. usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux)",
    ),
  archive: z
    .string()
    .regex(
      /^https?:\/\/[^\s/$.?#][^\s]*[^/\s]$/,
      "is not an archive root URL without a trailing slash (e.g. http://deb.debian.org/debian, or a frozen http://snapshot.debian.org/archive/debian/<time>)",
    )
    .optional(),
  debSha256: sha256.optional(),
});

export const artifactSchema = z.strictObject({
  source: z.union([fileOrUrlSource, debianPackageSourceSchema], {
    error: "must be a local path, an http(s):// URL or a { debianPackage, version, suite, file } source",
  }),
  sha256,
  contentType: z
    .string()
    .regex(/^[a-z]+\/[a-z0-9.+-]+$/, "is not a MIME type")
    .optional(),
});

export const TRANSPORTS = ["https", "http"] as const;

export const originSchema = z.strictObject({
  hostname: z.string().refine(isFqdn, "is not a fully qualified hostname (e.g. boot.example.com)"),
  transport: z.enum(TRANSPORTS, { error: "must be https or http" }).default("https"),
  allowInsecureHttp: z.boolean().default(false),
  cloudflareZoneId: z
    .string()
    .regex(
      /^[0-9a-f]{32}$/,
      "is not a Cloudflare zone id (32 lowercase hex digits, from the zone's overview page)",
    ),
  priceClass: z
    .enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"], {
      error: "must be PriceClass_100, PriceClass_200 or PriceClass_All",
    })
    .default("PriceClass_100"),
  accessLogs: z.boolean().default(false),
  protect: z.boolean().default(false),
  publishImages: z.boolean().default(true),
});

export const IPXE_MODES = ["prebuilt", "compile"] as const;
export const PLATFORMS = ["bios", "uefi"] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().regex(ENV_NAME, "is not an environment variable name (letters, digits, _)");

/** A signing key: its certificate (public) is named here; the private key comes from a file
 * outside the repository or from an environment variable (a CI secret), never from the stack
 * config. Field names are ipxe/sign/signer.ts SignerSource's, which reads and checks them. */
const signerSourceSchema = z.strictObject({
  certFile: z.string().min(1, "must name the PEM certificate of the signing key"),
  keyFile: z.string().min(1).optional(),
  keyEnv: envName.optional(),
  passphraseEnv: envName.optional(),
});
const exactlyOneKey = (v: { keyFile?: string; keyEnv?: string }) =>
  (v.keyFile === undefined) !== (v.keyEnv === undefined);
const ONE_KEY = {
  error:
    "needs exactly one of keyFile (a PEM file outside the repository) or keyEnv (an environment variable holding the PEM key)",
};

export const ipxeSchema = z.strictObject({
  mode: z.enum(IPXE_MODES, { error: "must be prebuilt or compile" }).default("prebuilt"),
  /** Pinned upstream commit for compile mode. */
  ref: z
    .string()
    .regex(/^[0-9a-f]{40}$/, "is not a full git commit id (40 lowercase hex digits)")
    .optional(),
  sourceDir: z.string().optional(),
  prebuiltDir: z.string().optional(),
  /** CA files for compile mode; unset: Amazon's roots (CloudFront); []: iPXE's default trust. */
  trust: z.array(z.string()).optional(),
  /** compile mode: embed the stage-1 per site (true), or one generic binary per stack (false). */
  embed: z.boolean().default(true),
  platforms: z
    .array(z.enum(PLATFORMS, { error: "must be bios or uefi" }))
    .min(1, "must list at least one platform")
    .default(["bios", "uefi"]),
  /** compile mode, UEFI: sign BOOTX64.EFI with the organisation's Secure Boot db key (sbsign). */
  secureBoot: signerSourceSchema.refine(exactlyOneKey, ONE_KEY).optional(),
  /** compile mode: the image trusts `trust` (the code-signing CA, not the leaf) with imgtrust
   * --permanent; every script and artefact is signed by the certificate and key and verified. */
  codeSigning: signerSourceSchema
    .extend({
      trust: z.array(z.string().min(1)).min(1, "must list the code-signing CA file(s) the image trusts"),
    })
    .refine(exactlyOneKey, ONE_KEY)
    .optional(),
});

export type SiteConfig = z.output<typeof siteSchema>;
export type NetworkConfig = SiteConfig["network"];
export type MenuConfig = SiteConfig["menu"];
export type MenuEntry = MenuConfig["entries"][number];
export type LinuxMenuEntry = Extract<MenuEntry, { type: "linux" }>;
export type FixedAddress = NetworkConfig["fixed"][number];
export type ArtifactConfig = z.output<typeof artifactSchema>;
export type ArtifactSource = ArtifactConfig["source"];
export type DebianPackageSource = z.output<typeof debianPackageSourceSchema>;
export type OriginConfig = z.output<typeof originSchema>;
export type IpxeConfig = z.output<typeof ipxeSchema>;
export type MenuEntryType = MenuEntry["type"];
export type { NetworkMode } from "./network-modes";
export type { KernelNetwork } from "./kernel-network";
export type Platform = (typeof PLATFORMS)[number];

/** The whole validated stack config: what every downstream part takes. */
export interface StackConfig {
  origin: OriginConfig;
  artifacts: Record<string, ArtifactConfig>;
  ipxe: IpxeConfig;
  sites: SiteConfig[];
}
