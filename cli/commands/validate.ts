// `boot-stack validate --stack prod`: the check a pull request runs before `pulumi preview`.
import * as path from "node:path";
import { Command } from "commander";
import { defaultArtifactStore, resolveArtifacts } from "../../origin/artifacts";
import { EXIT } from "../../errors/user-error";
import { loadStack } from "../project";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description(
      `Check a stack's config (Pulumi.<stack>.yaml): exit ${EXIT.OK}, or exit ${EXIT.CONFIG} listing every problem (${EXIT.ARTIFACT}: an artefact).`,
    )
    .requiredOption("-s, --stack <name>", "stack name, e.g. prod")
    .option("--project-dir <dir>", "folder with Pulumi.yaml (default: nearest up from here)")
    .option(
      "--check-artifacts",
      "also fetch every artefact (URL, Debian package) into the cache and verify its sha256",
    )
    .action(async (opts: { stack: string; projectDir?: string; checkArtifacts?: boolean }) => {
      const stack = loadStack(opts.stack, opts.projectDir);
      const { sites, artifacts } = stack.config;
      if (opts.checkArtifacts) await resolveArtifacts(artifacts, defaultArtifactStore(stack.dir));
      process.stdout.write(
        `ok: ${path.relative(process.cwd(), stack.file) || stack.file}: ${sites.length} site${sites.length === 1 ? "" : "s"} ` +
          `(${sites.map((s) => `${s.name}:${s.network.mode}`).join(", ")}), ${Object.keys(artifacts).length} artefacts` +
          `${opts.checkArtifacts ? " (hashes verified)" : ""}\n`,
      );
    });
}
