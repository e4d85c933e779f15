// The origin machines fetch boot scripts and artefacts from: a private S3 bucket that only this
// stack's CloudFront distribution can read (Origin Access Control), served on a custom hostname
// whose certificate and CNAME live in Cloudflare. Uploads are a separate component (site-content.ts).
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { CDN_TTL, mayServePlainHttp, PATH_PATTERNS } from "../origin/keys";
import { createDnsValidatedCertificate } from "./certificate";
import { createPrivateBucket, denyInsecureTransport } from "./private-bucket";

/** CloudFront security policy: TLS 1.2 with modern ciphers. iPXE speaks TLS <= 1.2, so a
 * TLS 1.3-only policy would lock every machine out (docs/cloud.md, "TLS and iPXE"). */
export const MINIMUM_TLS_POLICY = "TLSv1.2_2021";

export interface OriginArgs {
  /** Public hostname machines fetch from, e.g. boot.example.com (certificate + Cloudflare CNAME). */
  hostname: pulumi.Input<string>;
  /** Cloudflare zone id (32 hex) of the zone holding `hostname`. */
  cloudflareZoneId: pulumi.Input<string>;
  /**
   * Also answer plain HTTP on the script paths (sites/*, generic/*) for iPXE builds without
   * HTTPS. Everything else keeps redirecting to HTTPS.
   * @default false
   */
  allowHttpScripts?: boolean;
  /** CloudFront price class. @default "PriceClass_100" */
  priceClass?: pulumi.Input<string>;
  /** Write CloudFront standard access logs to a private log bucket. @default false */
  accessLogs?: boolean;
  /** Days access logs are kept. @default 90 */
  logRetentionDays?: pulumi.Input<number>;
  /** Protect the content bucket (and log bucket) from deletion; unprotected ones are emptied on destroy. @default false */
  protect?: boolean;
  /** Days an overwritten or deleted object version stays recoverable. @default 90 */
  noncurrentVersionDays?: pulumi.Input<number>;
  /** Tags for the buckets, certificate and distribution. @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Provider for the certificate, which CloudFront needs in us-east-1. @default a new aws.Provider in us-east-1 */
  usEast1Provider?: aws.Provider;
  /**
   * Settings for that default provider. An explicit provider reads no `aws:` stack config, so
   * pass e.g. `aws:profile` here or the certificate could land in another account.
   * @default {}
   */
  usEast1ProviderArgs?: Omit<aws.ProviderArgs, "region">;
  /** Cloudflare provider. @default the default provider (reads `cloudflare:apiToken`) */
  cloudflareProvider?: pulumi.ProviderResource;
}

const ORIGIN_ID = "s3-content";
const READ_METHODS = ["GET", "HEAD"];

export class Origin extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly distributionId: pulumi.Output<string>;
  public readonly distributionArn: pulumi.Output<string>;
  /** e.g. d111111abcdef8.cloudfront.net; the hostname's CNAME points here. */
  public readonly distributionDomain: pulumi.Output<string>;
  /** `https://<hostname>`, no trailing slash. */
  public readonly url: pulumi.Output<string>;
  public readonly certificateArn: pulumi.Output<string>;
  /** Name of the access-log bucket, or undefined when access logs are off. */
  public readonly logBucketName: pulumi.Output<string | undefined>;

  constructor(name: string, args: OriginArgs, opts?: pulumi.ComponentResourceOptions) {
    super("boot-stack:index:Origin", name, {}, opts);
    const protect = args.protect ?? false;
    const tags = args.tags ?? {};

    const content = createPrivateBucket(
      `${name}-bucket`,
      {
        versioning: true,
        objectOwnership: "BucketOwnerEnforced",
        noncurrentVersionDays: args.noncurrentVersionDays,
        protect,
        tags,
      },
      this,
    );
    const bucket = content.bucket;

    const usEast1 =
      args.usEast1Provider ??
      new aws.Provider(
        `${name}-us-east-1`,
        { ...args.usEast1ProviderArgs, region: "us-east-1" },
        { parent: this },
      );
    const cert = createDnsValidatedCertificate(
      name,
      {
        hostname: args.hostname,
        cloudflareZoneId: args.cloudflareZoneId,
        usEast1,
        cloudflareProvider: args.cloudflareProvider,
      },
      this,
    );

    const oac = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      {
        description: pulumi.interpolate`boot-stack origin ${args.hostname}`,
        originAccessControlOriginType: "s3",
        // Sign every request to S3, so the bucket policy can insist on this distribution.
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      { parent: this },
    );

    // Query strings, cookies and headers are neither cache keys nor forwarded: stage-1 appends
    // identity parameters (MAC, serial) that must not split the cache or reach S3.
    const cachePolicy = (
      suffix: string,
      ttl: { min: number; default: number; max: number },
      comment: string,
    ) =>
      new aws.cloudfront.CachePolicy(
        `${name}-${suffix}-cache`,
        {
          comment,
          minTtl: ttl.min,
          defaultTtl: ttl.default,
          maxTtl: ttl.max,
          parametersInCacheKeyAndForwardedToOrigin: {
            cookiesConfig: { cookieBehavior: "none" },
            headersConfig: { headerBehavior: "none" },
            queryStringsConfig: { queryStringBehavior: "none" },
            enableAcceptEncodingGzip: true,
            enableAcceptEncodingBrotli: true,
          },
        },
        { parent: this },
      );
    const scriptCache = cachePolicy("scripts", CDN_TTL.script, "boot scripts: live within a minute");
    const immutableCache = cachePolicy(
      "immutable",
      CDN_TTL.immutable,
      "content-addressed artefacts and images",
    );

    let logBucket: aws.s3.Bucket | undefined;
    let logging: aws.types.input.cloudfront.DistributionLoggingConfig | undefined;
    const logDeps: pulumi.Resource[] = [];
    if (args.accessLogs) {
      const logs = createPrivateBucket(
        `${name}-logs`,
        {
          versioning: false,
          objectOwnership: "BucketOwnerPreferred",
          expireDays: args.logRetentionDays ?? 90,
          protect,
          tags,
        },
        this,
      );
      logBucket = logs.bucket;
      new aws.s3.BucketPolicy(
        `${name}-logs-policy`,
        {
          bucket: logs.bucket.id,
          policy: logs.bucket.arn.apply((arn) =>
            JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(arn)] }),
          ),
        },
        { parent: this, dependsOn: [logs.publicAccessBlock] },
      );
      logging = { bucket: logs.bucket.bucketDomainName, prefix: "cloudfront/", includeCookies: false };
      logDeps.push(logs.ownership, logs.publicAccessBlock);
    }

    const viewerPolicy = (pathPattern: string) =>
      args.allowHttpScripts && mayServePlainHttp(pathPattern) ? "allow-all" : "redirect-to-https";
    const behaviour = (cachePolicyId: pulumi.Input<string>, viewerProtocolPolicy: string) => ({
      targetOriginId: ORIGIN_ID,
      allowedMethods: READ_METHODS,
      cachedMethods: READ_METHODS,
      cachePolicyId,
      compress: true,
      viewerProtocolPolicy,
    });

    const distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: pulumi.interpolate`boot-stack origin ${args.hostname}`,
        aliases: [args.hostname],
        isIpv6Enabled: true,
        httpVersion: "http2",
        priceClass: args.priceClass ?? "PriceClass_100",
        origins: [
          { originId: ORIGIN_ID, domainName: bucket.bucketRegionalDomainName, originAccessControlId: oac.id },
        ],
        // Everything not matched below (manifest.json, unknown paths): script-like, HTTPS only.
        defaultCacheBehavior: behaviour(scriptCache.id, "redirect-to-https"),
        orderedCacheBehaviors: [
          ...PATH_PATTERNS.script.map((pathPattern) => ({
            pathPattern,
            ...behaviour(scriptCache.id, viewerPolicy(pathPattern)),
          })),
          ...PATH_PATTERNS.immutable.map((pathPattern) => ({
            pathPattern,
            ...behaviour(immutableCache.id, viewerPolicy(pathPattern)),
          })),
        ],
        viewerCertificate: {
          acmCertificateArn: cert.validation.certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: MINIMUM_TLS_POLICY,
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        loggingConfig: logging,
        tags,
      },
      { parent: this, dependsOn: logDeps },
    );

    new aws.s3.BucketPolicy(
      `${name}-bucket-policy`,
      {
        bucket: bucket.id,
        policy: bucketPolicy(bucket.arn, distribution.arn, {
          cdnFetchesOverHttp: args.allowHttpScripts ?? false,
        }),
      },
      // S3 answers OperationAborted to concurrent configuration writes on one bucket.
      { parent: this, dependsOn: [content.publicAccessBlock] },
    );

    new cloudflare.DnsRecord(
      `${name}-dns`,
      {
        zoneId: args.cloudflareZoneId,
        name: args.hostname,
        type: "CNAME",
        content: distribution.domainName,
        ttl: 300,
        // DNS only: Cloudflare's proxy would terminate TLS itself and could offer iPXE ciphers or
        // certificates it does not accept; CloudFront already is the CDN.
        proxied: false,
        comment: "boot-stack origin (managed by Pulumi)",
      },
      { parent: this, provider: args.cloudflareProvider },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.distributionDomain = distribution.domainName;
    this.url = pulumi.interpolate`https://${args.hostname}`;
    this.certificateArn = cert.certificate.arn;
    this.logBucketName = logBucket ? logBucket.bucket : pulumi.output(undefined);
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      distributionId: this.distributionId,
      distributionArn: this.distributionArn,
      distributionDomain: this.distributionDomain,
      url: this.url,
      certificateArn: this.certificateArn,
      logBucketName: this.logBucketName,
    });
  }
}

export interface BucketPolicyOptions {
  /**
   * Viewers may use plain HTTP on some paths. CloudFront fetches from an S3 origin with the
   * viewer's protocol ("forwards the requests to your Amazon S3 bucket using the same protocol in
   * which the requests were made":
   * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPandHTTPSRequests.html),
   * so this distribution's own requests are exempt from the TLS-only rule; nobody else's are.
   */
  cdnFetchesOverHttp: boolean;
}

/**
 * Only CloudFront, and only on behalf of this distribution, may read objects; nothing else may
 * reach the bucket without TLS. Listing is not granted, so a missing key answers 403, not 404.
 */
export function bucketPolicy(
  bucketArn: pulumi.Input<string>,
  distributionArn: pulumi.Input<string>,
  options: BucketPolicyOptions,
): pulumi.Output<string> {
  return pulumi.all([bucketArn, distributionArn]).apply(([bucket, distribution]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowCloudFrontOriginAccessControl",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: `${bucket}/*`,
          Condition: { StringEquals: { "AWS:SourceArn": distribution } },
        },
        denyInsecureTransport(bucket, options.cdnFetchesOverHttp ? distribution : undefined),
      ],
    }),
  );
}
