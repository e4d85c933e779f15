// A switch port that carries one VLAN tagged (802.1Q), in front of QEMU's user network: what the
// guest sends on that VLAN reaches the network with the tag taken off, what the network sends
// back reaches the guest tagged, and untagged or other-VLAN frames go nowhere. A machine that
// does not put its traffic on the VLAN (iPXE without vcreate, an OS not told about the VLAN)
// reaches nothing, which is what a VLAN site looks like from the machine.
import { FrameFilter, startFrameFilter } from "./frame-filter";

const TPID = 0x8100;

/** The frame's VLAN id, or undefined when it carries no 802.1Q tag. */
export function vlanOf(frame: Buffer): number | undefined {
  return frame.length >= 18 && frame.readUInt16BE(12) === TPID ? frame.readUInt16BE(14) & 0x0fff : undefined;
}

export function untag(frame: Buffer): Buffer {
  return Buffer.concat([frame.subarray(0, 12), frame.subarray(16)]);
}

export function tag(frame: Buffer, vlan: number): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt16BE(TPID, 0);
  t.writeUInt16BE(vlan & 0x0fff, 2);
  return Buffer.concat([frame.subarray(0, 12), t, frame.subarray(12)]);
}

export interface VlanTrunk {
  args(netdev: string): string[];
  /** Frames the guest sent untagged or on another VLAN (dropped). */
  dropped(): number;
  close(): Promise<void>;
}

export async function startVlanTrunk(vlan: number): Promise<VlanTrunk> {
  let dropped = 0;
  const filters: FrameFilter[] = [
    await startFrameFilter("vlanout", "rx", (frame) => {
      if (vlanOf(frame) === vlan) return untag(frame);
      dropped++;
      return undefined;
    }),
    await startFrameFilter("vlanin", "tx", (frame) => tag(frame, vlan)),
  ];
  return {
    args: (netdev) => filters.flatMap((f) => f.args(netdev)),
    dropped: () => dropped,
    close: async () => {
      await Promise.all(filters.map((f) => f.close()));
    },
  };
}
