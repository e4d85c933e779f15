// Uploads the origin layout (origin/layout.ts, the same function `boot-stack render` uses) into
// the content bucket: one object per layout entry, named by its key so that adding a site adds
// exactly that site's objects. Optionally publishes each site's boot ISO for download.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CACHE_CONTROL, CONTENT_TYPE, keys } from "../origin/keys";
import { OriginObject } from "../origin/layout";

/** A built boot image, e.g. the outputs of an IpxeIso component. */
export interface SiteImage {
  site: string;
  /** Local path of the built ISO. */
  path: pulumi.Input<string>;
  sha256: pulumi.Input<string>;
}

export interface SiteContentArgs {
  /** Content bucket name (Origin.bucketName). */
  bucket: pulumi.Input<string>;
  /** `originLayout(config, originRef)`. */
  objects: OriginObject[];
  /**
   * Local files for artefacts, by artefact name, already checked against their sha256
   * (`resolveArtifacts` in origin/artifacts.ts), so a bad file stops the run before any upload.
   */
  artifactPaths: Record<string, string>;
  /** Boot images to publish under images/<site>/<sha256>.iso. @default [] */
  images?: SiteImage[];
}

export class SiteContent extends pulumi.ComponentResource {
  /** Object keys uploaded from the layout, in layout order. */
  public readonly keys: string[];
  /** Image object keys by site (images/<site>/<sha256>.iso). */
  public readonly imageKeys: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: SiteContentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("boot-stack:index:SiteContent", name, {}, opts);
    // Every artefact must have its verified file before the first object is declared.
    const bodies = args.objects.map((object) => body(object, args.artifactPaths));

    args.objects.forEach((object, i) => {
      new aws.s3.BucketObjectv2(
        `${name}-${object.key}`,
        {
          bucket: args.bucket,
          key: object.key,
          ...bodies[i],
          contentType: object.contentType,
          cacheControl: object.cacheControl,
          metadata: { sha256: object.sha256 },
          // S3 checks the bytes it received against a SHA-256 computed at upload.
          checksumAlgorithm: "SHA256",
        },
        { parent: this },
      );
    });
    this.keys = args.objects.map((o) => o.key);

    this.imageKeys = {};
    for (const image of args.images ?? []) {
      const key = pulumi.output(image.sha256).apply((sha) => keys.image(image.site, sha));
      new aws.s3.BucketObjectv2(
        `${name}-image-${image.site}`,
        {
          bucket: args.bucket,
          key,
          source: pulumi.output(image.path).apply((p) => new pulumi.asset.FileAsset(p)),
          contentType: CONTENT_TYPE.iso,
          cacheControl: CACHE_CONTROL.immutable,
          contentDisposition: `attachment; filename="boot-${image.site}.iso"`,
          metadata: { sha256: image.sha256 },
          checksumAlgorithm: "SHA256",
        },
        { parent: this },
      );
      this.imageKeys[image.site] = key;
    }

    this.registerOutputs({ keys: this.keys, imageKeys: this.imageKeys });
  }
}

function body(
  object: OriginObject,
  artifactPaths: Record<string, string>,
): Pick<aws.s3.BucketObjectv2Args, "content" | "source"> {
  if (object.content.kind === "inline") return { content: object.content.text };
  const file = artifactPaths[object.content.name];
  if (!file) {
    throw new Error(
      `artifacts.${object.content.name}: no verified local file for ${object.key}; resolve every artefact (resolveArtifacts) before creating SiteContent`,
    );
  }
  return { source: new pulumi.asset.FileAsset(file) };
}
