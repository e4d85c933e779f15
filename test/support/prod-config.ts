// The example stack as raw config (what pulumi.Config would hand over), for tests to mutate.
import * as path from "node:path";
import { RawStackConfig } from "../../config/validate";
import { readRawStackConfig } from "../../config/stack-file";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
export const PROD_FILE = path.join(PROJECT_DIR, "Pulumi.prod.yaml");

/** A fresh deep copy each call, so tests can mutate freely. */
export function prodRaw(): RawStackConfig & { sites: any[]; origin: any; artifacts: any; ipxe: any } {
  return structuredClone(readRawStackConfig(PROD_FILE)) as any;
}
