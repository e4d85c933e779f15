// A network where nothing answers DHCP. QEMU's user network always runs its own DHCP server
// (restrict=on does not stop it, and QEMU 7.2 has no switch to turn it off), so the frames the
// guest sends pass through a filter (frame-filter.ts) that drops DHCP requests (UDP to port 67).
// The block can be lifted during a run, like a DHCP server that comes back after a power cut.
import { startFrameFilter } from "./frame-filter";

export interface DhcpBlock {
  /** QEMU arguments: two chardevs and two redirectors on the guest→network queue of `netdev`. */
  args(netdev: string): string[];
  /** DHCP frames dropped so far. */
  dropped(): number;
  /** From now on let DHCP through (a DHCP server that comes back), or drop it again. */
  setBlocking(on: boolean): void;
  close(): Promise<void>;
}

/** True for an IPv4 UDP frame to port 67 (a DHCP/BOOTP request). */
export function isDhcpRequest(frame: Buffer): boolean {
  if (frame.length < 14 + 20 + 8) return false;
  if (frame.readUInt16BE(12) !== 0x0800) return false;
  const ihl = (frame[14] & 0x0f) * 4;
  if (frame[14 + 9] !== 17 || frame.length < 14 + ihl + 4) return false;
  return frame.readUInt16BE(14 + ihl + 2) === 67;
}

export async function startDhcpBlock(): Promise<DhcpBlock> {
  let dropped = 0;
  let blocking = true;
  const filter = await startFrameFilter("dhcpblk", "rx", (frame) => {
    if (!blocking || !isDhcpRequest(frame)) return frame;
    dropped++;
    return undefined;
  });
  return {
    args: filter.args,
    dropped: () => dropped,
    setBlocking: (on) => (blocking = on),
    close: filter.close,
  };
}
