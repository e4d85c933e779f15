// QEMU's user-mode network as a guest sees it, and where the local origin appears inside it.
// Plain data, no imports: the rig, the demo, `boot-stack serve` and the tests read it here.
// Addresses: https://www.qemu.org/docs/master/system/devices/net.html#using-the-user-mode-network-stack

export const QEMU_NET = {
  subnet: "10.0.2.0/24",
  netmask: "255.255.255.0",
  gateway: "10.0.2.2",
  dns: "10.0.2.3",
  /** The first address QEMU's DHCP hands out; also what the operator types in the demo. */
  guest: "10.0.2.15",
  /** What the demo's prompt sites pre-fill (the operator replaces it with `guest`). */
  prefill: "10.0.2.50",
  /** The origin inside the guest's network: guestfwd forwards it to the local origin on loopback. */
  origin: "10.0.2.100",
  /** More origins' addresses (failover tests), each forwarded to a loopback port of its own. */
  moreOrigins: ["10.0.2.101", "10.0.2.102"],
} as const;

/** The origin as scripts inside a QEMU guest reach it. */
export const GUEST_ORIGIN = { baseUrl: `http://${QEMU_NET.origin}` } as const;

/** The -netdev user option that makes the guest's address:guestPort (default the origin's) reach 127.0.0.1:hostPort. */
export const guestfwd = (guestPort: number, hostPort: number, address: string = QEMU_NET.origin): string =>
  `guestfwd=tcp:${address}:${guestPort}-cmd:socat STDIO TCP:127.0.0.1:${hostPort}`;
