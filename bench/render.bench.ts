// Rendering and validation at fleet scale: time and peak memory for 10, 1,000 and 10,000 sites.
import { performance } from "node:perf_hooks";
import { validateStackConfig } from "../config/validate";
import { originLayout } from "../origin/layout";
import { syntheticStack } from "./synthetic-sites";

function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, ...extra }));
}

// Warm up the JIT so the small sizes are not dominated by compilation.
originLayout(validateStackConfig(syntheticStack(50)), { baseUrl: "https://boot.example.com" });

for (const n of [10, 1_000, 10_000]) {
  const config = validateStackConfig(syntheticStack(n));
  const start = performance.now();
  const layout = originLayout(config, { baseUrl: "https://boot.example.com" });
  const ms = performance.now() - start;
  // maxRSS is the process's high-water mark so far: sizes run in increasing order.
  const peak = process.resourceUsage().maxRSS * 1024;
  const bytes = layout.reduce((sum, o) => sum + (o.size ?? 0), 0);
  emit(`render.sites.${n}`, ms, "ms", {
    objects: layout.length,
    bytes,
    perSiteUs: Math.round((ms * 1000) / n),
  });
  emit(`render.sites.${n}.peakRss`, peak / 2 ** 20, "MiB", {
    heapUsed: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  });
}

const raw = syntheticStack(10_000);
const start = performance.now();
validateStackConfig(raw);
emit("validate.sites.10000", performance.now() - start, "ms");
