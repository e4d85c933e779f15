// Runs a helper tool with a bounded time; errors name the tool, its exit and its last stderr line.
import { execFile } from "node:child_process";

export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

export function runTool(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (e.code === "ENOENT")
          return reject(new ToolError(`${cmd} is not installed (run scripts/setup.sh)`));
        if (e.killed)
          return reject(
            new ToolError(`${cmd} ${args.join(" ")} did not finish within ${timeoutMs / 1000} s`),
          );
        const last =
          String(stderr || stdout)
            .trim()
            .split("\n")
            .pop() ?? "";
        reject(new ToolError(`${cmd} ${args.slice(0, 3).join(" ")} failed (exit ${e.code}): ${last}`));
      },
    );
  });
}

/** True if `cmd` is on PATH. */
export async function hasTool(cmd: string): Promise<boolean> {
  try {
    await runTool("sh", ["-c", 'command -v "$1"', "sh", cmd], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}
