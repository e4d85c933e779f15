// The iPXE settings the scripts share, in one place: who sets each and who reads it. iPXE
// settings are global and survive `chain`, so this is the contract between the image's boot
// path, stage-1, the site index and stage-2. Renderers write the names literally (the scripts
// read as iPXE); test/render/vars.test.ts checks every `bs_*` name in every rendered script
// against this table, so an undeclared or mistyped name fails the build.

export type ScriptKind = "boot path" | "stage-1" | "site index" | "stage-2";

export interface SharedSetting {
  setBy: readonly ScriptKind[];
  readBy: readonly ScriptKind[];
  meaning: string;
}

/** Settings that cross from one script to another; a key ending in `*` names a numbered family. */
export const SHARED: Record<string, SharedSetting> = {
  bs_site: {
    setBy: ["stage-1", "site index", "stage-2"],
    readBy: ["site index"],
    meaning: "the site (stage-1's own, `generic`, or the one picked in the site index)",
  },
  bs_stage1: {
    setBy: ["stage-1"],
    readBy: ["site index"],
    meaning: "stage-1's identity, sent to the origin as s1= so logs tell image versions apart",
  },
  bs_if: {
    setBy: ["stage-1", "stage-2"],
    readBy: ["stage-1", "site index", "stage-2"],
    meaning:
      "the iPXE device carrying the site's traffic (net1, net0-120); the site index and stage-2 set it only when chained by hand",
  },
  bs_vlan: {
    setBy: ["stage-1"],
    readBy: ["stage-1", "stage-2"],
    meaning: "the 802.1Q tag iPXE used (unset: untagged); an int32 setting, so only a number gets in",
  },
  bs_via: {
    setBy: ["stage-1", "stage-2"],
    readBy: ["stage-1", "site index", "stage-2"],
    meaning: "how iPXE got its address: static (site value or typed), fixed (MAC table), dhcp",
  },
  bs_leave: {
    setBy: ["stage-2"],
    readBy: ["stage-1"],
    meaning:
      "firmware: stage-2 asks stage-1 to leave iPXE so the firmware boots the next device (UEFI local disk)",
  },
  bs_origin: {
    setBy: ["stage-1", "site index", "stage-2"],
    readBy: ["stage-1", "site index", "stage-2"],
    meaning:
      "the origin (base URL) that served stage-2: its kernels and initrds come from there first (origins.ts); the site index and stage-2 set it only when chained by hand",
  },
  "bs_origin_*": {
    setBy: ["stage-1"],
    readBy: ["stage-1", "stage-2"],
    meaning:
      "stage-1's origins in the order tried (bs_origin_0 = the stack's hostname, then the CDN's name, then the site's mirror)",
  },
  bs_medium: {
    setBy: ["boot path", "stage-1"],
    readBy: ["stage-1", "stage-2"],
    meaning:
      "BIOS only: how the firmware booted the image, cd (El Torito) or disk (a USB stick, which the BIOS makes drive 0x80)",
  },
};

/** Settings a script uses only for itself (reset before use, never read by another script). */
export const LOCAL: Record<ScriptKind, readonly string[]> = {
  "boot path": [],
  "stage-1": [
    "bs_base",
    "bs_try",
    "bs_delay",
    "bs_choice",
    "bs_nic",
    "bs_nic_stop",
    "bs_nic_wrapped",
    "bs_trunk",
    "bs_typed",
    "bs_answered",
    "bs_reenter",
    "bs_manual",
    "bs_error",
    "bs_failed",
    "bs_problem",
    "bs_oi",
  ],
  "site index": ["bs_choice"],
  "stage-2": [
    "bs_mac",
    "bs_ip",
    "bs_netmask",
    "bs_gateway",
    "bs_dns",
    "bs_hostname",
    "bs_choice",
    "bs_kdev",
    "bs_khost",
    "bs_knet_*",
    "bs_refused",
    "bs_ai",
    "bs_from",
    "bs_ret",
    "bs_ferr",
  ],
};
