#!/usr/bin/env node
// boot-stack: the command line over config/, ipxe/ and origin/. Each command lives in
// cli/commands/<name>.ts and registers itself here.
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/errors";
import { UsageError } from "./usage-error";
import { registerValidate } from "./commands/validate";
import { registerRender } from "./commands/render";
import { registerIso } from "./commands/iso";
import { registerServe } from "./commands/serve";
import { registerDemo } from "./commands/demo";
import { registerSignEfi } from "./commands/sign-efi";

export function buildProgram(): Command {
  const program = new Command("boot-stack")
    .description(
      "Network boot for many sites without DHCP or TFTP: validate, render, build images, serve, demo.",
    )
    .showHelpAfterError()
    .exitOverride();
  registerValidate(program);
  registerRender(program);
  registerIso(program);
  registerServe(program);
  registerDemo(program);
  registerSignEfi(program);
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`boot-stack: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    process.stderr.write(`boot-stack: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
