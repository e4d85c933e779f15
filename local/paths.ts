// Where local runs keep what they fetch and build: `.cache/` in the repo root (gitignored),
// or BOOT_STACK_CACHE when set (e.g. a shared cache for several clones).
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..");

export function cacheDir(): string {
  return process.env.BOOT_STACK_CACHE ? path.resolve(process.env.BOOT_STACK_CACHE) : path.join(REPO_ROOT, ".cache");
}
