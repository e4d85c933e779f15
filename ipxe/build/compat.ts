// Refusing combinations that cannot work, before anything is written: an HTTPS origin with an
// iPXE that has no HTTPS, a UEFI image whose iPXE ignores autoexec.ipxe, a stage-1 that uses a
// command the binary lacks. Pure: takes probes, returns the problems.
import { BinaryProbe, COMMANDS_OF_INTEREST } from "./probe";

export interface CompatInput {
  probes: BinaryProbe[];
  stage1: string;
  /** The origin is https:// (stage-1 chains stage-2 over HTTPS). */
  requireHttps: boolean;
  /** The stage-1 is compiled in (compile mode), so autoexec.ipxe does not matter. */
  embedded: boolean;
}

/** Commands of interest that the script runs (first word of each command, also after || and &&). */
export function commandsUsed(script: string): string[] {
  const used = new Set<string>();
  for (const line of script.split("\n")) {
    for (const part of line.split(/\|\||&&/)) {
      const word = part.trim().split(/\s+/)[0];
      if ((COMMANDS_OF_INTEREST as readonly string[]).includes(word)) used.add(word);
    }
  }
  return [...used].sort();
}

export function compatibilityProblems(input: CompatInput): string[] {
  const problems: string[] = [];
  const used = commandsUsed(input.stage1);
  for (const p of input.probes) {
    const what = `the ${p.platform.toUpperCase()} iPXE binary ${p.file}${p.version ? ` (${p.version})` : ""}`;
    if (input.requireHttps && p.https !== true) {
      problems.push(
        p.https === false
          ? `${what} has no HTTPS but the origin is https: use Debian 13's binaries (the default), --mode compile, or origin.transport http with allowInsecureHttp`
          : `cannot tell whether ${what} has HTTPS (${p.note ?? "probe failed"}) but the origin is https: use a known build or allow it explicitly`,
      );
    }
    if (p.platform === "uefi" && !input.embedded && p.autoexec !== true) {
      problems.push(
        `${what} ${p.autoexec === false ? "ignores" : "may ignore"} autoexec.ipxe, so the UEFI image would not run the stage-1: use Debian 13's binaries (the default), --mode compile, or drop uefi from ipxe.platforms`,
      );
    }
    const lacking = used.filter((c) => p.missingCommands.includes(c));
    if (lacking.length)
      problems.push(
        `${what} lacks the command(s) ${lacking.join(", ")} that the stage-1 uses: use --mode compile or another ipxe.prebuiltDir`,
      );
  }
  return problems;
}
