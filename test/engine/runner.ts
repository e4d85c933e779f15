// One `pulumi preview | up | refresh` of the program in the current directory (a clone), in a
// process of its own, as each pulumi invocation is: `tsx test/engine/runner.ts <request.json>`.
// Reads the state, runs the real index.ts under the engine model (engine.ts), writes the result and,
// for up, the new state. workspace.ts starts it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunResult, StateFile } from "./engine";
import { withoutAssetPaths } from "./properties";
import { COMMAND_TYPE } from "./providers";

export interface RunRequest {
  mode: "preview" | "up" | "refresh";
  project: string;
  stack: string;
  /** The stack's config as `pulumi.Config` sees it (`ns:key` → string), and which keys are secret. */
  config: Record<string, string>;
  secretKeys: string[];
  stateFile: string;
  resultFile: string;
}

const readState = (file: string): StateFile =>
  fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { resources: [] };

const writeJson = (file: string, value: unknown) =>
  fs.writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);

/** `pulumi refresh`: no program; each provider's Read. A Command's Read keeps its state, but the
 * paths of its `assets` are lost (pulumi-command#537). */
function refresh(state: StateFile): StateFile {
  return {
    resources: state.resources.map((r) =>
      r.type === COMMAND_TYPE && r.outputs.assets
        ? { ...r, outputs: { ...r.outputs, assets: withoutAssetPaths(r.outputs.assets) } }
        : r,
    ),
  };
}

async function main(): Promise<void> {
  // The SDK records a stack trace for every promise it creates; with source maps on (tsx turns
  // them on), mapping those dominated a 1,000-site run (profiled). The traces stay, unmapped.
  process.setSourceMapsEnabled(false);
  const req: RunRequest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const prior = readState(req.stateFile);
  if (req.mode === "refresh") {
    const state = refresh(prior);
    writeJson(req.stateFile, state);
    const steps = state.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, op: "same" }));
    writeJson(req.resultFile, { ok: true, steps, commands: [], order: {}, peakRssMiB: 0, cpuSeconds: 0 });
    return;
  }
  const { Engine } = await import("./engine");
  const engine = new Engine(req.mode, req.stack, req.project, prior, process.cwd());
  await engine.install();
  const pulumi = await import("@pulumi/pulumi");
  pulumi.runtime.setAllConfig(req.config, req.secretKeys);
  process.on("unhandledRejection", (e) => engine.fail(e));
  try {
    const mod = await import(path.resolve("index.ts"));
    const program = mod.default ?? mod;
    const stack = pulumi.runtime.runInPulumiStack(typeof program === "function" ? program : program.default);
    await Promise.race([stack, engine.failed]);
  } catch (e) {
    engine.fail(e);
  }
  const result: RunResult = await engine.finish();
  if (result.state) writeJson(req.stateFile, result.state);
  writeJson(req.resultFile, { ...result, state: undefined });
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`engine runner: ${(e as Error).stack ?? e}\n`);
    process.exit(2);
  },
);
