// `boot-stack render --stack prod --out dir`: writes every script the origin would serve, so a
// pull request can show exactly what changes. Nothing is written unless the config is valid.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { originLayout } from "../../origin/layout";
import { CDN_DOMAIN_FLAG, loadStack, originRef } from "../project";
import { UsageError } from "../../errors/user-error";

export function registerRender(program: Command): void {
  program
    .command("render")
    .description("Write the origin layout (stage-1/stage-2 scripts, site index, manifest) to a folder.")
    .requiredOption("-s, --stack <name>", "stack name, e.g. prod")
    .requiredOption("-o, --out <dir>", "output folder (created, or replaced if it holds an earlier render)")
    .option("--base-url <url>", "origin URL the scripts point at (default: from origin.hostname/transport)")
    .option(...CDN_DOMAIN_FLAG)
    .option("--project-dir <dir>", "folder with Pulumi.yaml (default: nearest up from here)")
    .action(
      (opts: { stack: string; out: string; baseUrl?: string; cdnDomain?: string; projectDir?: string }) => {
        const stack = loadStack(opts.stack, opts.projectDir);
        const layout = originLayout(stack.config, originRef(stack, opts.baseUrl, opts.cdnDomain));
        const files = layout.flatMap((o) =>
          o.content.kind === "inline" ? [{ key: o.key, text: o.content.text }] : [],
        );
        writeTree(path.resolve(opts.out), files);
        const artefacts = layout.length - files.length;
        process.stdout.write(
          `rendered ${files.length} files to ${opts.out} (${artefacts} artefacts listed in manifest.json, not copied)\n`,
        );
      },
    );
}

/** Writes into a fresh sibling folder, then swaps it in: a failure leaves the old render intact. */
function writeTree(out: string, files: Array<{ key: string; text: string }>): void {
  if (fs.existsSync(out)) {
    const entries = fs.readdirSync(out);
    if (entries.length > 0 && !entries.includes("manifest.json")) {
      throw new UsageError(
        `--out ${out}: folder is not empty and holds no earlier render (no manifest.json); pick another folder`,
      );
    }
  }
  const staging = fs.mkdtempSync(`${out}.tmp-`);
  try {
    for (const f of files) {
      const dest = path.join(staging, f.key);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, f.text);
    }
    const old = fs.existsSync(out) ? `${staging}.old` : undefined;
    if (old) fs.renameSync(out, old);
    fs.renameSync(staging, out);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
