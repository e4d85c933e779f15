// The network modes a site can use and what each one does, in one table the compiler checks:
// config rules, the stage-1 renderer and the demo read these traits instead of comparing mode
// names, so a new mode is one row here (plus docs), and every `Record<NetworkMode, …>` elsewhere
// fails to compile until it says what the new mode means there.

export const NETWORK_MODES = ["prompt", "static", "dhcp", "dhcp-then-prompt"] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export interface NetworkModeTraits {
  /** One line for docs, the demo and error messages. */
  summary: string;
  /**
   * DHCP's place: `never` (no DHCP at the site), `only` (DHCP or nothing), `first` (try DHCP
   * for network.dhcpTimeoutSeconds, then the static path).
   */
  dhcp: "never" | "only" | "first";
  /**
   * How the static path gets this machine's address when the MAC is not in `fixed`: `ask` the
   * operator (pre-filled with network.address), or `use` network.address without asking.
   * Irrelevant when `dhcp` is `only` (there is no static path).
   */
  address: "ask" | "use";
}

export const NETWORK_MODE: Record<NetworkMode, NetworkModeTraits> = {
  prompt: {
    summary: "the operator types the address; netmask, gateway and DNS are pre-filled",
    dhcp: "never",
    address: "ask",
  },
  static: {
    summary: "the site's address (or the machine's fixed address by MAC), nothing to type",
    dhcp: "never",
    address: "use",
  },
  dhcp: { summary: "DHCP only", dhcp: "only", address: "ask" },
  "dhcp-then-prompt": {
    summary: "DHCP for network.dhcpTimeoutSeconds, then the operator is asked",
    dhcp: "first",
    address: "ask",
  },
};

/** The mode configures the network from config values at some point (not DHCP only). */
export const hasStaticPath = (mode: NetworkMode): boolean => NETWORK_MODE[mode].dhcp !== "only";

/** The operator may be asked for the address. */
export const asksOperator = (mode: NetworkMode): boolean =>
  hasStaticPath(mode) && NETWORK_MODE[mode].address === "ask";
