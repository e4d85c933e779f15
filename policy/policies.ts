// Guard rails for any stack of this project, checked by `pulumi preview --policy-pack policy`:
// no public bucket (every bucket has a public-access block; no public ACL, grant or policy),
// CloudFront reaches S3 only through Origin Access Control and only for its own distribution,
// and plain HTTP never on anything but what iPXE fetches. Exported apart from the PolicyPack
// (index.ts) because constructing a PolicyPack starts a server; the tests call the validators
// directly. Plain data comes from origin/keys.ts, never from components/.
import * as aws from "@pulumi/aws";
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { mayServePlainHttp } from "../origin/keys";

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const isPublicAcl = (acl: unknown): boolean => typeof acl === "string" && PUBLIC_ACLS.includes(acl);

const PUBLIC_GRANTEES = /AllUsers|AuthenticatedUsers/;
type Grant = { uri?: string; grantee?: { uri?: string } };
const publicGrantUris = (grants: unknown): string[] =>
  ((grants ?? []) as Grant[])
    .map((g) => g.grantee?.uri ?? g.uri ?? "")
    .filter((uri) => PUBLIC_GRANTEES.test(uri));

type AclHolder = { acl?: unknown; grants?: unknown; key?: unknown };

/** A bucket (current or deprecated type) with a public canned ACL or an inline public grant. */
function checkBucketAcl(bucket: AclHolder, report: ReportViolation): void {
  if (isPublicAcl(bucket.acl))
    report(
      `acl "${bucket.acl}" makes the bucket public; remove it (the origin serves through CloudFront only)`,
    );
  for (const uri of publicGrantUris(bucket.grants))
    report(`grant to ${uri} makes the bucket public; remove that grant`);
}

function checkAclResource(
  acl: { acl?: unknown; accessControlPolicy?: { grants?: unknown } },
  report: ReportViolation,
): void {
  if (isPublicAcl(acl.acl)) report(`acl "${acl.acl}" makes the bucket public; remove the BucketAcl`);
  for (const uri of publicGrantUris(acl.accessControlPolicy?.grants))
    report(`grant to ${uri} makes the bucket public; remove that grant`);
}

function checkObjectAcl(object: AclHolder, report: ReportViolation): void {
  if (isPublicAcl(object.acl))
    report(
      `object ${object.key ?? ""} has acl "${object.acl}"; objects are read through CloudFront, remove the acl`,
    );
}

export const noPublicBucketAcl: ResourceValidationPolicy = {
  name: "s3-no-public-acl",
  description:
    "Buckets and objects (the deprecated BucketV2, BucketAclV2 and BucketObject too) must not use a public canned ACL or grant.",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.s3.Bucket, (bucket, _args, report) => checkBucketAcl(bucket, report)),
    validateResourceOfType(aws.s3.BucketV2, (bucket, _args, report) => checkBucketAcl(bucket, report)),
    validateResourceOfType(aws.s3.BucketAcl, (acl, _args, report) => checkAclResource(acl, report)),
    validateResourceOfType(aws.s3.BucketAclV2, (acl, _args, report) => checkAclResource(acl, report)),
    validateResourceOfType(aws.s3.BucketObjectv2, (object, _args, report) => checkObjectAcl(object, report)),
    validateResourceOfType(aws.s3.BucketObject, (object, _args, report) => checkObjectAcl(object, report)),
  ],
};

const BLOCK_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

export const publicAccessBlockAllOn: ResourceValidationPolicy = {
  name: "s3-public-access-block-all-on",
  description: "A bucket's public access block must set all four flags to true.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.s3.BucketPublicAccessBlock, (block, _args, report) => {
    const off = BLOCK_FLAGS.filter((flag) => block[flag] !== true);
    if (off.length)
      report(`${off.join(", ")} must be true (unset means false); a boot origin's bucket is never public`);
  }),
};

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a policy document; an unparsable document has none (S3 itself refuses it). */
function statementsOf(policy: string): Statement[] {
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(policy);
  } catch {
    return [];
  }
  return doc.Statement === undefined ? [] : [doc.Statement].flat();
}

const principals = (p: unknown, kind: "AWS" | "Service"): unknown[] =>
  typeof p === "object" && p !== null ? [(p as Record<string, unknown>)[kind]].flat() : [];
const isEveryone = (p: unknown): boolean => p === "*" || principals(p, "AWS").includes("*");
const grantsCloudFront = (p: unknown): boolean =>
  p === "*" || principals(p, "Service").includes("cloudfront.amazonaws.com");

/** Policy documents a resource declares: a BucketPolicy's, or a bucket's deprecated inline one. */
function validatePolicyDocuments(
  check: (statements: Statement[], report: ReportViolation) => void,
): ResourceValidationPolicy["validateResource"] {
  const each = (policy: unknown, report: ReportViolation) => {
    // Unknown during preview when it depends on new ARNs; checked again at update.
    if (typeof policy === "string") check(statementsOf(policy), report);
  };
  return [
    validateResourceOfType(aws.s3.BucketPolicy, (r, _args, report) => each(r.policy, report)),
    validateResourceOfType(aws.s3.Bucket, (r, _args, report) => each(r.policy, report)),
    validateResourceOfType(aws.s3.BucketV2, (r, _args, report) => each(r.policy, report)),
  ];
}

export const noPublicBucketPolicy: ResourceValidationPolicy = {
  name: "s3-no-public-bucket-policy",
  description:
    'A bucket policy must not allow everyone (Principal "*"), with or without a condition: a condition such as aws:SecureTransport or a VPC id narrows nothing down to this origin.',
  enforcementLevel: "mandatory",
  validateResource: validatePolicyDocuments((statements, report) => {
    for (const s of statements)
      if (s.Effect === "Allow" && isEveryone(s.Principal))
        report(
          `an Allow statement for Principal "*"${s.Condition ? " (even with a condition)" : ""} makes the bucket public; grant cloudfront.amazonaws.com with AWS:SourceArn instead`,
        );
  }),
};

/** Operators that pin a key to the listed values (no negation); wildcards are refused separately. */
const PINNING_OPERATORS = ["stringequals", "arnequals", "arnlike", "stringlike"];
const DISTRIBUTION_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:distribution\/[A-Z0-9]+$/;

/** The AWS:SourceArn values a statement pins its request to, or undefined when it does not. */
function sourceArnValues(condition: Statement["Condition"]): unknown[] | undefined {
  let values: unknown[] | undefined;
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    if (!PINNING_OPERATORS.includes(operator.toLowerCase())) continue;
    for (const [key, value] of Object.entries(keys))
      if (key.toLowerCase() === "aws:sourcearn") values = [...(values ?? []), ...[value].flat()];
  }
  return values;
}

export const cloudFrontGrantNamesDistribution: ResourceValidationPolicy = {
  name: "s3-cloudfront-grant-names-distribution",
  description:
    "A bucket policy's grant to cloudfront.amazonaws.com must name the distribution (AWS:SourceArn, an exact distribution ARN): otherwise any account's distribution can read the bucket through its own OAC (confused deputy).",
  enforcementLevel: "mandatory",
  validateResource: validatePolicyDocuments((statements, report) => {
    for (const s of statements) {
      if (s.Effect !== "Allow" || isEveryone(s.Principal) || !grantsCloudFront(s.Principal)) continue;
      const arns = sourceArnValues(s.Condition);
      if (!arns)
        report(
          'the grant to cloudfront.amazonaws.com has no AWS:SourceArn condition, so any distribution of any account may read; add Condition: { StringEquals: { "AWS:SourceArn": <this distribution\'s ARN> } }',
        );
      else
        for (const arn of arns.filter((a) => typeof a !== "string" || !DISTRIBUTION_ARN.test(a)))
          report(
            `the grant to cloudfront.amazonaws.com allows AWS:SourceArn ${JSON.stringify(arn)}, not one distribution; name the exact distribution ARN (no wildcards)`,
          );
    }
  }),
};

type Origin = aws.types.input.cloudfront.DistributionOrigin;
const isWebsiteEndpoint = (domain: unknown): boolean =>
  typeof domain === "string" && /\.s3-website[.-]/.test(domain);
/** The S3 REST endpoint of a bucket: b.s3.amazonaws.com, b.s3.<region>.amazonaws.com, b.s3-<region>…, dualstack. */
const isS3RestEndpoint = (domain: unknown): boolean =>
  typeof domain === "string" && /\.s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/.test(domain);

function checkOrigin(origin: Origin, report: ReportViolation): void {
  const id = String(origin.originId);
  if (isWebsiteEndpoint(origin.domainName)) {
    report(
      `origin ${id} uses the S3 website endpoint ${origin.domainName}, which is public and HTTP-only; use the bucket's regional domain name with Origin Access Control`,
    );
    return;
  }
  if (origin.customOriginConfig) {
    if (isS3RestEndpoint(origin.domainName))
      report(
        `origin ${id} reaches the S3 bucket ${origin.domainName} as a custom origin, so CloudFront cannot sign with Origin Access Control and the bucket would have to be public; use s3OriginConfig with originAccessControlId`,
      );
    return; // a custom origin that is not S3
  }
  const oai = (origin.s3OriginConfig as { originAccessIdentity?: string } | undefined)?.originAccessIdentity;
  if (oai)
    report(
      `origin ${id} uses a legacy Origin Access Identity; use Origin Access Control (originAccessControlId) instead`,
    );
  if (!origin.originAccessControlId)
    report(
      `origin ${id} reaches S3 without Origin Access Control; set originAccessControlId (signing "always", sigv4)`,
    );
}

export const cloudFrontOriginAccessControl: ResourceValidationPolicy = {
  name: "cloudfront-s3-origin-access-control",
  description:
    "CloudFront must reach S3 through Origin Access Control: no legacy OAI, no website endpoint, no S3 endpoint as a custom origin.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.cloudfront.Distribution, (distribution, _args, report) => {
    for (const origin of (distribution.origins ?? []) as Origin[]) checkOrigin(origin, report);
  }),
};

export const cloudFrontHttpOnlyOnBootPaths: ResourceValidationPolicy = {
  name: "cloudfront-http-only-on-boot-paths",
  description:
    "Viewer protocol allow-all (plain HTTP) is allowed only on what iPXE fetches (sites/*, generic/*, artifacts/*); images and everything else must be HTTPS.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.cloudfront.Distribution, (distribution, _args, report) => {
    const policy = (b: { viewerProtocolPolicy?: unknown } | undefined) => b?.viewerProtocolPolicy;
    if (policy(distribution.defaultCacheBehavior) === "allow-all") {
      report(
        "the default cache behaviour allows plain HTTP; use redirect-to-https (plain HTTP only on sites/*, generic/* and artifacts/* when the stack allows it)",
      );
    }
    for (const b of (distribution.orderedCacheBehaviors ?? []) as Array<{
      pathPattern?: string;
      viewerProtocolPolicy?: string;
    }>) {
      if (b.viewerProtocolPolicy === "allow-all" && !mayServePlainHttp(b.pathPattern ?? "")) {
        report(
          `cache behaviour ${b.pathPattern} allows plain HTTP; only sites/*, generic/* and artifacts/* may, everything else must be redirect-to-https or https-only`,
        );
      }
    }
  }),
};

export const cloudFrontTlsForIpxe: ResourceValidationPolicy = {
  name: "cloudfront-tls-1.2-policy",
  description:
    "The viewer TLS policy must be a TLSv1.2_* policy: older ones allow TLS 1.0/1.1, TLS 1.3-only ones lock iPXE out.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.cloudfront.Distribution, (distribution, _args, report) => {
    const certificate = distribution.viewerCertificate as
      { minimumProtocolVersion?: string; cloudfrontDefaultCertificate?: boolean } | undefined;
    // "If you use the default CloudFront certificate, CloudFront sets the security policy to
    // TLSv1 regardless of the value that you set" (CloudFront API, ViewerCertificate).
    if (certificate?.cloudfrontDefaultCertificate === true) {
      report(
        "viewerCertificate.cloudfrontDefaultCertificate is true, which fixes the TLS floor at TLSv1 whatever minimumProtocolVersion says; use an ACM certificate (acmCertificateArn, sni-only) with TLSv1.2_2021",
      );
      return;
    }
    const version = certificate?.minimumProtocolVersion;
    if (!version || !/^TLSv1\.2_\d{4}$/.test(version)) {
      report(
        `viewerCertificate.minimumProtocolVersion is ${version ?? "unset (TLSv1)"}; use TLSv1.2_2021 (iPXE speaks TLS 1.2 at most)`,
      );
    }
  }),
};

const isBucket = (r: PolicyResource): boolean => r.isType(aws.s3.Bucket) || r.isType(aws.s3.BucketV2);

/** The bucket a public-access block is for: by the dependency of its `bucket` input (known in preview too). */
function blockedBuckets(resources: PolicyResource[]): Set<PolicyResource> {
  const blocked = new Set<PolicyResource>();
  for (const r of resources)
    if (r.isType(aws.s3.BucketPublicAccessBlock))
      for (const d of r.propertyDependencies.bucket ?? []) blocked.add(d);
  return blocked;
}

export const everyBucketHasPublicAccessBlock: StackValidationPolicy = {
  name: "s3-bucket-has-public-access-block",
  description:
    "Every bucket of the stack must have its own public access block (one BucketPublicAccessBlock whose bucket is that bucket).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const blocked = blockedBuckets(args.resources);
    for (const bucket of args.resources.filter(isBucket))
      if (!blocked.has(bucket))
        report(
          `bucket ${bucket.name} has no BucketPublicAccessBlock; add one with all four flags true (bucket: <this bucket>.id)`,
          bucket.urn,
        );
  },
};

export const stackPolicies: StackValidationPolicy[] = [everyBucketHasPublicAccessBlock];

export const policies: ResourceValidationPolicy[] = [
  noPublicBucketAcl,
  publicAccessBlockAllOn,
  noPublicBucketPolicy,
  cloudFrontGrantNamesDistribution,
  cloudFrontOriginAccessControl,
  cloudFrontHttpOnlyOnBootPaths,
  cloudFrontTlsForIpxe,
];
