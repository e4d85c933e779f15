// Host tools for local runs, as text: the project's one runner (ipxe/build/tools.ts) with a
// non-zero exit turned into a ToolError quoting the tool's last line.
import { runOk, RunOptions } from "../ipxe/build/tools";

export interface ToolResult {
  stdout: string;
  stderr: string;
}

export async function runTool(
  cmd: string,
  args: string[],
  opts: Pick<RunOptions, "cwd" | "env" | "timeoutMs"> = {},
): Promise<ToolResult> {
  const r = await runOk(cmd, args, { ...opts, wholeStdout: true });
  return { stdout: r.stdout.toString("utf8"), stderr: r.stderr };
}
