// The CLI as a user meets it, in-process: main() with real files, and what it printed.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { main } from "../../cli/main";
import { RawStackConfig } from "../../config/validate";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest
    .spyOn(process.stdout, "write")
    .mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = jest
    .spyOn(process.stderr, "write")
    .mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  try {
    return { code: await main(args), stdout: out.join(""), stderr: err.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A line of a JavaScript stack trace ("    at fn (file.ts:12:3)"): never shown for a user's mistake. */
export const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$/m;

/** Writes a project folder (Pulumi.yaml + Pulumi.<stack>.yaml) holding `raw` as boot-stack config. */
export function writeProject(dir: string, raw: RawStackConfig, stack = "test"): string {
  const config = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`boot-stack:${k}`, v]));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: boot-stack\nruntime: nodejs\n");
  fs.writeFileSync(
    path.join(dir, `Pulumi.${stack}.yaml`),
    stringify({ config: { "aws:region": "eu-west-1", ...config } }),
  );
  return dir;
}
