// Boot timings under TCG (QEMU start -> stage-2 request at the origin, -> the test OS's first
// marker on serial), for the static site with no typing, BIOS and UEFI; and the local origin's
// throughput serving a 100 MB artefact to a local client (whole, and in 4 MiB ranges).
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { OriginObject } from "../origin/layout";
import { CACHE_CONTROL } from "../origin/keys";
import { OriginServer } from "../origin/server";
import { sha256File } from "../ipxe/build/hash";
import { bootSession } from "../local/session";
import { loadFixtureStack } from "../local/stack";
import { ensureTestOs } from "../local/testos";
import { REPO_ROOT } from "../ipxe/build/cache";

function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, ...extra }));
}

async function bootTimings(): Promise<void> {
  const testOs = await ensureTestOs();
  const stack = loadFixtureStack(
    path.join(REPO_ROOT, "test", "fixtures", "boot", "Pulumi.boot.yaml"),
    testOs,
  );
  for (const firmware of ["bios", "uefi"] as const) {
    const r = await bootSession(
      { stack, site: "lab-static", firmware, timeoutMs: 180_000 },
      async () => undefined,
    );
    if (!r.report.booted) throw new Error(`${firmware}: the test OS did not boot`);
    emit(`boot.${firmware}.stage2`, r.timings.stage2Request ?? NaN, "ms", { site: "lab-static" });
    emit(`boot.${firmware}.kernel`, r.timings.kernelMarker ?? NaN, "ms", { site: "lab-static" });
    emit(`boot.${firmware}.poweroff`, r.timings.exit ?? NaN, "ms", { site: "lab-static" });
  }
}

function download(url: string, range?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: range ? { Range: range } : {} }, (res) => {
        let n = 0;
        res.on("data", (c: Buffer) => (n += c.length));
        res.on("end", () => resolve(n));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

async function originThroughput(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-origin-"));
  const file = path.join(dir, "big.bin");
  const size = 100 * 1024 * 1024;
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  const fd = fs.openSync(file, "w");
  for (let i = 0; i < size / chunk.length; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  const sha256 = await sha256File(file);
  const object: OriginObject = {
    key: `artifacts/${sha256}/big.bin`,
    contentType: "application/octet-stream",
    cacheControl: CACHE_CONTROL.immutable,
    sha256,
    content: { kind: "artifact", name: "big.bin", source: file },
  };
  let t = performance.now();
  const server = await OriginServer.start({
    objects: [object],
    resolveArtifact: (_n, s) => s as string,
    logger: () => undefined,
  });
  emit("origin.start.verify100MB", performance.now() - t, "ms");
  try {
    const url = `${server.url}/${object.key}`;
    await download(url); // warm the page cache
    t = performance.now();
    const got = await download(url);
    const s = (performance.now() - t) / 1000;
    if (got !== size) throw new Error(`got ${got} bytes of ${size}`);
    emit("origin.throughput.100MB", size / 2 ** 20 / s, "MiB/s", { ms: Math.round(s * 1000) });
    const part = 4 * 1024 * 1024;
    t = performance.now();
    for (let off = 0; off < size; off += part) await download(url, `bytes=${off}-${off + part - 1}`);
    emit("origin.throughput.100MB.ranges4MiB", size / 2 ** 20 / ((performance.now() - t) / 1000), "MiB/s");
  } finally {
    await server.down();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  await originThroughput();
  await bootTimings();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
