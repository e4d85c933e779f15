// Day 2 at fleet scale, under the engine model of test/engine (harness time; cloud providers are
// simulated, image commands and uploads to a local S3 API are real): 1,000 synthetic sites.
// Prebuilt: a no-change preview on a fresh clone with empty caches, the same again warm, and a
// one-site change (how many images it rebuilds). Compile mode with the stage-1 embedded (needs
// BOOT_STACK_IPXE_SRC): an up on a fresh runner rebuilds none of the published images, and a
// one-site change on a fresh runner costs one iPXE build plus one re-link.
// The first up of each stack is seeded (bench/seed-image-commands.ts: no image is built), unless
// BENCH_REAL_FIRST_UP=1, which runs the 1,000 prebuilt image commands for real and times it.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { RawStackConfig } from "../config/validate";
import { debian13IpxeDir, cacheDir } from "../ipxe/build";
import type { RunResult } from "../test/engine/engine";
import { diffOf, makeClone, pulumiRun } from "../test/engine/workspace";
import { startLocalS3 } from "../test/support/local-s3";
import { syntheticStack } from "./synthetic-sites";

const SITES = Number(process.env.BENCH_SITES ?? 1000);
const BUCKET = "origin-bucket-0a1b2c3";
const SEED = path.join(__dirname, "seed-image-commands.ts");

function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, ...extra }));
}

/** The synthetic stack with real artefact files in the clone (the resolver checks their sha256). */
function writeStack(
  clone: string,
  stack: string,
  ipxe: Record<string, unknown>,
  edit?: (c: RawStackConfig) => void,
) {
  const config = syntheticStack(SITES);
  fs.mkdirSync(path.join(clone, "bench-artifacts"), { recursive: true });
  for (const [name, a] of Object.entries(
    config.artifacts as Record<string, { source: string; sha256: string }>,
  )) {
    const file = path.join("bench-artifacts", name);
    fs.writeFileSync(path.join(clone, file), `bench artefact ${name}\n`);
    a.source = file;
    a.sha256 = createHash("sha256")
      .update(fs.readFileSync(path.join(clone, file)))
      .digest("hex");
  }
  edit?.(config);
  const doc = {
    config: {
      "aws:region": "eu-west-1",
      "cloudflare:apiToken": { secure: "bench" },
      "boot-stack:origin": config.origin,
      "boot-stack:ipxe": ipxe,
      "boot-stack:artifacts": config.artifacts,
      "boot-stack:sites": config.sites,
    },
  };
  fs.writeFileSync(path.join(clone, `Pulumi.${stack}.yaml`), stringify(doc));
}

const gatewayChange = (c: RawStackConfig) => {
  const site = (c.sites as any[]).find((s) => s.network.mode === "static");
  site.network.gateway = site.network.gateway.replace(/\.1$/, ".254");
};

const imageCommands = (r: RunResult, action: "create" | "delete") =>
  r.commands.filter((c) => c.action === action && c.name.startsWith("iso-")).length;

function report(name: string, r: RunResult & { seconds: number }, goal?: number): void {
  if (r.error) throw new Error(`${name}: ${r.error.split("\n")[0]}`);
  const d = diffOf(r);
  emit(name, r.seconds, "s", {
    ...(goal ? { goal } : {}),
    resources: r.steps.filter((s) => s.op !== "delete").length,
    changes: d.create.length + d.update.length + d.replace.length + d.delete.length,
    imagesBuilt: imageCommands(r, "create"),
    peakRssMiB: r.peakRssMiB,
    cpuSeconds: r.cpuSeconds,
    loadAverage: Math.round(os.loadavg()[0] * 10) / 10,
  });
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-bench-day2-"));
  const s3 = await startLocalS3([BUCKET]);
  const packageDir = path.resolve(await debian13IpxeDir(cacheDir()), "..", "..", "..", "..");
  /** A fresh runner: a new checkout and an empty cache. */
  const runner = (
    name: string,
    stack: string,
    ipxe: Record<string, unknown>,
    edit?: (c: RawStackConfig) => void,
  ) => {
    const clone = makeClone(path.join(root, name, "boot-stack"));
    writeStack(clone, stack, ipxe, edit);
    const cache = path.join(root, name, "cache");
    fs.mkdirSync(cache, { recursive: true });
    return { clone, cache };
  };
  /** For a prebuilt up: the cache holds the iPXE package, as a CI cache step restores it. */
  const withIpxePackage = (where: { clone: string; cache: string }) => {
    const dest = path.join(where.cache, path.relative(cacheDir(), packageDir));
    fs.cpSync(packageDir, dest, { recursive: true });
    return where;
  };
  const run = (
    where: { clone: string; cache: string },
    mode: "preview" | "up",
    stack: string,
    extra: Record<string, string> = {},
  ) =>
    pulumiRun(where.clone, mode, {
      stack,
      stateFile: path.join(root, `${stack}.state.json`),
      env: { ...s3.env, BOOT_STACK_CACHE: where.cache, ...extra },
    });
  try {
    const prebuilt = { mode: "prebuilt", platforms: ["bios", "uefi"] };
    const seeded = process.env.BENCH_REAL_FIRST_UP !== "1";
    const first = await run(
      runner("first", "bench", prebuilt),
      "up",
      "bench",
      seeded ? { ENGINE_SEED_COMMANDS: SEED } : {},
    );
    report(`day2.prebuilt.${SITES}.firstUp${seeded ? ".seeded" : ""}`, first);
    const stateSize = fs.statSync(path.join(root, "bench.state.json")).size;
    emit(`day2.prebuilt.${SITES}.state`, stateSize / 2 ** 20, "MiB");

    const fresh = runner("fresh", "bench", prebuilt);
    report(`day2.prebuilt.${SITES}.preview.freshClone`, await run(fresh, "preview", "bench"), 300);
    report(`day2.prebuilt.${SITES}.preview.warm`, await run(fresh, "preview", "bench"), 60);
    const change = await run(
      withIpxePackage(runner("change", "bench", prebuilt, gatewayChange)),
      "up",
      "bench",
    );
    report(`day2.prebuilt.${SITES}.oneSiteChange.up`, change);
    emit(`day2.prebuilt.${SITES}.oneSiteChange.imagesRebuilt`, imageCommands(change, "create"), "images", {
      goal: 1,
    });

    const src = process.env.BOOT_STACK_IPXE_SRC;
    if (!src) {
      console.log(
        JSON.stringify({ bench: "day2.compile", skipped: "set BOOT_STACK_IPXE_SRC to an iPXE source tree" }),
      );
      return;
    }
    const compile = { mode: "compile", platforms: ["bios", "uefi"], embed: true };
    report(
      `day2.compile.${SITES}.firstUp.seeded`,
      await run(runner("c-first", "benchc", compile), "up", "benchc", { ENGINE_SEED_COMMANDS: SEED }),
    );
    const env = { BOOT_STACK_IPXE_SRC: src };
    report(
      `day2.compile.${SITES}.freshRunner.up`,
      await run(runner("c-fresh", "benchc", compile), "up", "benchc", env),
      600,
    );
    report(
      `day2.compile.${SITES}.oneSiteChange.freshRunner.up`,
      await run(runner("c-change", "benchc", compile, gatewayChange), "up", "benchc", env),
      600,
    );
  } finally {
    await s3.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
