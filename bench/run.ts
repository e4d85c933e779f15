// `npm run bench`: runs every bench/*.bench.ts in its own process (so peak memory is its own)
// and passes their JSON lines through. Numbers, not pass/fail: compare them across commits.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const only = process.argv.slice(2);
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const file of files) {
  const tsx = path.join(__dirname, "..", "node_modules", ".bin", "tsx");
  const run = spawnSync(tsx, [path.join(__dirname, file)], { stdio: ["ignore", "inherit", "inherit"] });
  if (run.status !== 0) {
    failed++;
    console.log(JSON.stringify({ bench: file, error: `exited ${run.status ?? run.signal}` }));
  }
}
process.exit(failed ? 1 : 0);
