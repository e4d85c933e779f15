// What the providers do, for the engine model (engine.ts). Cloud providers are simulated: they
// return the outputs AWS would compute, deterministically (the same on every run and machine), so a
// later run sees the state an earlier one wrote. `command:local:Command` and `command:local:run` are
// real: their commands run as pulumi-command v1 runs them
// (provider/pkg/provider/local/command.go: `/bin/sh -c <command>` in `dir` or the provider's working
// directory, the inherited environment plus `environment`, stdout/stderr with the trailing newline
// trimmed, `stdin` written to its standard input, a non-zero exit fails the step; Update runs `update` or else `create`; Delete runs
// `delete` with the stored state; the previous stdout/stderr come in PULUMI_COMMAND_STDOUT/STDERR).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { Wire, WireMap } from "./properties";

export const ACCOUNT = "123456789012";
export const DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net";
export const COMMAND_TYPE = "command:local:Command";

/** Inputs whose change makes the provider replace the resource (ForceNew / replaceOnChanges). */
export const REPLACE_ON_CHANGES: Record<string, string[]> = {
  // terraform-provider-aws internal/service/s3/object.go: bucket and key are ForceNew.
  "aws:s3/bucketObjectv2:BucketObjectv2": ["bucket", "key"],
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
  "aws:acm/certificate:Certificate": ["domainName", "keyAlgorithm", "validationMethod"],
  // pulumi-command CommandArgs: `Triggers ... provider:"replaceOnChanges"`.
  [COMMAND_TYPE]: ["triggers"],
};

/** Outputs a cloud provider computes on create or update (plain values; the inputs are echoed too). */
export function cloudOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = `${name}-0a1b2c3`;
      return {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.eu-west-1.amazonaws.com`,
      };
    }
    case "aws:cloudfront/distribution:Distribution":
      return {
        arn: `arn:aws:cloudfront::${ACCOUNT}:distribution/E2EXAMPLE${name.length}`,
        domainName: DISTRIBUTION_DOMAIN,
      };
    case "aws:acm/certificate:Certificate":
      return {
        arn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${name}`,
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_a79865eb4cd1a6ab990a45779b4e0b96.${inputs.domainName}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws.",
          },
        ],
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { certificateArn: inputs.certificateArn };
    case "aws:s3/bucketObjectv2:BucketObjectv2": {
      // S3 answers with an ETag and a version id; both follow the content.
      const body = JSON.stringify(inputs.content ?? inputs.source?.hash ?? "");
      const digest = createHash("md5").update(body).digest("hex");
      return { etag: digest, versionId: `v-${digest.slice(0, 12)}` };
    }
    default:
      return {};
  }
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** A Command step failed: the engine reports the exit code and the command's stderr. */
export class CommandFailed extends Error {}

/** At most this many commands at once (the engine's parallelism, bounded by this machine's cores). */
const MAX_PARALLEL = Math.max(1, os.cpus().length);
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const trimNewline = (s: string) => s.replace(/\n$/, "");

/** Runs one shell command like pulumi-command's `run`. */
export function runShell(
  label: string,
  command: string,
  opts: { dir?: string; environment?: Record<string, string>; stdin?: string; previous?: CommandResult },
): Promise<CommandResult> {
  return slot(
    () =>
      new Promise((resolve, reject) => {
        const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.environment ?? {}) };
        if (opts.previous) {
          env.PULUMI_COMMAND_STDOUT = opts.previous.stdout;
          env.PULUMI_COMMAND_STDERR = opts.previous.stderr;
        }
        const child = spawn("/bin/sh", ["-c", command], {
          cwd: opts.dir ?? process.cwd(),
          env,
          stdio: [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"],
        });
        if (opts.stdin) child.stdin!.on("error", () => undefined).end(opts.stdin);
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
        child.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
        child.on("error", (e) => reject(new CommandFailed(`${label}: ${e.message}`)));
        child.on("close", (code) => {
          if (code === 0) resolve({ stdout: trimNewline(stdout), stderr: trimNewline(stderr) });
          else reject(new CommandFailed(`${label}: exit status ${code}: ${stderr.trim().split("\n").pop()}`));
        });
      }),
  );
}

const globRegex = (glob: string) =>
  new RegExp(
    `^${glob
      .split("**")
      .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
      .join(".*")}$`,
  );

/** `assetPaths`: files under `dir` matching the globs, as path assets with absolute paths (command.go globAssets). */
export function globAssets(dir: string, globs: string[]): Record<string, Wire> {
  const assets: Record<string, Wire> = {};
  const rules = globs.map((g) => ({ exclude: g.startsWith("!"), re: globRegex(g.replace(/^!/, "")) }));
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile())
        for (const rule of rules)
          if (rule.re.test(p)) {
            if (rule.exclude) delete assets[p];
            else {
              const abs = path.join(dir, p);
              const hash = createHash("sha256").update(fs.readFileSync(abs)).digest("hex");
              assets[p] = { [rpc.specialSigKey]: rpc.specialAssetSig, hash, path: abs };
            }
          }
    }
  };
  walk("");
  return assets;
}

/**
 * Benchmarks of large stacks may seed a first `up` without running N commands: the module named by
 * ENGINE_SEED_COMMANDS exports `seed(environment): CommandResult`, used instead of running `create`.
 * Never set by the tests; a bench says so when it seeds.
 */
const seeder = (): ((environment: Record<string, string>) => CommandResult) | undefined =>
  process.env.ENGINE_SEED_COMMANDS ? require(process.env.ENGINE_SEED_COMMANDS).seed : undefined;

/** Create or Update of a Command in `up`: runs the command, returns the outputs to store. */
export async function applyCommand(label: string, inputs: WireMap, previous?: WireMap): Promise<WireMap> {
  const plain = inputs as Record<string, any>;
  const command: string | undefined = previous ? (plain.update ?? plain.create) : plain.create;
  const outputs: WireMap = { ...inputs, stdout: "", stderr: "" };
  if (!command) return outputs;
  const seed = seeder();
  if (seed) return { ...outputs, ...seed(plain.environment ?? {}) };
  const result = await runShell(label, command, {
    dir: plain.dir,
    environment: plain.environment,
    stdin: plain.stdin,
    previous:
      previous && plain.addPreviousOutputInEnv !== false
        ? { stdout: String(previous.stdout ?? ""), stderr: String(previous.stderr ?? "") }
        : undefined,
  });
  outputs.stdout = result.stdout;
  outputs.stderr = result.stderr;
  const dir = plain.dir ?? process.cwd();
  if (Array.isArray(plain.assetPaths)) outputs.assets = globAssets(dir, plain.assetPaths);
  return outputs;
}

/** Delete of a Command in `up`: runs `delete` with the stored state. */
export async function deleteCommand(label: string, stored: WireMap): Promise<void> {
  const plain = stored as Record<string, any>;
  if (!plain.delete) return;
  await runShell(label, plain.delete, {
    dir: plain.dir,
    environment: plain.environment,
    stdin: plain.stdin,
    previous: { stdout: String(plain.stdout ?? ""), stderr: String(plain.stderr ?? "") },
  });
}
