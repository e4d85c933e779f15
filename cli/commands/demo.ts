// `boot-stack demo`: the whole chain on this machine, no cloud account needed. Boots one site
// of the example stack in QEMU against the local origin and answers the prompts like an
// operator; exit code 0 only if the machine booted. See docs/boot-tests.md.
import * as path from "node:path";
import { Command } from "commander";
import { EXAMPLE_STACK_FILE, runDemo } from "../../local/demo";
import { killAllRuns } from "../../local/qemu/rig";
import { EXIT, UsageError } from "../../errors/user-error";
import { loadStackFile } from "../../config/stack-file";

/** The example stack's site names, after validating it: a broken example fails here, before QEMU. */
function exampleSiteNames(): string[] {
  return loadStackFile(EXAMPLE_STACK_FILE).sites.map((s) => s.name);
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Boot a site of the example stack in QEMU against the local origin, typing like an operator (exit 0 = it booted).",
    )
    .option(
      "--site <name>",
      "site of Pulumi.prod.yaml to boot: ams1 (prompt), fra-lab (dhcp), nyc2 (static, fixed MACs), sgp1 (dhcp-then-prompt)",
      "ams1",
    )
    .option("--uefi", "boot with UEFI firmware (OVMF) instead of BIOS")
    .action(async (opts: { site: string; uefi?: boolean }) => {
      const sites = exampleSiteNames();
      if (!sites.includes(opts.site))
        throw new UsageError(
          `--site ${JSON.stringify(opts.site)}: not a site of ${path.basename(EXAMPLE_STACK_FILE)} (sites: ${sites.join(", ")})`,
        );
      const out = (l: string) => process.stdout.write(`${l}\n`);
      out(
        `boot-stack demo: site ${opts.site}, ${opts.uefi ? "UEFI (OVMF)" : "BIOS"}, QEMU under TCG, local origin on 127.0.0.1`,
      );
      out(
        "note: the sites' real networks are replaced by QEMU's user network (10.0.2.0/24, gateway 10.0.2.2), and their artefacts by a tiny test OS.",
      );
      // Ctrl-C: stop QEMU and its socats before leaving (the session's own cleanup cannot run).
      for (const sig of ["SIGINT", "SIGTERM"] as const) {
        process.once(sig, () => {
          out(`${sig}: stopping QEMU`);
          void killAllRuns().finally(() => process.exit(130));
        });
      }
      const outcome = await runDemo({ site: opts.site, uefi: Boolean(opts.uefi), out });
      process.exitCode = outcome.booted ? EXIT.OK : EXIT.FAILURE;
    });
}
