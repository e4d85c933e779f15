// Running host tools (the builder's and the local rig's), with a bounded time and a one-line
// error that names the Debian package when a tool is missing. The one process runner and the
// one "is it installed" check of the project: local/ uses them too.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../errors/user-error";

/** A host tool is missing, failed, or did not finish in time. */
export class ToolError extends UserError {
  constructor(message: string) {
    super(message, "TOOL");
  }
}

/** Tool → the Debian package that ships it (what to `apt-get install`; scripts/setup.sh installs them). */
export const TOOL_PACKAGES: Record<string, string> = {
  "qemu-system-x86_64": "qemu-system-x86",
  socat: "socat",
  cpio: "cpio",
  xorriso: "xorriso",
  mformat: "mtools",
  mcopy: "mtools",
  mmd: "mtools",
  syslinux: "syslinux",
  "apt-get": "apt",
  "dpkg-deb": "dpkg",
  xz: "xz-utils",
  make: "make",
  gcc: "gcc",
  perl: "perl",
  openssl: "openssl",
  git: "git",
  cp: "coreutils",
  sbsign: "sbsigntool",
  sbverify: "sbsigntool",
  sbattach: "sbsigntool",
  faketime: "faketime",
};

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: Buffer;
  /** Keep all of stdout (default: only its last 64 KiB). */
  wholeStdout?: boolean;
  /** Bytes fed through a pipe on file descriptor 3, which the tool reads as /dev/fd/3: a private
   * key reaches the tool this way without ever being written to a file. */
  secretFd3?: Buffer;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

const TAIL = 64 * 1024;

// Node hands a child its extra stdio as a socket, which cannot be opened as /dev/fd/3 (ENXIO);
// this shell pipeline turns it into a real pipe for the tool (fd 0 stays the caller's input).
const FD3_AS_PIPE = 'exec 4<&0; cat <&3 3<&- | "$0" "$@" 3<&0 0<&4 4<&-';

/** Runs `tool args` and resolves with its output; rejects with ToolError when the tool is missing or times out. Non-zero exit codes resolve (callers decide). */
export function run(tool: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = opts.secretFd3 ? ["sh", ["-c", FD3_AS_PIPE, tool, ...args]] : [tool, args];
    const child = spawn(cmd, argv, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe", ...(opts.secretFd3 ? ["pipe" as const] : [])],
      detached: true, // own process group, so a timeout kills make's children too
    });
    const out: Buffer[] = [];
    let outLen = 0;
    let err = "";
    child.stdout!.on("data", (c: Buffer) => {
      out.push(c);
      outLen += c.length;
      if (!opts.wholeStdout) while (outLen > TAIL && out.length > 1) outLen -= out.shift()!.length;
    });
    child.stderr!.on("data", (c: Buffer) => {
      err = (err + c.toString("utf8")).slice(-TAIL);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs ?? 120_000);
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ENOENT") reject(missingTool(tool));
      else reject(new ToolError(`${tool} could not be started: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (timedOut)
        reject(
          new ToolError(
            `${tool} ${args[0] ?? ""} did not finish within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s and was stopped`,
          ),
        );
      else if (opts.secretFd3 && code === 127 && /not found/.test(err)) reject(missingTool(tool));
      else resolve({ stdout: Buffer.concat(out), stderr: err, code: code ?? 1 });
    });
    // A tool that exits without reading its input closes the pipe: that is its error to report.
    if (opts.input) child.stdin!.on("error", () => undefined).end(opts.input);
    if (opts.secretFd3) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream;
      fd3.on("error", () => undefined);
      fd3.end(opts.secretFd3);
    }
  });
}

/** Like run(), but a non-zero exit is an error quoting the tool's last stderr line. */
export async function runOk(tool: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(tool, args, opts);
  if (r.code !== 0)
    throw new ToolError(
      `${tool} ${args[0] ?? ""} failed (exit ${r.code}): ${lastLine(r.stderr) || lastLine(r.stdout.toString("utf8"))}`,
    );
  return r;
}

function missingTool(tool: string): ToolError {
  return new ToolError(
    `${tool} is not installed: install it with \`apt-get install ${TOOL_PACKAGES[tool] ?? tool}\` (or run scripts/setup.sh)`,
  );
}

/** True if `tool` is an executable file on PATH (what spawn would find). */
export function hasTool(tool: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir || ".", tool), fs.constants.X_OK);
      return fs.statSync(path.join(dir || ".", tool)).isFile();
    } catch {
      return false;
    }
  });
}

export const lastLine = (text: string): string =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? "";
