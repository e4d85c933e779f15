// Where the builder keeps what it fetches and compiles: `.cache/` in the repo root (gitignored),
// or BOOT_STACK_CACHE. The one place this rule lives: local/, components/ and index.ts use it too.
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export function cacheDir(): string {
  return process.env.BOOT_STACK_CACHE
    ? path.resolve(process.env.BOOT_STACK_CACHE)
    : path.join(REPO_ROOT, ".cache");
}
