// The Pulumi program: read the stack's config, check it with the same code as `boot-stack
// validate`, verify every artefact, then declare the environment (components/boot-stack.ts:
// origin, uploads, one image per site). Nothing is created unless all of that succeeds.
// Config keys are documented in Pulumi.yaml; set-up in docs/cloud.md.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { validateStackConfig } from "./config/validate";
import { resolveArtifacts } from "./origin/artifacts";
import { cacheDir } from "./ipxe/build/index";
import { bootStack } from "./components/boot-stack";
import { loadOriginSigner } from "./origin/sign-origin";
import { UserError } from "./errors/user-error";

export = async () => {
  try {
    return await program();
  } catch (e) {
    // A user's mistake (config, artefact, image input, signing key) is its message alone: Pulumi
    // prints a RunError without the program's stack (@pulumi/pulumi cmd/run/run.js).
    if (e instanceof UserError) throw new pulumi.RunError(e.message);
    throw e;
  }
};

async function program() {
  const cfg = new pulumi.Config("boot-stack");
  const aws = new pulumi.Config("aws");
  const stack = pulumi.getStack();
  const config = validateStackConfig(
    {
      origin: cfg.getObject("origin"),
      artifacts: cfg.getObject("artifacts"),
      ipxe: cfg.getObject("ipxe"),
      sites: cfg.getObject("sites"),
    },
    `stack ${stack} (Pulumi.${stack}.yaml)`,
  );
  const artifactPaths = await resolveArtifacts(config.artifacts, {
    projectDir: __dirname,
    cacheDir: path.join(cacheDir(), "artifacts"),
  });
  // ipxe.codeSigning: signatures are made by command at up (components/object-signatures.ts), so
  // a preview needs no key (bootStack checks the certificate, which is public). An up checks the
  // key here too, so a missing or wrong key stops it before any resource is declared.
  if (config.ipxe.codeSigning && !pulumi.runtime.isDryRun())
    loadOriginSigner(config.ipxe.codeSigning, __dirname);
  return bootStack(config, {
    artifactPaths,
    projectDir: __dirname,
    // The bucket's region; the image uploads go there with the AWS provider's credentials.
    region: aws.require("region"),
    awsProfile: aws.get("profile"),
  }).outputs;
}
