// Uploads the origin layout (origin/layout.ts, the same function `boot-stack render` uses) into
// the content bucket: one object per layout entry, named by its key so that adding a site adds
// exactly that site's objects. Site images are not here: each IpxeIso uploads its own.
//
// Order and lifetime: scripts and the manifest depend on every artefact object, so a stage-2 never
// goes live before the kernels and initrds it points at exist. Artefact objects are kept when they
// leave the stack (retainOnDelete): CloudFront may serve the previous stage-2, which still points
// at them, for up to a minute (CDN_TTL.script.max), and Pulumi's delete of an object removes every
// version of it (cloud-audit D7); the bucket's lifecycle rules bound what is kept. Scripts are
// deleted with their site, so a removed site's stage-2 disappears.
//
// With ipxe.codeSigning (`signing`), the `<key>.sig` objects are not declared here: signature
// commands (object-signatures.ts) make and upload them at `up`, so a preview needs no key. Each
// script is uploaded after its signature, and every script after the artefacts' signatures: a
// machine sees the old script with the new signature for a moment (refused, its recovery menu
// retries) but never a new script whose signature is not there yet. A layout that holds signature
// bytes (the local origin's) uploads them as objects.
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "../ipxe/build/index";
import { keys } from "../origin/keys";
import { OriginObject } from "../origin/layout";
import { ObjectSigningArgs, signatureCommands } from "./object-signatures";

export interface SiteContentArgs {
  /** Content bucket name (Origin.bucketName). */
  bucket: pulumi.Input<string>;
  /** `originLayout(config, originRef)`: which objects there are, and their texts unless `texts` says otherwise. */
  objects: OriginObject[];
  /**
   * The scripts' texts by key when they depend on a value known only at deploy time (stage-1 names
   * the distribution's own domain as a fallback origin): the same keys as `objects`' scripts.
   */
  texts?: pulumi.Input<Record<string, string>>;
  /**
   * Local files for artefacts, by artefact name, already checked against their sha256
   * (`resolveArtifacts` in origin/artifacts.ts), so a bad file stops the run before any upload.
   */
  artifactPaths: Record<string, string>;
  /** Base of relative asset paths: the program's folder (the engine reads assets from there). @default process.cwd() */
  workDir?: string;
  /** ipxe.codeSigning: sign every object iPXE fetches by command at `up`. */
  signing?: ObjectSigningArgs;
}

export class SiteContent extends pulumi.ComponentResource {
  /** Object keys uploaded from the layout, in layout order. */
  public readonly keys: string[];

  constructor(name: string, args: SiteContentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("boot-stack:index:SiteContent", name, {}, opts);
    const workDir = args.workDir ?? process.cwd();
    const artefacts: { object: OriginObject; name: string }[] = [];
    const generated: {
      object: OriginObject;
      body: Pick<aws.s3.BucketObjectv2Args, "content" | "contentBase64" | "metadata">;
    }[] = [];
    const texts = deployedTexts(args.objects, args.texts);
    for (const object of args.objects) {
      const c = object.content;
      if (c.kind === "artifact") artefacts.push({ object, name: c.name });
      // Signatures are public: their bytes may sit in the inputs and state.
      else if (c.kind === "bytes")
        generated.push({ object, body: { contentBase64: c.data.toString("base64") } });
      else {
        const content = texts.apply((t) => t[object.key]);
        generated.push({
          object,
          body: { content, metadata: content.apply((t) => ({ sha256: sha256(t) })) },
        });
      }
    }
    // Every artefact must have its verified file before the first object is declared.
    const files = artefacts.map((a) => assetPath(a.object.key, a.name, args.artifactPaths, workDir));

    const uploaded = artefacts.map(
      ({ object }, i) =>
        new aws.s3.BucketObjectv2(
          `${name}-${object.key}`,
          { ...objectArgs(args.bucket, object), source: new pulumi.asset.FileAsset(files[i]) },
          { parent: this, retainOnDelete: true },
        ),
    );
    const signatures = args.signing
      ? signatureCommands(
          name,
          this,
          args.bucket,
          args.objects,
          args.signing,
          Object.fromEntries(artefacts.map(({ object }, i) => [object.key, uploaded[i]])),
          texts,
        )
      : new Map();
    const artefactSignatures = artefacts.flatMap(({ object }) => signatures.get(object.key) ?? []);
    const commands = [...new Set(signatures.values())];
    for (const { object, body } of generated) {
      const own = signatures.get(object.key);
      const after =
        object.key === keys.manifest ? commands : own ? [own, ...artefactSignatures] : artefactSignatures;
      new aws.s3.BucketObjectv2(
        `${name}-${object.key}`,
        { ...objectArgs(args.bucket, object), ...body },
        { parent: this, dependsOn: [...uploaded, ...after] },
      );
    }
    this.keys = args.objects.map((o) => o.key);
    this.registerOutputs({ keys: this.keys });
  }
}

/** Every script's text by key: the layout's own, or `texts` (deploy-time texts) for each of them. */
export function deployedTexts(
  objects: OriginObject[],
  texts?: pulumi.Input<Record<string, string>>,
): pulumi.Output<Record<string, string>> {
  const own = Object.fromEntries(
    objects.flatMap((o) => (o.content.kind === "inline" ? [[o.key, o.content.text] as const] : [])),
  );
  if (texts === undefined) return pulumi.output(own);
  return pulumi.output(texts).apply((t) => {
    const missing = Object.keys(own).filter((k) => t[k] === undefined);
    if (missing.length)
      throw new Error(
        `SiteContent: no text for ${missing.join(", ")} (texts must cover every script of objects)`,
      );
    return t;
  });
}

function objectArgs(bucket: pulumi.Input<string>, object: OriginObject): aws.s3.BucketObjectv2Args {
  return {
    bucket,
    key: object.key,
    contentType: object.contentType,
    cacheControl: object.cacheControl,
    metadata: { sha256: object.sha256 },
    // S3 checks the bytes it received against a SHA-256 computed at upload.
    checksumAlgorithm: "SHA256",
  };
}

/** The verified file of an artefact, relative to the program's folder when it lies inside it, so
 * the state holds no machine path (assets are diffed by content hash either way). */
function assetPath(
  key: string,
  name: string,
  artifactPaths: Record<string, string>,
  workDir: string,
): string {
  const file = artifactPaths[name];
  if (!file) {
    throw new Error(
      `artifacts.${name}: no verified local file for ${key}; resolve every artefact (resolveArtifacts) before creating SiteContent`,
    );
  }
  const rel = path.relative(workDir, path.resolve(workDir, file));
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}
