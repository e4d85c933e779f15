// The local origin: a real HTTP(S) server on loopback serving exactly `originLayout(...)`, the
// same objects `render` shows and Pulumi uploads. Used by `boot-stack serve`, the demo and the
// QEMU boot tests (which reach it through QEMU's guestfwd). Scripts come from memory; artefacts
// are streamed from local files whose sha256 is checked before they are served.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { OriginObject } from "./layout";
import { AccessLogEntry, AccessLogger, identityFromQuery, stdoutLogger } from "./server-log";
import { parseRange } from "./server-range";
import { ArtifactSource } from "../config/schema";
import { VerifiedFile, verifyArtifactFile } from "./artifact-file";

/**
 * Turns a configured artefact into a local file path (fetching it first unless it is a file), or
 * undefined when it is deliberately not available here (it is then answered with 404).
 */
export type ArtifactResolver = (
  name: string,
  source: ArtifactSource,
  sha256: string,
) => Promise<string | undefined> | string | undefined;

export interface OriginServerOptions {
  /** What to serve (from originLayout). */
  objects: OriginObject[];
  /** Maps an artefact to a local file; needed only if the layout has artefacts. */
  resolveArtifact?: ArtifactResolver;
  /** Default 127.0.0.1: the local origin is never exposed beyond loopback. */
  host?: string;
  /** Default 0: an ephemeral port (read `port` after start). */
  port?: number;
  logger?: AccessLogger;
  /** Serve HTTPS with this PEM key and certificate chain instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

interface Entry {
  object: OriginObject;
  /** An inline object's bytes. */
  body?: Buffer;
  /** For artefacts: the verified local file. */
  file?: VerifiedFile;
}

/** Servers currently listening in this process: tests check that none outlives them. */
const listening = new Set<OriginServer>();

export class OriginServer {
  static listeningCount(): number {
    return listening.size;
  }

  private entries = new Map<string, Entry>();
  private readonly sockets = new Set<Socket>();
  private server?: http.Server;
  private listeningPort = 0;
  private unavailableKeys: string[] = [];
  private stallPattern?: RegExp;
  private failing?: { pathRe: RegExp; left: number };
  private readonly stalled = new Set<http.ServerResponse>();

  private constructor(private readonly opts: OriginServerOptions) {}

  /** Verifies every artefact, then listens. Throws (and listens on nothing) if any hash is wrong. */
  static async start(opts: OriginServerOptions): Promise<OriginServer> {
    const s = new OriginServer(opts);
    await s.setLayout(opts.objects);
    await s.up(opts.port ?? 0);
    return s;
  }

  get port(): number {
    return this.listeningPort;
  }

  get host(): string {
    return this.opts.host ?? "127.0.0.1";
  }

  get url(): string {
    return `${this.opts.tls ? "https" : "http"}://${this.host}:${this.port}`;
  }

  get isUp(): boolean {
    return this.server?.listening ?? false;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Replaces what is served, e.g. a stage-2 changed after an image was built. Artefacts are
   * resolved and verified first; the swap is atomic and in-flight responses finish unchanged.
   */
  async setLayout(objects: OriginObject[]): Promise<void> {
    const next = new Map<string, Entry>();
    const unavailable: string[] = [];
    for (const object of objects) {
      if (next.has(object.key)) throw new Error(`origin layout lists ${object.key} twice`);
      if (object.content.kind === "inline") {
        next.set(object.key, { object, body: Buffer.from(object.content.text, "utf8") });
        continue;
      }
      if (object.content.kind === "bytes") {
        next.set(object.key, { object, body: object.content.data });
        continue;
      }
      const { name, source } = object.content;
      if (!this.opts.resolveArtifact)
        throw new Error(`origin layout has artefact ${name} but the server was given no resolveArtifact`);
      const file = await this.opts.resolveArtifact(name, source, object.sha256);
      if (file === undefined) {
        unavailable.push(object.key);
        continue;
      }
      next.set(object.key, { object, file: await verifyArtifactFile(name, file, object.sha256) });
    }
    this.entries = next;
    this.unavailableKeys = unavailable;
  }

  /** Artefact keys of the layout that the resolver had no file for (answered with 404). */
  unavailable(): string[] {
    return [...this.unavailableKeys];
  }

  /** Starts listening (again, on the same port after `down()`). */
  async up(port = this.listeningPort): Promise<void> {
    if (this.isUp) return;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    const server = this.opts.tls
      ? https.createServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, handler)
      : http.createServer(handler);
    server.on("connection", (sock: Socket) => {
      this.sockets.add(sock);
      sock.on("close", () => this.sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.listeningPort = (server.address() as { port: number }).port;
    listening.add(this);
  }

  /**
   * A failure mode for tests: requests whose path matches are accepted and then get no answer
   * at all (a stuck CDN edge, a middlebox that dropped the connection's state), until
   * `stall(undefined)`, which cuts the held connections. Logged with status 0.
   */
  stall(pathRe: RegExp | undefined): void {
    this.stallPattern = pathRe;
    if (pathRe) return;
    for (const res of this.stalled) res.destroy();
    this.stalled.clear();
  }

  /** A failure mode for tests: the next `count` requests whose path matches get a 503. */
  failNext(pathRe: RegExp, count = 1): void {
    this.failing = { pathRe, left: count };
  }

  /** Stops listening and drops every open connection: clients see "connection refused". Also the way to stop for good. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    listening.delete(this);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://origin.invalid");
    const method = req.method ?? "GET";
    let path = url.pathname;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      // Keep the raw path: it will not match any key.
    }
    const entry: AccessLogEntry = {
      time: new Date(started),
      method,
      path: url.pathname,
      status: 0,
      bytes: 0,
      ms: 0,
      ...identityFromQuery(url.searchParams),
    };
    if (typeof req.headers.range === "string") entry.range = req.headers.range;
    if (typeof req.headers.host === "string") entry.host = req.headers.host;
    const stalled = this.stallPattern?.test(url.pathname) ?? false;
    res.on("close", () => {
      entry.status = stalled ? 0 : res.statusCode;
      entry.ms = Date.now() - started;
      (this.opts.logger ?? stdoutLogger)(entry);
    });
    if (stalled) {
      this.stalled.add(res);
      return;
    }
    try {
      if (method !== "GET" && method !== "HEAD")
        return this.plain(res, entry, 405, "method not allowed\n", { Allow: "GET, HEAD" });
      if (this.failing?.left && this.failing.pathRe.test(url.pathname)) {
        this.failing.left--;
        return this.plain(res, entry, 503, "failing on purpose (test)\n");
      }
      const found = this.entries.get(path.replace(/^\//, ""));
      if (!found) return this.plain(res, entry, 404, "not found\n");
      await this.send(req, res, entry, found, method === "HEAD");
    } catch (e) {
      process.stderr.write(`origin: ${method} ${url.pathname}: ${(e as Error).message}\n`);
      if (!res.headersSent) this.plain(res, entry, 500, "internal error (see the origin's stderr)\n");
      else res.destroy();
    }
  }

  private plain(
    res: http.ServerResponse,
    entry: AccessLogEntry,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    const body = Buffer.from(text);
    res.writeHead(status, {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": body.length,
      "Cache-Control": "no-store",
      ...headers,
    });
    entry.bytes = entry.method === "HEAD" ? 0 : body.length;
    res.end(entry.method === "HEAD" ? undefined : body);
  }

  private async send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: AccessLogEntry,
    found: Entry,
    head: boolean,
  ): Promise<void> {
    const { object } = found;
    let file = found.file;
    if (file) {
      // The file may have changed since the layout was set: never serve bytes that do not match.
      const content = object.content as { name: string };
      file = await verifyArtifactFile(content.name, file.path, object.sha256);
    }
    const size = file ? file.size : found.body!.length;
    const etag = `"${object.sha256}"`;
    const headers: Record<string, string | number> = {
      "Content-Type": object.contentType,
      "Cache-Control": object.cacheControl,
      ETag: etag,
      "Accept-Ranges": "bytes",
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const range = parseRange(typeof req.headers.range === "string" ? req.headers.range : undefined, size);
    if (range.kind === "unsatisfiable")
      return this.plain(res, entry, 416, "range not satisfiable\n", { "Content-Range": `bytes */${size}` });
    const [start, end] = range.kind === "partial" ? [range.start, range.end] : [0, size - 1];
    const length = size === 0 ? 0 : end - start + 1;
    if (range.kind === "partial") headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
    headers["Content-Length"] = length;
    res.writeHead(range.kind === "partial" ? 206 : 200, headers);
    if (head || length === 0) {
      res.end();
      return;
    }
    if (found.body) {
      entry.bytes = length;
      res.end(found.body.subarray(start, end + 1));
      return;
    }
    const stream = fs.createReadStream(file!.path, { start, end, highWaterMark: 1 << 20 });
    stream.on("data", (chunk) => (entry.bytes += chunk.length));
    await new Promise<void>((resolve) => {
      stream.on("error", () => {
        res.destroy();
        resolve();
      });
      res.on("close", () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  }
}
