// `boot-stack sign-efi vmlinuz --out vmlinuz.signed --cert db.pem --key db.key`: adds the
// organisation's Secure Boot signature to an EFI binary (a kernel with its EFI stub, a tool) and
// prints the signed copy's sha256, which is what goes into the stack's `artifacts` (the origin
// serves and pins the signed bytes). Same input, key and SOURCE_DATE_EPOCH: same output bytes.
import { Command } from "commander";
import { DEFAULT_SOURCE_DATE_EPOCH } from "../../ipxe/build/plan";
import { signEfiBinary } from "../../ipxe/sign/efi";
import { SigningError } from "../../ipxe/sign/errors";
import { loadSigner } from "../../ipxe/sign/signer";
import { UsageError } from "../../errors/user-error";

interface SignEfiFlags {
  out: string;
  cert: string;
  key?: string;
  keyEnv?: string;
  passphraseEnv?: string;
}

function epoch(): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env === undefined || env === "") return DEFAULT_SOURCE_DATE_EPOCH;
  if (!/^\d+$/.test(env))
    throw new UsageError(`SOURCE_DATE_EPOCH ${JSON.stringify(env)} is not a whole number`);
  return Number(env);
}

export function registerSignEfi(program: Command): void {
  program
    .command("sign-efi")
    .description(
      "Sign an EFI binary (e.g. a kernel) with the Secure Boot db key; prints the signed copy's sha256 for `artifacts`.",
    )
    .argument("<file>", "the EFI binary to sign (an existing signature is kept)")
    .requiredOption("-o, --out <file>", "where to write the signed copy")
    .requiredOption("--cert <pem>", "the db key's certificate (PEM)")
    .option("--key <pem>", "the db private key file (PEM)")
    .option("--key-env <name>", "or: an environment variable holding the PEM private key")
    .option("--passphrase-env <name>", "an environment variable holding the key's passphrase")
    .action(async (file: string, flags: SignEfiFlags) => {
      try {
        const signer = loadSigner(
          {
            certFile: flags.cert,
            keyFile: flags.key,
            keyEnv: flags.keyEnv,
            passphraseEnv: flags.passphraseEnv,
          },
          { certFile: "--cert", keyFile: "--key", keyEnv: "--key-env", passphraseEnv: "--passphrase-env" },
        );
        const r = await signEfiBinary(file, flags.out, signer, epoch());
        process.stdout.write(`${r.sha256}  ${r.size}  ${flags.out}  (signed by ${signer.subject})\n`);
      } catch (e) {
        if (e instanceof SigningError) throw new UsageError(e.message);
        throw e;
      }
    });
}
