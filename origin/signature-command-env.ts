// The signature command's interface (signature-command.ts): a fixed command line, values in the
// environment, the scripts' text on stdin, one JSON line back. Everything here is public: the
// signed objects' keys and sha256, the certificate's sha256, the codeSigning block as configured
// (file paths and the NAMES of the key's environment variables, never the key). A change of any of
// them is an update of the Command, which a preview shows without running it, so no key is needed.
import { UserError } from "../errors/user-error";
import type { CodeSigningConfig } from "./sign-origin";

/** Run in the program's folder; `delete` as the Command's delete. */
export const SIGNATURE_COMMAND = "node_modules/.bin/tsx origin/signature-command.ts";

/** Bumped when what the command uploads changes: every signature command then runs again. */
export const SIGNATURE_COMMAND_VERSION = "1";

const ENV = {
  version: "BOOT_STACK_SIGN_VERSION",
  codeSigning: "BOOT_STACK_CODE_SIGNING",
  certSha256: "BOOT_STACK_SIGN_CERT_SHA256",
  objects: "BOOT_STACK_SIGN_OBJECTS",
  bucket: "BOOT_STACK_BUCKET",
  region: "BOOT_STACK_BUCKET_REGION",
  profile: "AWS_PROFILE",
} as const;

/** An input the command cannot use, or a step it cannot do: one line, exit 1. */
export class SignatureCommandError extends UserError {
  constructor(message: string) {
    super(message, "CONFIG");
  }
}

/** One object to sign: its key and the sha256 its bytes must have. */
export interface SignedObjectRef {
  key: string;
  sha256: string;
  /** The object's Cache-Control: its signature expires with it. */
  cacheControl: string;
  /** Scripts come on stdin (they are uploaded after their signature); artefacts from the bucket. */
  from: "stdin" | "bucket";
}

export interface SignatureCommandInput {
  codeSigning: CodeSigningConfig;
  certSha256: string;
  objects: SignedObjectRef[];
  bucket: string;
  region: string;
  profile?: string;
}

/** What the command prints: the signatures' keys and sha256 (public), kept in state. */
export interface SignatureCommandResult {
  signatures: { key: string; sha256: string }[];
}

export function signatureCommandEnv(input: SignatureCommandInput): Record<string, string> {
  return {
    [ENV.version]: SIGNATURE_COMMAND_VERSION,
    [ENV.codeSigning]: JSON.stringify(input.codeSigning),
    [ENV.certSha256]: input.certSha256,
    [ENV.objects]: JSON.stringify(input.objects),
    [ENV.bucket]: input.bucket,
    [ENV.region]: input.region,
    ...(input.profile ? { [ENV.profile]: input.profile } : {}),
  };
}

/**
 * Environment → the command's input; names the variable when one is missing or malformed. A
 * delete runs with the environment an older checkout stored, so only create checks the version.
 */
export function signatureCommandInput(
  env: NodeJS.ProcessEnv,
  action: "create" | "delete",
): SignatureCommandInput {
  const need = (k: string) => {
    const v = env[k];
    if (v === undefined || v === "") throw new SignatureCommandError(`${k} is not set`);
    return v;
  };
  const json = (k: string) => {
    try {
      return JSON.parse(need(k));
    } catch {
      throw new SignatureCommandError(`${k} is not JSON`);
    }
  };
  if (action === "create" && env[ENV.version] !== SIGNATURE_COMMAND_VERSION)
    throw new SignatureCommandError(
      `${ENV.version} is ${JSON.stringify(env[ENV.version])}, this command is version ${SIGNATURE_COMMAND_VERSION}: run pulumi up with this checkout`,
    );
  return {
    codeSigning: json(ENV.codeSigning),
    certSha256: need(ENV.certSha256),
    objects: json(ENV.objects),
    bucket: need(ENV.bucket),
    region: need(ENV.region),
    ...(env[ENV.profile] ? { profile: env[ENV.profile] } : {}),
  };
}
