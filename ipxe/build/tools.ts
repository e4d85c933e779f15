// Running the external tools the builder needs, with a bounded time and a one-line error that
// names the Debian package when a tool is missing.
import { spawn } from "node:child_process";
import { ImageBuildError } from "./errors";

/** Tool → the Debian package that ships it (what to `apt-get install`). */
export const TOOL_PACKAGES: Record<string, string> = {
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
};

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Bytes fed to stdin. */
  input?: Buffer;
  /** Keep stdout as bytes (default: only the last 64 KiB are kept, as text). */
  binaryStdout?: boolean;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

const TAIL = 64 * 1024;

/** Runs `tool args` and resolves with its output; rejects with ImageBuildError when the tool is missing or times out. Non-zero exit codes resolve (callers decide). */
export function run(tool: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"],
      detached: true, // own process group, so a timeout kills make's children too
    });
    const out: Buffer[] = [];
    let outLen = 0;
    let err = "";
    child.stdout!.on("data", (c: Buffer) => {
      out.push(c);
      outLen += c.length;
      if (!opts.binaryStdout) while (outLen > TAIL && out.length > 1) outLen -= out.shift()!.length;
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
      else reject(new ImageBuildError(`${tool} could not be started: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (timedOut)
        reject(
          new ImageBuildError(
            `${tool} ${args[0] ?? ""} did not finish within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s and was stopped`,
          ),
        );
      else resolve({ stdout: Buffer.concat(out), stderr: err, code: code ?? 1 });
    });
    if (opts.input) child.stdin!.end(opts.input);
  });
}

/** Like run(), but a non-zero exit is an error quoting the tool's last stderr line. */
export async function runOk(tool: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(tool, args, opts);
  if (r.code !== 0)
    throw new ImageBuildError(
      `${tool} ${args[0] ?? ""} failed (exit ${r.code}): ${lastLine(r.stderr) || lastLine(r.stdout.toString("utf8"))}`,
    );
  return r;
}

export function missingTool(tool: string): ImageBuildError {
  const pkg = TOOL_PACKAGES[tool];
  return new ImageBuildError(
    `${tool} is not installed: install it with \`apt-get install ${pkg ?? tool}\` (or run scripts/setup.sh)`,
  );
}

export const lastLine = (text: string): string =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? "";
