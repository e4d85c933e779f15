// An S3 bucket that nobody outside the account can read directly: every public-access switch on,
// server-side encryption, and a lifecycle that keeps storage bounded. Used by Origin for the
// content bucket and for the access-log bucket; the children belong to the calling component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucketArgs {
  /** Keep every version of every object (recover an overwritten or deleted script). */
  versioning: boolean;
  /**
   * Who owns uploaded objects. BucketOwnerEnforced turns ACLs off entirely; CloudFront's standard
   * (legacy) access logs need ACLs, so the log bucket uses BucketOwnerPreferred.
   */
  objectOwnership: "BucketOwnerEnforced" | "BucketOwnerPreferred";
  /** Days a replaced or deleted version is kept (versioned buckets). */
  noncurrentVersionDays?: pulumi.Input<number>;
  /** Days after which current objects expire (log buckets); undefined keeps them. */
  expireDays?: pulumi.Input<number>;
  /** Refuse `pulumi destroy` while this is set; unprotected buckets are emptied on destroy. */
  protect: boolean;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface PrivateBucket {
  bucket: aws.s3.Bucket;
  publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  ownership: aws.s3.BucketOwnershipControls;
}

/**
 * A lifecycle filter for every object. An empty `filter: {}` is deprecated by the AWS provider
 * ("Invalid Attribute Combination", hashicorp/terraform-provider-aws#41710, fixed by #43590).
 */
const EVERY_OBJECT = { prefix: "" };

/** Nothing reaches the bucket without TLS, except requests on behalf of `exemptSourceArn` (see origin.ts). */
export function denyInsecureTransport(bucketArn: string, exemptSourceArn?: string): object {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: {
      Bool: { "aws:SecureTransport": "false" },
      // A request without AWS:SourceArn (anyone but a service acting for a resource) does not
      // equal it, so it stays denied: only the exempted resource's own requests pass.
      ...(exemptSourceArn ? { StringNotEquals: { "AWS:SourceArn": exemptSourceArn } } : {}),
    },
  };
}

export function createPrivateBucket(
  name: string,
  args: PrivateBucketArgs,
  parent: pulumi.Resource,
): PrivateBucket {
  const bucket = new aws.s3.Bucket(
    name,
    { forceDestroy: !args.protect, tags: args.tags },
    { parent, protect: args.protect },
  );

  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access-block`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: args.objectOwnership } },
    { parent },
  );

  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    // SSE-S3: CloudFront's Origin Access Control reads it without a KMS key policy.
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );

  let versioning: aws.s3.BucketVersioning | undefined;
  if (args.versioning) {
    versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent },
    );
  }

  const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
    {
      id: "abort-incomplete-uploads",
      status: "Enabled",
      filter: EVERY_OBJECT,
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
  ];
  if (args.versioning) {
    rules.push({
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: EVERY_OBJECT,
      noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 90 },
      expiration: { expiredObjectDeleteMarker: true },
    });
  }
  if (args.expireDays !== undefined) {
    rules.push({
      id: "expire-objects",
      status: "Enabled",
      filter: EVERY_OBJECT,
      expiration: { days: args.expireDays },
    });
  }
  // Lifecycle rules on a versioned bucket must wait for versioning to be on.
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    { bucket: bucket.id, rules },
    { parent, dependsOn: versioning ? [versioning] : [] },
  );

  return { bucket, publicAccessBlock, ownership };
}
