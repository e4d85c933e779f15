// Guard rails for any stack of this project, checked by `pulumi preview --policy-pack policy`:
// no public bucket, CloudFront reaches S3 only through Origin Access Control, and plain HTTP
// never on anything but the boot-script paths. Exported apart from the PolicyPack (index.ts)
// because constructing a PolicyPack starts a server; the tests call validateResource directly.
import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { mayServePlainHttp } from "../origin/keys";

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const isPublicAcl = (acl: unknown): boolean => typeof acl === "string" && PUBLIC_ACLS.includes(acl);

export const noPublicBucketAcl: ResourceValidationPolicy = {
  name: "s3-no-public-acl",
  description:
    "Buckets and objects must not use a public canned ACL (public-read, public-read-write, authenticated-read).",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.s3.Bucket, (bucket, _args, report) => {
      if (isPublicAcl(bucket.acl))
        report(
          `acl "${bucket.acl}" makes the bucket public; remove it (the origin serves through CloudFront only)`,
        );
    }),
    validateResourceOfType(aws.s3.BucketAcl, (acl, _args, report) => {
      if (isPublicAcl(acl.acl)) report(`acl "${acl.acl}" makes the bucket public; remove the BucketAcl`);
      for (const grant of acl.accessControlPolicy?.grants ?? []) {
        const uri = grant.grantee?.uri ?? "";
        if (/AllUsers|AuthenticatedUsers/.test(uri))
          report(`grant to ${uri} makes the bucket public; remove that grant`);
      }
    }),
    validateResourceOfType(aws.s3.BucketObjectv2, (object, _args, report) => {
      if (isPublicAcl(object.acl))
        report(
          `object ${object.key ?? ""} has acl "${object.acl}"; objects are read through CloudFront, remove the acl`,
        );
    }),
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
  Condition?: unknown;
}

/** Allow statements for anyone (`*` or `{AWS: "*"}`) without a condition. */
function publicStatements(policy: string): Statement[] {
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(policy);
  } catch {
    return [];
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const isEveryone = (p: unknown): boolean =>
    p === "*" ||
    (typeof p === "object" && p !== null && [(p as Record<string, unknown>).AWS].flat().includes("*"));
  return statements.filter((s) => s.Effect === "Allow" && isEveryone(s.Principal) && !s.Condition);
}

export const noPublicBucketPolicy: ResourceValidationPolicy = {
  name: "s3-no-public-bucket-policy",
  description: 'A bucket policy must not allow everyone (Principal "*") without a condition.',
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.s3.BucketPolicy, (policy, _args, report) => {
    // Unknown during preview when it depends on new ARNs; checked again at update.
    if (typeof policy.policy !== "string") return;
    if (publicStatements(policy.policy).length)
      report(
        'an Allow statement for Principal "*" without a condition makes the bucket public; grant cloudfront.amazonaws.com with AWS:SourceArn instead',
      );
  }),
};

type Origin = aws.types.input.cloudfront.DistributionOrigin;
const isWebsiteEndpoint = (domain: unknown): boolean =>
  typeof domain === "string" && /\.s3-website[.-]/.test(domain);

function checkOrigin(origin: Origin, report: ReportViolation): void {
  const id = String(origin.originId);
  if (isWebsiteEndpoint(origin.domainName)) {
    report(
      `origin ${id} uses the S3 website endpoint ${origin.domainName}, which is public and HTTP-only; use the bucket's regional domain name with Origin Access Control`,
    );
    return;
  }
  if (origin.customOriginConfig) return; // not an S3 origin
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
  description: "CloudFront must reach S3 through Origin Access Control: no legacy OAI, no website endpoint.",
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
    const version = (distribution.viewerCertificate as { minimumProtocolVersion?: string } | undefined)
      ?.minimumProtocolVersion;
    if (!version || !/^TLSv1\.2_\d{4}$/.test(version)) {
      report(
        `viewerCertificate.minimumProtocolVersion is ${version ?? "unset (TLSv1)"}; use TLSv1.2_2021 (iPXE speaks TLS 1.2 at most)`,
      );
    }
  }),
};

export const policies: ResourceValidationPolicy[] = [
  noPublicBucketAcl,
  publicAccessBlockAllOn,
  noPublicBucketPolicy,
  cloudFrontOriginAccessControl,
  cloudFrontHttpOnlyOnBootPaths,
  cloudFrontTlsForIpxe,
];
