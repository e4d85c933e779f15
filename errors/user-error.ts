// Mistakes a user can fix (a flag, a config value, a file, a missing tool) versus bugs. A
// UserError is shown as its message alone and ends the CLI with the exit code of its kind; any
// other error is a bug and shows its stack. Exit codes are named here and nowhere else, as
// matchbox names its own in one file (poseidon/matchbox matchbox/cli/error.go).
// A leaf module: it imports nothing, so every layer (config/ included) can extend it.

export const EXIT = {
  OK: 0,
  /** The command ran, and what it checks did not hold (e.g. the demo's machine did not boot). */
  FAILURE: 1,
  /** A flag or argument: unknown, missing, malformed, or naming something that is not there. */
  USAGE: 2,
  /** The stack config (Pulumi.<stack>.yaml): unreadable, or values the schema or rules refuse. */
  CONFIG: 3,
  /** An artefact: its file is missing, its download failed, or its sha256 is not the configured one. */
  ARTIFACT: 4,
  /** A site image cannot be built from what was given (source tree, binaries, options). */
  IMAGE: 5,
  /** A host tool is missing, failed or timed out (QEMU, xorriso, apt-get, ...). */
  TOOL: 6,
  /** A bug in boot-stack (sysexits.h EX_SOFTWARE): the stack trace is printed. */
  INTERNAL: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The kinds of user mistake, each with its exit code. */
export type UserErrorKind = "USAGE" | "CONFIG" | "ARTIFACT" | "IMAGE" | "TOOL";

export class UserError extends Error {
  constructor(
    message: string,
    readonly kind: UserErrorKind,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get exitCode(): ExitCode {
    return EXIT[this.kind];
  }
}

/** A flag or argument the user gave: printed as one line naming the flag and the fix. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, "USAGE");
  }
}
