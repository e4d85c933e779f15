// A minimal QMP client (QEMU Machine Protocol, JSON lines over a unix socket): enough to read
// guest memory, take screenshots, send keys and quit. https://www.qemu.org/docs/master/interop/qmp-spec.html
import * as fs from "node:fs";
import * as net from "node:net";

export class QmpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QmpError";
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

export class Qmp {
  private buffer = "";
  private readonly queue: Pending[] = [];
  private closed = false;
  /** Events seen so far (e.g. SHUTDOWN, RESET), oldest first. */
  readonly events: { event: string; data?: unknown }[] = [];

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => this.onData(chunk));
    sock.on("close", () => {
      this.closed = true;
      for (const p of this.queue.splice(0))
        p.reject(new QmpError("QEMU closed the QMP connection (the machine stopped)"));
    });
    sock.on("error", () => undefined); // surfaced through "close"
  }

  /** Connects once QEMU has created the socket; negotiates capabilities. */
  static async connect(socketPath: string, timeoutMs: number, isAlive: () => boolean): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!isAlive()) throw new QmpError("QEMU exited before its QMP socket was ready");
      if (fs.existsSync(socketPath)) {
        try {
          const sock = await new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(socketPath);
            s.once("connect", () => resolve(s));
            s.once("error", reject);
          });
          const qmp = new Qmp(sock);
          await qmp.greeting();
          await qmp.execute("qmp_capabilities");
          return qmp;
        } catch {
          // Not listening yet: try again below.
        }
      }
      if (Date.now() > deadline)
        throw new QmpError(`QMP socket ${socketPath} not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private greeting(): Promise<unknown> {
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as {
        QMP?: unknown;
        return?: unknown;
        error?: { class: string; desc: string };
        event?: string;
        data?: unknown;
      };
      if (msg.event) {
        this.events.push({ event: msg.event, data: msg.data });
        continue;
      }
      const p = this.queue.shift();
      if (!p) continue;
      if (msg.error) p.reject(new QmpError(`${msg.error.class}: ${msg.error.desc}`));
      else p.resolve(msg.QMP ?? msg.return);
    }
  }

  /** Runs one command; commands are answered in order, so a FIFO of waiters is enough. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
    if (this.closed) return Promise.reject(new QmpError(`cannot run ${command}: the machine has stopped`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new QmpError(`${command} got no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.queue.push({
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.sock.write(
        JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + "\n",
      );
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
  }
}
