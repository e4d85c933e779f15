// A network where nothing answers DHCP. QEMU's user network always runs its own DHCP server
// (restrict=on does not stop it, and QEMU 7.2 has no switch to turn it off), so frames from the
// guest pass through this filter on their way to the user network: QEMU's filter-redirector
// sends them here over a socket, DHCP requests (UDP to port 67) are dropped, everything else
// goes back in through a second socket. Frames are [u32 BE length][bytes] (vnet_hdr off). The
// block can be lifted during a run, like a DHCP server that comes back after a power cut.
// https://www.qemu.org/docs/master/system/invocation.html (-object filter-redirector)
import * as net from "node:net";

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
  let back: net.Socket | undefined;
  const pending: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
  };
  const forward = (frame: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(frame.length);
    const out = Buffer.concat([head, frame]);
    if (back) back.write(out);
    else pending.push(out);
  };
  // QEMU → here: every frame the guest sends.
  const inbound = net.createServer((s) => {
    track(s);
    let buf = Buffer.alloc(0);
    s.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len) break;
        const frame = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (blocking && isDhcpRequest(frame)) dropped++;
        else forward(Buffer.from(frame));
      }
    });
  });
  // here → QEMU: the frames let through, on to the user network.
  const outbound = net.createServer((s) => {
    track(s);
    back = s;
    for (const p of pending.splice(0)) s.write(p);
  });
  const listen = (srv: net.Server) =>
    new Promise<number>((resolve) =>
      srv.listen(0, "127.0.0.1", () => resolve((srv.address() as net.AddressInfo).port)),
    );
  const [inPort, outPort] = [await listen(inbound), await listen(outbound)];
  return {
    args: (netdev) => [
      "-chardev",
      `socket,id=dhcpblk-out,host=127.0.0.1,port=${inPort}`,
      "-chardev",
      `socket,id=dhcpblk-in,host=127.0.0.1,port=${outPort}`,
      // queue=rx: frames on their way into the netdev, i.e. sent by the guest. The rx chain is
      // walked last-declared first, so the injecting filter comes first: frames it puts back
      // go straight on to the netdev instead of into the redirecting filter again.
      "-object",
      `filter-redirector,id=dhcpblk-f-in,netdev=${netdev},queue=rx,indev=dhcpblk-in`,
      "-object",
      `filter-redirector,id=dhcpblk-f-out,netdev=${netdev},queue=rx,outdev=dhcpblk-out`,
    ],
    dropped: () => dropped,
    setBlocking: (on) => (blocking = on),
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([inbound, outbound].map((srv) => new Promise((r) => srv.close(r))));
    },
  };
}
