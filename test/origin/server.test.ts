// The local origin over real sockets: what it serves, how (types, caching, ranges), what it
// refuses, what it logs, and that it can be swapped, taken down, brought back and closed.
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { OriginObject } from "../../origin/layout";
import { CACHE_CONTROL, CONTENT_TYPE } from "../../origin/keys";
import { sha256 as sha256Hex } from "../../ipxe/build/hash";
import { OriginServer } from "../../origin/server";
import { AccessLogEntry, formatAccessLog } from "../../origin/server-log";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function inline(key: string, text: string, contentType = "text/plain; charset=utf-8"): OriginObject {
  return {
    key,
    contentType,
    cacheControl: CACHE_CONTROL.script,
    sha256: sha256Hex(text),
    size: Buffer.byteLength(text),
    content: { kind: "inline", text },
  };
}

function artifact(name: string, file: string, sha256: string): OriginObject {
  return {
    key: `artifacts/${sha256}/${name}`,
    contentType: "application/octet-stream",
    cacheControl: CACHE_CONTROL.immutable,
    sha256,
    content: { kind: "artifact", name, source: file },
  };
}

let dir: string;
let blobPath: string;
let blob: Buffer;
let blobSha: string;
let logs: AccessLogEntry[];
let server: OriginServer | undefined;

const STAGE2 = "#!ipxe\necho stage-2 v1\n";
const layout = () => [
  inline("sites/ams1/stage2.ipxe", STAGE2),
  inline("manifest.json", "{}\n", "application/json"),
  artifact("kernel", blobPath, blobSha),
];
const start = (objects = layout()) =>
  OriginServer.start({
    objects,
    resolveArtifact: (_n, source) => source as string,
    logger: (e) => logs.push(e),
  }).then((s) => (server = s));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "origin-test-"));
  blob = Buffer.alloc(300_000);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 7 + 3) & 0xff;
  blobPath = path.join(dir, "kernel.bin");
  fs.writeFileSync(blobPath, blob);
  blobSha = sha256Hex(blob);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  expect(OriginServer.listeningCount()).toBe(0);
});
beforeEach(() => (logs = []));
afterEach(async () => {
  await server?.down();
  server = undefined;
});

describe("serving the layout", () => {
  test("a script: body, content type, cache-control, etag, length", async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await request(`${s.url}/sites/ams1/stage2.ipxe`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(STAGE2);
    expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(r.headers["cache-control"]).toBe(CACHE_CONTROL.script);
    expect(r.headers["content-length"]).toBe(String(Buffer.byteLength(STAGE2)));
    expect(r.headers.etag).toBe(`"${sha256Hex(STAGE2)}"`);
    expect((await request(`${s.url}/manifest.json`)).headers["content-type"]).toBe("application/json");
  });

  test("an artefact is streamed whole with immutable caching", async () => {
    const s = await start();
    const r = await request(`${s.url}/artifacts/${blobSha}/kernel`);
    expect(r.status).toBe(200);
    expect(r.headers["cache-control"]).toBe(CACHE_CONTROL.immutable);
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(sha256Hex(r.body)).toBe(blobSha);
  });

  test("a signature (binary bytes) is served byte for byte with its own headers", async () => {
    const der = Buffer.from([0x30, 0x82, 0x00, 0x0a, 0x00, 0xff, 0x0a, 0x0d, 0x80, 0x7f]);
    const sig: OriginObject = {
      key: "sites/ams1/stage2.ipxe.sig",
      contentType: CONTENT_TYPE.signature,
      cacheControl: CACHE_CONTROL.script,
      sha256: sha256Hex(der),
      size: der.length,
      content: { kind: "bytes", data: der },
    };
    const s = await start([...layout(), sig]);
    const r = await request(`${s.url}/sites/ams1/stage2.ipxe.sig`);
    expect(r.status).toBe(200);
    expect(r.body.equals(der)).toBe(true);
    expect(r.headers["content-type"]).toBe("application/pkcs7-signature");
    expect(r.headers["cache-control"]).toBe(CACHE_CONTROL.script);
  });

  test("HEAD gives the headers and no body", async () => {
    const s = await start();
    const r = await request(`${s.url}/artifacts/${blobSha}/kernel`, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe(String(blob.length));
    expect(r.body.length).toBe(0);
  });

  test("If-None-Match with the current etag gives 304", async () => {
    const s = await start();
    const r = await request(`${s.url}/sites/ams1/stage2.ipxe`, {
      headers: { "If-None-Match": `"${sha256Hex(STAGE2)}"` },
    });
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
  });
});

describe("ranges", () => {
  test.each([
    ["bytes=0-99", 0, 99],
    ["bytes=1000-", 1000, 299_999],
    ["bytes=-500", 299_500, 299_999],
    ["bytes=299990-400000", 299_990, 299_999],
  ])("%s gives 206 with the right bytes", async (range, first, last) => {
    const s = await start();
    const r = await request(`${s.url}/artifacts/${blobSha}/kernel`, { headers: { Range: range } });
    expect(r.status).toBe(206);
    expect(r.headers["content-range"]).toBe(`bytes ${first}-${last}/300000`);
    expect(r.body.equals(blob.subarray(first, last + 1))).toBe(true);
  });

  test("a range past the end gives 416 with the size", async () => {
    const s = await start();
    const r = await request(`${s.url}/artifacts/${blobSha}/kernel`, { headers: { Range: "bytes=300000-" } });
    expect(r.status).toBe(416);
    expect(r.headers["content-range"]).toBe("bytes */300000");
  });

  test("ranges work on scripts too; several ranges are answered whole", async () => {
    const s = await start();
    const part = await request(`${s.url}/sites/ams1/stage2.ipxe`, { headers: { Range: "bytes=0-5" } });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe("#!ipxe");
    const multi = await request(`${s.url}/sites/ams1/stage2.ipxe`, { headers: { Range: "bytes=0-1,3-4" } });
    expect(multi.status).toBe(200);
    expect(multi.body.toString()).toBe(STAGE2);
  });
});

describe("refusals", () => {
  test.each([
    "/",
    "/sites/ams1/",
    "/sites/nyc2/stage2.ipxe",
    "/../etc/passwd",
    "/%2e%2e/etc/passwd",
    `/artifacts/${"0".repeat(64)}/kernel`,
  ])("%s is 404", async (p) => {
    const s = await start();
    const r = await request(`${s.url}${p}`);
    expect(r.status).toBe(404);
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  test("other methods get 405 with Allow", async () => {
    const s = await start();
    const r = await request(`${s.url}/sites/ams1/stage2.ipxe`, { method: "PUT" });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET, HEAD");
  });

  test("a wrong artefact hash stops the start, naming the artefact and the fix", async () => {
    await expect(
      OriginServer.start({
        objects: [artifact("kernel", blobPath, "a".repeat(64))],
        resolveArtifact: (_n, s) => s as string,
        logger: () => {},
      }),
    ).rejects.toThrow(
      /artifacts\.kernel\.sha256: .* has sha256 [0-9a-f]{64}, config says a{64}; fix the file/,
    );
  });

  test("an artefact changed on disk after start is not served", async () => {
    const file = path.join(dir, "changing.bin");
    fs.writeFileSync(file, "original");
    const sha = sha256Hex("original");
    const s = await start([artifact("changing", file, sha)]);
    expect((await request(`${s.url}/artifacts/${sha}/changing`)).body.toString()).toBe("original");
    fs.writeFileSync(file, "tampered!");
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const r = await request(`${s.url}/artifacts/${sha}/changing`);
      expect(r.status).toBe(500);
      expect(r.body.toString()).not.toContain("tampered");
      expect(String(spy.mock.calls[0]?.[0])).toMatch(/artifacts\.changing\.sha256: .* has sha256/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("access log", () => {
  test("one entry per request with the stage-1 identity from the query", async () => {
    const s = await start();
    await request(`${s.url}/sites/ams1/stage2.ipxe?site=ams1&s1=abc123&mac=52:54:00:12:34:56&via=static`);
    await request(`${s.url}/nope`);
    await new Promise((r) => setImmediate(r));
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({
      method: "GET",
      path: "/sites/ams1/stage2.ipxe",
      status: 200,
      bytes: Buffer.byteLength(STAGE2),
      site: "ams1",
      s1: "abc123",
      mac: "52:54:00:12:34:56",
      via: "static",
    });
    expect(logs[1]).toMatchObject({ path: "/nope", status: 404 });
    const line = formatAccessLog(logs[0]);
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z GET \/sites\/ams1\/stage2\.ipxe 200 \d+B \d+ms host=127\.0\.0\.1:\d+ site=ams1 s1=abc123 mac=52:54:00:12:34:56 via=static$/,
    );
  });

  test("client-sent values cannot break the log line", async () => {
    const s = await start();
    await request(
      `${s.url}/sites/ams1/stage2.ipxe?site=${encodeURIComponent("x\ny z")}&s1=${"b".repeat(100)}`,
    );
    await new Promise((r) => setImmediate(r));
    const line = formatAccessLog(logs[0]);
    expect(line).not.toMatch(/\n/);
    expect(line).toContain("site=x?y?z");
    expect(line).toContain(`s1=${"b".repeat(61)}...`);
  });

  test("range requests log the range and the bytes actually sent", async () => {
    const s = await start();
    await request(`${s.url}/artifacts/${blobSha}/kernel`, { headers: { Range: "bytes=10-19" } });
    await new Promise((r) => setImmediate(r));
    expect(logs[0]).toMatchObject({ status: 206, bytes: 10, range: "bytes=10-19" });
  });
});

describe("life cycle", () => {
  test("setLayout swaps what is served without restarting", async () => {
    const s = await start();
    const port = s.port;
    await s.setLayout([inline("sites/ams1/stage2.ipxe", "#!ipxe\necho stage-2 v2\n")]);
    expect(s.port).toBe(port);
    expect((await request(`${s.url}/sites/ams1/stage2.ipxe`)).body.toString()).toContain("v2");
    expect((await request(`${s.url}/manifest.json`)).status).toBe(404);
  });

  test("a bad new layout leaves the old one in place", async () => {
    const s = await start();
    await expect(s.setLayout([artifact("kernel", blobPath, "b".repeat(64))])).rejects.toThrow(
      /artifacts\.kernel\.sha256: /,
    );
    expect((await request(`${s.url}/sites/ams1/stage2.ipxe`)).status).toBe(200);
  });

  test("down refuses connections; up serves again on the same port", async () => {
    const s = await start();
    const port = s.port;
    await s.down();
    expect(s.isUp).toBe(false);
    await expect(request(`http://127.0.0.1:${port}/manifest.json`)).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    await s.up();
    expect(s.port).toBe(port);
    expect((await request(`${s.url}/manifest.json`)).status).toBe(200);
  });

  test("down drops kept-alive connections and frees the port", async () => {
    const s = await start();
    const port = s.port;
    const agent = new http.Agent({ keepAlive: true });
    await request(`${s.url}/manifest.json`, { agent });
    const sock = net.connect(port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    const sockClosed = new Promise((r) => sock.once("close", r));
    await s.down();
    await sockClosed;
    agent.destroy();
    // The port is free: something else can listen on it.
    const other = net.createServer();
    await new Promise<void>((r) => other.listen(port, "127.0.0.1", () => r()));
    await new Promise((r) => other.close(r));
  });

  test("listens on loopback only by default", async () => {
    const s = await start();
    expect(s.host).toBe("127.0.0.1");
  });
});

test("an artefact the resolver has no file for is listed as unavailable and answered 404", async () => {
  const s = await OriginServer.start({
    objects: layout(),
    resolveArtifact: () => undefined,
    logger: (e) => logs.push(e),
  });
  server = s;
  expect(s.unavailable()).toEqual([`artifacts/${blobSha}/kernel`]);
  expect((await request(`${s.url}/artifacts/${blobSha}/kernel`)).status).toBe(404);
  expect((await request(`${s.url}/sites/ams1/stage2.ipxe`)).status).toBe(200);
});

describe("failure modes for the boot tests", () => {
  test("stall: the request is accepted and never answered, until the stall is lifted", async () => {
    const s = await start();
    s.stall(/stage2\.ipxe$/);
    const pending = request(`${s.url}/sites/ams1/stage2.ipxe`).then(
      () => "answered",
      (e: Error) => `cut: ${e.message}`,
    );
    const early = await Promise.race([
      pending,
      new Promise((r) => setTimeout(() => r("still waiting"), 1000)),
    ]);
    expect(early).toBe("still waiting");
    expect((await request(`${s.url}/manifest.json`)).status).toBe(200); // other paths unaffected
    s.stall(undefined);
    expect(await pending).toMatch(/^cut: /);
    expect((await request(`${s.url}/sites/ams1/stage2.ipxe`)).status).toBe(200);
    expect(logs.map((e) => [e.path, e.status])).toEqual(
      expect.arrayContaining([["/sites/ams1/stage2.ipxe", 0]]),
    );
  });

  test("failNext: the next matching requests get a 503, then the object again", async () => {
    const s = await start();
    s.failNext(/kernel$/, 2);
    const url = `${s.url}/artifacts/${blobSha}/kernel`;
    expect((await request(url)).status).toBe(503);
    expect((await request(`${s.url}/manifest.json`)).status).toBe(200);
    expect((await request(url)).status).toBe(503);
    expect((await request(url)).status).toBe(200);
  });
});
