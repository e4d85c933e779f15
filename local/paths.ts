// Where local runs keep what they fetch and build: the builder's rule (ipxe/build/cache.ts),
// `.cache/` in the repo root or BOOT_STACK_CACHE, so the rig, the demo and the images agree.
export { REPO_ROOT, defaultCacheDir as cacheDir } from "../ipxe/build/cache";
