// Reads a Pulumi.<stack>.yaml the way `pulumi` would hand its values to the program, so the CLI
// validates exactly what `pulumi up` will see. `secure:` values stay opaque: nothing renders them.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { UsageError } from "../errors/user-error";
import { ConfigError } from "./errors";
import { CONFIG_KEYS, isPlainObject, RawStackConfig, validateStackConfig } from "./validate";
import { StackConfig } from "./schema";

export const NAMESPACE = "boot-stack";

export function stackFilePath(projectDir: string, stack: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(stack))
    throw new UsageError(
      `--stack ${JSON.stringify(stack)}: may hold only letters, digits, . _ - (e.g. prod)`,
    );
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

export function readRawStackConfig(file: string): RawStackConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, [
      {
        path: "file",
        message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); create it or pass another --stack`,
      },
    ]);
  }
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError(file, [
      { path: "yaml", message: `is not valid YAML: ${(e as Error).message.split("\n")[0]}` },
    ]);
  }
  const config = isPlainObject(doc) ? doc.config : undefined;
  if (!isPlainObject(config)) {
    throw new ConfigError(file, [
      {
        path: "config",
        message: "is missing: a stack file holds its settings under a top-level config: map",
      },
    ]);
  }
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue; // other namespaces (aws:, cloudflare:) are not ours
    const short = key.slice(NAMESPACE.length + 1);
    if ((CONFIG_KEYS as readonly string[]).includes(short)) raw[short] = value;
    else unknown.push(key);
  }
  if (unknown.length) {
    throw new ConfigError(
      file,
      unknown.map((k) => ({
        path: k,
        message: `is not a boot-stack config key (known: ${CONFIG_KEYS.map((c) => `${NAMESPACE}:${c}`).join(", ")})`,
      })),
    );
  }
  return raw;
}

export function loadStackFile(file: string): StackConfig {
  return validateStackConfig(readRawStackConfig(file), file);
}
