// The policy pack's rules, called directly: each refuses what it is for and accepts the safe form.
import {
  cloudFrontHttpOnlyOnBootPaths,
  cloudFrontOriginAccessControl,
  cloudFrontTlsForIpxe,
  noPublicBucketAcl,
  noPublicBucketPolicy,
  policies,
  publicAccessBlockAllOn,
} from "../../policy/policies";
import { check } from "./check";

const BUCKET = "aws:s3/bucket:Bucket";
const BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const DIST = "aws:cloudfront/distribution:Distribution";

const messages = async (...args: Parameters<typeof check>) => (await check(...args)).map((v) => v.message);

const safeOrigin = {
  originId: "s3",
  domainName: "b.s3.eu-west-1.amazonaws.com",
  originAccessControlId: "E2OAC",
};
const behaviour = (pathPattern: string, viewerProtocolPolicy: string) => ({
  pathPattern,
  viewerProtocolPolicy,
  targetOriginId: "s3",
});
function distribution(over: Record<string, any> = {}) {
  return {
    origins: [safeOrigin],
    defaultCacheBehavior: { viewerProtocolPolicy: "redirect-to-https", targetOriginId: "s3" },
    orderedCacheBehaviors: [
      behaviour("sites/*", "redirect-to-https"),
      behaviour("artifacts/*", "redirect-to-https"),
    ],
    viewerCertificate: {
      acmCertificateArn: "arn:aws:acm:us-east-1:1:certificate/x",
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    },
    ...over,
  };
}

describe("public buckets", () => {
  test.each(["public-read", "public-read-write", "authenticated-read"])(
    "bucket acl %s is refused",
    async (acl) => {
      expect(await messages([noPublicBucketAcl], BUCKET, { acl })).toEqual([
        `acl "${acl}" makes the bucket public; remove it (the origin serves through CloudFront only)`,
      ]);
    },
  );

  test("private bucket, private object and no acl pass", async () => {
    expect(await check([noPublicBucketAcl], BUCKET, { acl: "private" })).toEqual([]);
    expect(await check([noPublicBucketAcl], BUCKET, {})).toEqual([]);
    expect(await check([noPublicBucketAcl], "aws:s3/bucketObjectv2:BucketObjectv2", { key: "k" })).toEqual(
      [],
    );
  });

  test("a public object acl and an AllUsers grant are refused", async () => {
    expect(
      await messages([noPublicBucketAcl], "aws:s3/bucketObjectv2:BucketObjectv2", {
        key: "sites/a/stage2.ipxe",
        acl: "public-read",
      }),
    ).toHaveLength(1);
    const grant = {
      accessControlPolicy: {
        owner: { id: "o" },
        grants: [
          {
            permission: "READ",
            grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
          },
        ],
      },
    };
    expect(await messages([noPublicBucketAcl], "aws:s3/bucketAcl:BucketAcl", grant)).toEqual([
      expect.stringContaining("AllUsers makes the bucket public"),
    ]);
  });

  test("public access block: every flag must be true, unset counts as off", async () => {
    const all = {
      bucket: "b",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    };
    expect(await check([publicAccessBlockAllOn], BLOCK, all)).toEqual([]);
    expect(await messages([publicAccessBlockAllOn], BLOCK, { ...all, blockPublicPolicy: false })).toEqual([
      expect.stringMatching(/^blockPublicPolicy must be true/),
    ]);
    expect(await messages([publicAccessBlockAllOn], BLOCK, { bucket: "b", blockPublicAcls: true })).toEqual([
      expect.stringMatching(/^blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets must be true/),
    ]);
  });

  test("bucket policy: Principal * without a condition is refused; CloudFront with SourceArn and a Deny * pass", async () => {
    const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
    const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
    expect(
      await messages([noPublicBucketPolicy], POLICY, {
        bucket: "b",
        policy: doc({
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
        }),
      }),
    ).toHaveLength(1);
    expect(
      await messages([noPublicBucketPolicy], POLICY, {
        bucket: "b",
        policy: doc({ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "s3:GetObject" }),
      }),
    ).toHaveLength(1);
    const safe = doc(
      {
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Condition: { StringEquals: { "AWS:SourceArn": "arn:x" } },
      },
      {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    );
    expect(await check([noPublicBucketPolicy], POLICY, { bucket: "b", policy: safe })).toEqual([]);
  });
});

describe("CloudFront origins", () => {
  test("an S3 origin with Origin Access Control passes", async () => {
    expect(await check([cloudFrontOriginAccessControl], DIST, distribution())).toEqual([]);
  });

  test("an S3 origin without OAC, or with a legacy OAI, is refused", async () => {
    const noOac = { originId: "s3", domainName: "b.s3.amazonaws.com" };
    expect(await messages([cloudFrontOriginAccessControl], DIST, distribution({ origins: [noOac] }))).toEqual(
      [expect.stringContaining("without Origin Access Control")],
    );
    const oai = {
      ...noOac,
      s3OriginConfig: { originAccessIdentity: "origin-access-identity/cloudfront/E1" },
    };
    expect(await messages([cloudFrontOriginAccessControl], DIST, distribution({ origins: [oai] }))).toEqual([
      expect.stringContaining("legacy Origin Access Identity"),
      expect.stringContaining("without Origin Access Control"),
    ]);
  });

  test("the S3 website endpoint is refused, as a custom origin too", async () => {
    const website = {
      originId: "web",
      domainName: "b.s3-website-eu-west-1.amazonaws.com",
      customOriginConfig: {
        httpPort: 80,
        httpsPort: 443,
        originProtocolPolicy: "http-only",
        originSslProtocols: ["TLSv1.2"],
      },
    };
    expect(
      await messages([cloudFrontOriginAccessControl], DIST, distribution({ origins: [website] })),
    ).toEqual([expect.stringContaining("S3 website endpoint")]);
  });
});

describe("viewer protocol and TLS", () => {
  test("allow-all on what iPXE fetches (scripts, artefacts) is accepted", async () => {
    const d = distribution({
      orderedCacheBehaviors: [
        behaviour("sites/*", "allow-all"),
        behaviour("generic/*", "allow-all"),
        behaviour("artifacts/*", "allow-all"),
      ],
    });
    expect(await check([cloudFrontHttpOnlyOnBootPaths], DIST, d)).toEqual([]);
  });

  test("allow-all on images, other paths or the default behaviour is refused", async () => {
    const d = distribution({
      defaultCacheBehavior: { viewerProtocolPolicy: "allow-all", targetOriginId: "s3" },
      orderedCacheBehaviors: [
        behaviour("sites/*", "allow-all"),
        behaviour("manifest.json", "allow-all"),
        behaviour("images/*", "allow-all"),
      ],
    });
    expect(await messages([cloudFrontHttpOnlyOnBootPaths], DIST, d)).toEqual([
      expect.stringContaining("default cache behaviour allows plain HTTP"),
      expect.stringContaining("cache behaviour manifest.json allows plain HTTP"),
      expect.stringContaining("cache behaviour images/* allows plain HTTP"),
    ]);
  });

  test.each([
    ["TLSv1.2_2021", 0],
    ["TLSv1.2_2019", 0],
    ["TLSv1", 1],
    ["TLSv1.1_2016", 1],
    ["TLSv1.3_2025", 1],
    [undefined, 1],
  ])("minimum protocol %s: %d violation(s)", async (version, count) => {
    const d = distribution({
      viewerCertificate: { sslSupportMethod: "sni-only", minimumProtocolVersion: version },
    });
    expect(await check([cloudFrontTlsForIpxe], DIST, d)).toHaveLength(count as number);
  });
});

test("every policy ignores resources of other types", async () => {
  expect(
    await check(policies, "aws:sqs/queue:Queue", { acl: "public-read", viewerProtocolPolicy: "allow-all" }),
  ).toEqual([]);
});
