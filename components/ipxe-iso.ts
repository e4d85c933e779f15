// A site's bootable image as a resource, addressed by the digest of its inputs: one
// `local.Command` runs the image command (ipxe/build/image-command.ts), which builds the image
// into the cache, uploads it to images/<site>/<sha256>.iso unless the bucket has it, and prints
// {digest, key, sha256, size}. The trigger is that digest, so the command runs exactly when the
// image's bytes would change, on whichever machine runs `pulumi up`; otherwise the engine answers
// from state, and state holds only the digest, the key and the sha256 — nothing on a disk.
// The command runs in the program's folder with a fixed command line and values only in
// `environment`, none of them machine-dependent (ipxe/build/command-env.ts). No `assetPaths`:
// a refresh would break them (pulumi-command#537) and nothing needs the file here.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_SOURCE_DATE_EPOCH,
  IMAGE_COMMAND,
  imageCommandEnv,
  ImageOptions,
  imageInputsDigest,
  parseImageResult,
} from "../ipxe/build/index";

export interface IpxeIsoArgs {
  /** The site's image options (imageOptionsFor); an Output when its stage-1 names deploy-time values (the CDN's domain). */
  image: pulumi.Input<ImageOptions>;
  /** The project folder; paths inside it reach the command relative to it. */
  projectDir: string;
  /** The origin's content bucket (Origin.bucketName). */
  bucket: pulumi.Input<string>;
  /** The bucket's region (the stack's aws:region). */
  region: pulumi.Input<string>;
  /** Upload the image (origin.publishImages); false still builds it and reports its sha256. @default true */
  publish?: boolean;
  /** The stack's aws:profile, so the upload uses the AWS provider's credentials. */
  awsProfile?: string;
}

export class IpxeIso extends pulumi.ComponentResource {
  /** sha256 of the image's inputs: the trigger (known at preview once the distribution exists). */
  public readonly digest: pulumi.Output<string>;
  /** images/<site>/<sha256>.iso */
  public readonly key: pulumi.Output<string>;
  public readonly sha256: pulumi.Output<string>;
  public readonly size: pulumi.Output<number>;
  public readonly command: command.local.Command;

  constructor(name: string, args: IpxeIsoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("boot-stack:index:IpxeIso", name, {}, opts);
    // The stack's images do not follow a SOURCE_DATE_EPOCH the runner happens to export.
    const image = pulumi
      .output(args.image)
      .apply(
        (i) => ({ ...i, sourceDateEpoch: i.sourceDateEpoch ?? DEFAULT_SOURCE_DATE_EPOCH }) as ImageOptions,
      );
    this.digest = image.apply(imageInputsDigest);
    const publish = args.publish ?? true;
    this.command = new command.local.Command(
      `${name}-build`,
      {
        create: IMAGE_COMMAND,
        delete: `${IMAGE_COMMAND} delete`,
        environment: pulumi
          .all([image, this.digest, args.bucket, args.region])
          .apply(([i, digest, bucket, region]) =>
            imageCommandEnv(i, args.projectDir, digest, {
              publish,
              bucket,
              region,
              ...(args.awsProfile ? { profile: args.awsProfile } : {}),
            }),
          ),
        triggers: [this.digest],
      },
      { parent: this },
    );
    const result = pulumi
      .all([this.command.stdout, image])
      .apply(([out, i]) => parseImageResult(out, i.site));
    this.key = result.apply((r) => r.key);
    this.sha256 = result.apply((r) => r.sha256);
    this.size = result.apply((r) => r.size);
    this.registerOutputs({ digest: this.digest, key: this.key, sha256: this.sha256, size: this.size });
  }
}
