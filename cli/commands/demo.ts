// `boot-stack demo`: the whole chain on this machine, no cloud account needed. Boots one site
// of the example stack in QEMU against the local origin and answers the prompts like an
// operator; exit code 0 only if the machine booted. See docs/boot-tests.md.
import * as path from "node:path";
import { Command } from "commander";
import { EXAMPLE_STACK_FILE, runDemo } from "../../local/demo";
import { installerSites, runInstallerDemo } from "../../local/demo-installer";
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
    .option(
      "--installer",
      "boot the real Debian 12 installer (Debian's netboot package, ~133 MB, fetched once) at the site with no DHCP, and show its own network screens or its request (several minutes under TCG)",
    )
    .action(async (opts: { site: string; uefi?: boolean; installer?: boolean }) => {
      const sites = exampleSiteNames();
      if (!sites.includes(opts.site))
        throw new UsageError(
          `--site ${JSON.stringify(opts.site)}: not a site of ${path.basename(EXAMPLE_STACK_FILE)} (sites: ${sites.join(", ")})`,
        );
      const out = (l: string) => process.stdout.write(`${l}\n`);
      if (opts.installer) return installerDemo(opts.site, Boolean(opts.uefi), out);
      out(
        `boot-stack demo: site ${opts.site}, ${opts.uefi ? "UEFI (OVMF)" : "BIOS"}, QEMU under TCG, local origin on 127.0.0.1`,
      );
      out(
        "note: the sites' real networks are replaced by QEMU's user network (10.0.2.0/24, gateway 10.0.2.2), and their artefacts by a tiny test OS.",
      );
      stopQemuOnSignals(out);
      const outcome = await runDemo({ site: opts.site, uefi: Boolean(opts.uefi), out });
      process.exitCode = outcome.booted ? EXIT.OK : EXIT.FAILURE;
    });
}

/** Ctrl-C: stop QEMU and its socats before leaving (the session's own cleanup cannot run). */
function stopQemuOnSignals(out: (l: string) => void): void {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      out(`${sig}: stopping QEMU`);
      void killAllRuns().finally(() => process.exit(130));
    });
  }
}

async function installerDemo(site: string, uefi: boolean, out: (l: string) => void): Promise<void> {
  // The installer's screens are read from the VGA text buffer, which only a BIOS boot keeps.
  if (uefi) throw new UsageError("--installer runs under BIOS only: leave out --uefi");
  const withInstaller = [...installerSites(EXAMPLE_STACK_FILE).keys()];
  if (!withInstaller.includes(site))
    throw new UsageError(
      `--installer --site ${site}: that site has no entry that installs Debian with its installer, or needs DHCP (sites to use: ${withInstaller.join(", ")})`,
    );
  out(
    `boot-stack demo --installer: site ${site}, BIOS, QEMU under TCG, no DHCP on the site's network, local origin on 127.0.0.1`,
  );
  stopQemuOnSignals(out);
  const outcome = await runInstallerDemo({ site, out });
  process.exitCode = outcome.ok ? EXIT.OK : EXIT.FAILURE;
}
