// Ethernet frames between the guest and QEMU's user network, rewritten by the test process.
// QEMU's filter-redirector sends every frame of one direction of a netdev here over a socket;
// `rewrite` returns the frame to pass on (changed or not), or undefined to drop it; what it
// returns goes back in through a second socket. Frames are [u32 BE length][bytes] (vnet_hdr
// off). Used for "no DHCP at this site" (dhcp-block.ts) and a VLAN trunk port (vlan-trunk.ts).
// https://www.qemu.org/docs/master/system/invocation.html (-object filter-redirector)
import * as net from "node:net";

/** rx: frames the guest sends (into the netdev); tx: frames the guest receives. */
export type Direction = "rx" | "tx";

export interface FrameFilter {
  /** QEMU arguments: two chardevs and two redirectors on `netdev`'s queue. */
  args(netdev: string): string[];
  close(): Promise<void>;
}

export async function startFrameFilter(
  id: string,
  direction: Direction,
  rewrite: (frame: Buffer) => Buffer | undefined,
): Promise<FrameFilter> {
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
  // QEMU → here: every frame of this direction.
  const inbound = net.createServer((s) => {
    track(s);
    let buf = Buffer.alloc(0);
    s.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len) break;
        const frame = Buffer.from(buf.subarray(4, 4 + len));
        buf = buf.subarray(4 + len);
        const out = rewrite(frame);
        if (out) forward(out);
      }
    });
  });
  // here → QEMU: the frames passed on.
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
    args: (netdev) => {
      const inject = `filter-redirector,id=${id}-f-in,netdev=${netdev},queue=${direction},indev=${id}-in`;
      const divert = `filter-redirector,id=${id}-f-out,netdev=${netdev},queue=${direction},outdev=${id}-out`;
      // Frames put back must continue after the diverting filter, not enter it again: the rx
      // chain is walked last-declared first, the tx chain first-declared first.
      const order = direction === "rx" ? [inject, divert] : [divert, inject];
      return [
        "-chardev",
        `socket,id=${id}-out,host=127.0.0.1,port=${inPort}`,
        "-chardev",
        `socket,id=${id}-in,host=127.0.0.1,port=${outPort}`,
        ...order.flatMap((o) => ["-object", o]),
      ];
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([inbound, outbound].map((srv) => new Promise((r) => srv.close(r))));
    },
  };
}
