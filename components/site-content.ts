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
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { OriginObject } from "../origin/layout";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function textOf(texts: Record<string, string>, key: string): string {
  const t = texts[key];
  if (t === undefined)
    throw new Error(`SiteContent: no text for ${key} (texts must cover every script of objects)`);
  return t;
}

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
}

export class SiteContent extends pulumi.ComponentResource {
  /** Object keys uploaded from the layout, in layout order. */
  public readonly keys: string[];

  constructor(name: string, args: SiteContentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("boot-stack:index:SiteContent", name, {}, opts);
    const workDir = args.workDir ?? process.cwd();
    const artefacts: { object: OriginObject; name: string }[] = [];
    const scripts: { object: OriginObject; text: string }[] = [];
    for (const object of args.objects) {
      if (object.content.kind === "artifact") artefacts.push({ object, name: object.content.name });
      else scripts.push({ object, text: object.content.text });
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
    const texts = args.texts === undefined ? undefined : pulumi.output(args.texts);
    for (const { object, text } of scripts) {
      const content = texts ? texts.apply((t) => textOf(t, object.key)) : text;
      new aws.s3.BucketObjectv2(
        `${name}-${object.key}`,
        {
          ...objectArgs(args.bucket, object),
          content,
          metadata: pulumi.output(content).apply((c) => ({ sha256: sha256(c) })),
        },
        { parent: this, dependsOn: uploaded },
      );
    }
    this.keys = args.objects.map((o) => o.key);
    this.registerOutputs({ keys: this.keys });
  }
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
