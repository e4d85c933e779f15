// The signature commands of a signing stack (ipxe.codeSigning): one `local.Command` per group of
// signed objects (origin/signatures.ts signatureGroup: a site, the shared scripts, an artefact)
// runs origin/signature-command.ts at `up`, which reads the key then, signs, checks and uploads
// each `<key>.sig`. Its inputs are public digests only — the objects' keys and sha256, the
// certificate's sha256, the command's version, the codeSigning block as configured (paths and
// variable NAMES) — and the scripts' text on stdin, which their own objects hold anyway. So a
// preview needs no key: an unchanged group is unchanged, a changed one shows an update unrun.
//
// No triggers: a changed trigger replaces a Command, and the engine would run the old one's delete
// after the new one's create, on the same keys, deleting the signatures just uploaded. Every change
// is an update instead (pulumi-command runs `create` again). A site's signatures are deleted with
// the site (after its scripts: they depend on them); an artefact's are kept, like the artefact.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "../ipxe/build/index";
import { OriginObject } from "../origin/layout";
import type { CodeSigningConfig } from "../origin/sign-origin";
import { SIGNATURE_COMMAND, signatureCommandEnv } from "../origin/signature-command-env";
import { signatureGroups } from "../origin/signatures";

export interface ObjectSigningArgs {
  /** ipxe.codeSigning as configured (paths relative to the project, key by file path or variable name). */
  codeSigning: CodeSigningConfig;
  /** sha256 of the signing certificate (checkCodeSigningCert): a new certificate re-signs everything. */
  certSha256: string;
  /** The bucket's region (the stack's aws:region). */
  region: string;
  /** The stack's aws:profile, so the uploads use the AWS provider's credentials. */
  awsProfile?: string;
}

/**
 * One signature command per group, children of `parent`; by signed object key. An artefact's
 * command runs after its upload (`artefactObjects`): it signs the bytes the bucket holds.
 */
export function signatureCommands(
  name: string,
  parent: pulumi.Resource,
  bucket: pulumi.Input<string>,
  objects: OriginObject[],
  signing: ObjectSigningArgs,
  artefactObjects: Record<string, pulumi.Resource>,
  /** The scripts' texts as uploaded (site-content.ts deployedTexts): what is signed and hashed. */
  texts: pulumi.Output<Record<string, string>>,
): Map<string, command.local.Command> {
  const byKey = new Map<string, command.local.Command>();
  for (const [group, members] of signatureGroups(objects)) {
    const artefact = group.startsWith("artifacts/");
    const scripts = members.filter((o) => o.content.kind === "inline").map((o) => o.key);
    const own = texts.apply((t) => Object.fromEntries(scripts.map((k) => [k, t[k]])));
    const cmd = new command.local.Command(
      `${name}-sign-${group}`,
      {
        create: SIGNATURE_COMMAND,
        ...(artefact ? {} : { delete: `${SIGNATURE_COMMAND} delete` }),
        environment: pulumi.all([bucket, own]).apply(([b, t]) =>
          signatureCommandEnv({
            codeSigning: signing.codeSigning,
            certSha256: signing.certSha256,
            objects: members.map((o) => ({
              key: o.key,
              sha256: o.content.kind === "inline" ? sha256(t[o.key]) : o.sha256,
              cacheControl: o.cacheControl,
              from: o.content.kind === "artifact" ? "bucket" : "stdin",
            })),
            bucket: b,
            region: signing.region,
            ...(signing.awsProfile ? { profile: signing.awsProfile } : {}),
          }),
        ),
        ...(scripts.length ? { stdin: own.apply((t) => JSON.stringify(t)) } : {}),
      },
      {
        parent,
        dependsOn: members.flatMap((o) => (artefactObjects[o.key] ? [artefactObjects[o.key]] : [])),
      },
    );
    for (const o of members) byKey.set(o.key, cmd);
  }
  return byKey;
}
