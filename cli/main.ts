#!/usr/bin/env node
// boot-stack: the command line over config/, ipxe/ and origin/. Each command lives in
// cli/commands/<name>.ts and registers itself here. Errors are handled here once: a user's
// mistake (UserError, errors/user-error.ts) is printed as its message with its kind's exit code,
// anything else is a bug and keeps its stack.
import { Command, CommanderError } from "commander";
import { EXIT, UserError } from "../errors/user-error";
import { registerValidate } from "./commands/validate";
import { registerRender } from "./commands/render";
import { registerIso } from "./commands/iso";
import { registerServe } from "./commands/serve";
import { registerDemo } from "./commands/demo";
import { registerSignEfi } from "./commands/sign-efi";

const PREFIX = "boot-stack: ";

function buildProgram(): Command {
  const program = new Command("boot-stack")
    .description(
      "Network boot for many sites without DHCP or TFTP: validate, render, build images, serve, demo.",
    )
    .exitOverride();
  for (const register of [
    registerValidate,
    registerRender,
    registerIso,
    registerServe,
    registerDemo,
    registerSignEfi,
  ])
    register(program);
  for (const command of [program, ...program.commands]) oneLineFlagErrors(command);
  return program;
}

/** Commander's own errors (unknown or missing flags) as one line that says where the flags are. */
function oneLineFlagErrors(command: Command): void {
  const help = command.parent ? `boot-stack ${command.name()} --help` : "boot-stack --help";
  command.configureOutput({
    outputError: (text, write) =>
      write(
        `${PREFIX}${text
          .replace(/^error: /, "")
          .trim()
          .replace(/\s*\n\s*/g, " ")} (see ${help})\n`,
      ),
  });
}

/** Runs the CLI; returns its exit code (see EXIT). */
export function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}

/** Runs `program` and turns whatever it throws into an exit code, printing it once. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  // A command that ran but whose check failed (the demo's boot) says so through process.exitCode;
  // one left by earlier code in this process (a test worker runs many files) must not count.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? EXIT.OK);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE; // already printed
    if (e instanceof UserError) {
      process.stderr.write(`${PREFIX}${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(
      `${PREFIX}internal error (a bug in boot-stack): ${(e as Error).stack ?? String(e)}\n`,
    );
    return EXIT.INTERNAL;
  } finally {
    process.exitCode = undefined;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
