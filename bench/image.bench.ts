// Site images: prebuilt per-site time and 100 sites; with an iPXE source tree
// (BOOT_STACK_IPXE_SRC), compile mode's full build, per-site re-link, and the generic binary
// (compiled once, per-site packaging only) for comparison.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { validateStackConfig } from "../config/validate";
import { buildSiteImage } from "../ipxe/build";
import { debian13IpxeDir } from "../ipxe/build/debian13";
import { originRefFor } from "../ipxe/render/origin-ref";
import { renderStage1 } from "../ipxe/render/stage1";
import { cacheDir } from "../ipxe/build/cache";
import { syntheticStack } from "./synthetic-sites";

function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, ...extra }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const config = validateStackConfig(syntheticStack(100));
  const origin = originRefFor(config.origin);
  const sites = config.sites.map((s) => ({ name: s.name, stage1: renderStage1(s, origin) }));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bs-bench-image-"));
  try {
    await debian13IpxeDir(cacheDir()); // the one-off fetch is not part of a site's cost

    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await buildSiteImage({ site: sites[0].name, stage1: sites[0].stage1, outDir: path.join(out, "one") });
      times.push(performance.now() - t);
    }
    emit("iso.prebuilt.site", median(times), "ms", {
      runs: times.length,
      min: Math.round(Math.min(...times)),
    });

    const t100 = performance.now();
    for (const s of sites)
      await buildSiteImage({ site: s.name, stage1: s.stage1, outDir: path.join(out, "all") });
    const ms = performance.now() - t100;
    emit("iso.prebuilt.sites.100", ms / 1000, "s", { perSiteMs: Math.round(ms / sites.length) });

    const src = process.env.BOOT_STACK_IPXE_SRC;
    if (!src) {
      console.log(
        JSON.stringify({
          bench: "iso.compile",
          skipped: "set BOOT_STACK_IPXE_SRC to an iPXE source tree to measure the compile mode",
        }),
      );
      return;
    }
    // A private cache, so the full build is really measured (and the shared cache is left alone).
    const cache = path.join(out, "cache");
    const compile = (i: number, embed: boolean) =>
      buildSiteImage({
        site: sites[i].name,
        stage1: sites[i].stage1,
        mode: "compile",
        embed,
        sourceDir: src,
        cacheDir: cache,
        outDir: path.join(out, embed ? "embedded" : "generic"),
      });
    let t = performance.now();
    const full = await compile(0, true);
    emit("iso.compile.full", (performance.now() - t) / 1000, "s", {
      makeSeconds: full.compile?.makeSeconds,
      cpus: os.cpus().length,
    });
    const relinks: number[] = [];
    for (let i = 1; i <= 3; i++) {
      t = performance.now();
      await compile(i, true);
      relinks.push(performance.now() - t);
    }
    emit("iso.compile.relink.site", median(relinks) / 1000, "s", { runs: relinks.length });
    t = performance.now();
    await compile(0, false);
    emit("iso.compile.generic.build", (performance.now() - t) / 1000, "s", {
      note: "once per stack, after the full build",
    });
    const generic: number[] = [];
    for (let i = 1; i <= 5; i++) {
      t = performance.now();
      await compile(i, false);
      generic.push(performance.now() - t);
    }
    emit("iso.compile.generic.site", median(generic), "ms", { runs: generic.length });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
