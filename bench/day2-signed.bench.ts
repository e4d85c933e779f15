// Day 2 of a signing stack (ipxe.codeSigning) at 1,000 synthetic sites, under the engine model of
// test/engine (compile mode, stage-1 embedded; images are never built: the first up is seeded by
// bench/seed-image-commands.ts, which stands in for the image and signature commands alike, and
// nothing later changes a stage-1). Every later run is a fresh process in a fresh clone with an
// empty cache, as on a CI runner:
//   preview without the key (what the pull-request job can do), preview with the key,
//   one site's menu changed: up with the key (its signature command really runs, against s3rver).
// Run on an older commit (copy this file and the seed module there), it gives the "before" figures.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { createHash } from "node:crypto";
import { makeCodeSigningPki } from "../local/code-signing-pki";
import { diffOf, makeClone, pulumiRun } from "../test/engine/workspace";
import { startLocalS3 } from "../test/support/local-s3";
import { syntheticStack } from "./synthetic-sites";

const SITES = Number(process.env.BENCH_SITES ?? 1000);
const BUCKET = "origin-bucket-0a1b2c3";
const SEED = path.join(__dirname, "seed-image-commands.ts");
const KEY_ENV = "BENCH_SIGNING_KEY";

function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, ...extra }));
}

/** Bytes of the image commands in the state (JSON, compact). */
const imageBytes = (state: { resources: { type: string; name: string }[] }) =>
  state.resources
    .filter((r) => r.type === "command:local:Command" && r.name.startsWith("iso-"))
    .reduce((n, r) => n + JSON.stringify(r).length, 0);

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-bench-day2s-"));
  const s3 = await startLocalS3([BUCKET]);
  const pki = await makeCodeSigningPki(path.join(root, "pki"));
  const key = fs.readFileSync(pki.signer.key, "utf8");
  const ipxe = {
    mode: "compile",
    platforms: ["bios", "uefi"],
    embed: true,
    codeSigning: { trust: [pki.ca.cert], certFile: pki.signer.cert, keyEnv: KEY_ENV },
  };
  let menuLabel = "Install";
  const runner = (name: string) => {
    const clone = makeClone(path.join(root, name, "boot-stack"));
    const config = syntheticStack(SITES);
    fs.mkdirSync(path.join(clone, "bench-artifacts"), { recursive: true });
    for (const [n, a] of Object.entries(
      config.artifacts as Record<string, { source: string; sha256: string }>,
    )) {
      a.source = path.join("bench-artifacts", n);
      fs.writeFileSync(path.join(clone, a.source), `bench artefact ${n}\n`);
      a.sha256 = createHash("sha256")
        .update(fs.readFileSync(path.join(clone, a.source)))
        .digest("hex");
    }
    (config.sites as any[])[0].menu.entries[0].label = menuLabel;
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
    fs.writeFileSync(path.join(clone, "Pulumi.bench.yaml"), stringify(doc));
    const cache = path.join(root, name, "cache");
    fs.mkdirSync(cache, { recursive: true });
    return { clone, cache };
  };
  const run = async (
    name: string,
    mode: "preview" | "up",
    withKey: boolean,
    extra: Record<string, string> = {},
  ) => {
    const where = runner(name);
    const r = await pulumiRun(where.clone, mode, {
      stack: "bench",
      stateFile: path.join(root, "state.json"),
      env: { ...s3.env, BOOT_STACK_CACHE: where.cache, [KEY_ENV]: withKey ? key : undefined, ...extra },
    });
    const d = diffOf(r);
    emit(`day2.signed.${SITES}.${name}`, r.seconds, "s", {
      ...(r.error ? { error: r.error.split("\n")[0] } : {}),
      changes: d.create.length + d.update.length + d.replace.length + d.delete.length,
      resources: r.steps.filter((s) => s.op !== "delete").length,
      commandsRun: r.commands.filter((c) => c.action !== "run").length,
      cpuSeconds: r.cpuSeconds,
      loadAverage: Math.round(os.loadavg()[0] * 10) / 10,
    });
    return r;
  };
  try {
    const first = await run("firstUp.seeded", "up", true, { ENGINE_SEED_COMMANDS: SEED });
    if (first.error) throw new Error(first.error);
    const state = JSON.parse(fs.readFileSync(path.join(root, "state.json"), "utf8"));
    const bytesOf = (type: string) =>
      state.resources
        .filter((r: { type: string }) => r.type.endsWith(type))
        .reduce((n: number, r: unknown) => n + JSON.stringify(r).length, 0);
    emit(`day2.signed.${SITES}.state`, fs.statSync(path.join(root, "state.json")).size / 2 ** 20, "MiB", {
      signatureCommandsKiB: Math.round((bytesOf("command:local:Command") - imageBytes(state)) / 2 ** 10),
      imageCommandsKiB: Math.round(imageBytes(state) / 2 ** 10),
      bucketObjectsKiB: Math.round(bytesOf("BucketObjectv2") / 2 ** 10),
    });
    await run("preview.freshRunner.noKey", "preview", false);
    await run("preview.freshRunner.withKey", "preview", true);
    menuLabel = "Install (changed)";
    await run("oneMenuChange.up.freshRunner", "up", true);
  } finally {
    await s3.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
