// Clones and pulumi runs for the engine model: a clone is a copy of the repository's tracked files
// (`git ls-files`) at a path of the test's choosing, with node_modules linked in as `npm ci` would
// provide them; each run is a fresh process (runner.ts) in the clone with its own environment, as
// each `pulumi` invocation on a CI runner or a laptop is. The state file plays the state backend.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { Op, RunResult, StateFile, Step } from "./engine";
import type { RunRequest } from "./runner";

export const REPO = path.resolve(__dirname, "..", "..");
const PROJECT = "boot-stack";

/** A fresh copy of the tracked files at `dest` (anything there before is removed). */
export function makeClone(dest: string): string {
  fs.rmSync(dest, { recursive: true, force: true });
  const ls = spawnSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" });
  if (ls.status !== 0) throw new Error(`git ls-files failed: ${ls.stderr}`);
  for (const file of ls.stdout.split("\0").filter(Boolean)) {
    const from = path.join(REPO, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, file));
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dest, "node_modules"));
  return dest;
}

/** `Pulumi.<stack>.yaml` as pulumi.Config sees it: objects as JSON, `secure:` values as secrets. */
export function stackConfig(stackFile: string): { config: Record<string, string>; secretKeys: string[] } {
  const doc = parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value && typeof value === "object" && "secure" in value) {
      config[key] = "engine-test-secret-value"; // the engine would decrypt it
      secretKeys.push(key);
    } else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secretKeys };
}

export interface RunOptions {
  stack: string;
  /** The state backend (a JSON file shared by every clone). */
  stateFile: string;
  /** Environment of this invocation on top of the test's (e.g. BOOT_STACK_CACHE, AWS_*). */
  env?: Record<string, string | undefined>;
}

/** Runs `pulumi <mode>` in a clone and returns the engine model's result. */
export function pulumiRun(
  clone: string,
  mode: RunRequest["mode"],
  opts: RunOptions,
): Promise<RunResult & { seconds: number; log: string }> {
  const resultFile = path.join(path.dirname(opts.stateFile), `result-${process.pid}-${Date.now()}.json`);
  const request: RunRequest = {
    mode,
    project: PROJECT,
    stack: opts.stack,
    ...stackConfig(path.join(clone, `Pulumi.${opts.stack}.yaml`)),
    stateFile: opts.stateFile,
    resultFile,
  };
  const requestFile = `${resultFile}.request`;
  fs.writeFileSync(requestFile, JSON.stringify(request));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // The engine model is the test's, the program the clone's (one @pulumi/pulumi: the clone's
    // node_modules is a link to the same folder).
    const child = spawn(
      path.join(REPO, "node_modules", ".bin", "tsx"),
      [path.join(REPO, "test", "engine", "runner.ts"), requestFile],
      { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout.on("data", (c: Buffer) => (log += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (log += c.toString("utf8")));
    child.on("close", (code) => {
      try {
        // A failed program can leave promises pending, and the Pulumi SDK then sets exit code 1 on
        // its way out: the result file, once written, is what counts.
        if (!fs.existsSync(resultFile)) throw new Error(`engine runner exited ${code}:\n${log}`);
        const result = JSON.parse(fs.readFileSync(resultFile, "utf8")) as RunResult;
        resolve({ ...result, seconds: (Date.now() - started) / 1000, log });
      } catch (e) {
        reject(e);
      } finally {
        fs.rmSync(resultFile, { force: true });
        fs.rmSync(requestFile, { force: true });
      }
    });
  });
}

export const readState = (file: string): StateFile => JSON.parse(fs.readFileSync(file, "utf8"));

/** A run's steps by operation, each as `<type>::<name>`, sorted; `same` as a count. */
export function diffOf(result: { steps: Step[] }): Record<Exclude<Op, "same">, string[]> & { same: number } {
  const by = (op: Op) =>
    result.steps
      .filter((s) => s.op === op)
      .map((s) => `${s.type}::${s.name}`)
      .sort();
  return {
    create: by("create"),
    update: by("update"),
    replace: by("replace"),
    delete: by("delete"),
    same: by("same").length,
  };
}
