// The policy pack's rules, called directly: each refuses what it is for and accepts the safe form.
import {
  cloudFrontGrantNamesDistribution,
  cloudFrontHttpOnlyOnBootPaths,
  cloudFrontOriginAccessControl,
  cloudFrontTlsForIpxe,
  everyBucketHasPublicAccessBlock,
  noPublicBucketAcl,
  noPublicBucketPolicy,
  policies,
  publicAccessBlockAllOn,
} from "../../policy/policies";
import { check, checkStack } from "./check";

const BUCKET = "aws:s3/bucket:Bucket";
const BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const DIST = "aws:cloudfront/distribution:Distribution";

const messages = async (...args: Parameters<typeof check>) => (await check(...args)).map((v) => v.message);
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const DIST_ARN = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE";
const cloudFrontGrant = (Condition?: object) => ({
  Effect: "Allow",
  Principal: { Service: "cloudfront.amazonaws.com" },
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::b/*",
  ...(Condition ? { Condition } : {}),
});

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

describe("gaps the cloud audit found (D8), each refused", () => {
  test("an Allow for everyone is refused with any condition too", async () => {
    for (const Principal of ["*", { AWS: "*" }])
      expect(
        await messages([noPublicBucketPolicy], POLICY, {
          bucket: "b",
          policy: doc({
            Effect: "Allow",
            Principal,
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::b/*",
            Condition: { Bool: { "aws:SecureTransport": "true" } },
          }),
        }),
      ).toEqual([expect.stringContaining('Principal "*" (even with a condition) makes the bucket public')]);
  });

  test("a public policy inline on a (deprecated) bucket is refused as well", async () => {
    const policy = doc({
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::b/*",
    });
    for (const type of [BUCKET, "aws:s3/bucketV2:BucketV2"])
      expect(await messages([noPublicBucketPolicy], type, { policy })).toHaveLength(1);
  });

  test("a grant to CloudFront without AWS:SourceArn is refused (any account's distribution could read)", async () => {
    expect(
      await messages([cloudFrontGrantNamesDistribution], POLICY, {
        bucket: "b",
        policy: doc(cloudFrontGrant()),
      }),
    ).toEqual([
      expect.stringMatching(/^the grant to cloudfront\.amazonaws\.com has no AWS:SourceArn condition/),
    ]);
    // A condition on something else does not name the distribution either.
    expect(
      await messages([cloudFrontGrantNamesDistribution], POLICY, {
        bucket: "b",
        policy: doc(cloudFrontGrant({ StringEquals: { "AWS:SourceAccount": "123456789012" } })),
      }),
    ).toHaveLength(1);
  });

  test("a grant to CloudFront for a wildcard or a negated SourceArn is refused", async () => {
    for (const Condition of [
      { ArnLike: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*" } },
      { StringLike: { "AWS:SourceArn": "*" } },
      { StringNotEquals: { "AWS:SourceArn": DIST_ARN } },
    ])
      expect(
        await messages([cloudFrontGrantNamesDistribution], POLICY, {
          bucket: "b",
          policy: doc(cloudFrontGrant(Condition)),
        }),
      ).toHaveLength(1);
  });

  test("a grant to CloudFront for exactly one distribution passes (key names are case-insensitive)", async () => {
    for (const Condition of [
      { StringEquals: { "AWS:SourceArn": DIST_ARN } },
      { ArnLike: { "aws:sourcearn": [DIST_ARN] } },
    ])
      expect(
        await check([cloudFrontGrantNamesDistribution], POLICY, {
          bucket: "b",
          policy: doc(cloudFrontGrant(Condition)),
        }),
      ).toEqual([]);
  });

  test("the S3 bucket's endpoint configured as a custom origin (no OAC possible) is refused", async () => {
    for (const domainName of [
      "b.s3.amazonaws.com",
      "b.s3.eu-west-1.amazonaws.com",
      "b.s3-eu-west-1.amazonaws.com",
      "b.s3.dualstack.eu-west-1.amazonaws.com",
    ]) {
      const custom = {
        originId: "s3",
        domainName,
        customOriginConfig: {
          httpPort: 80,
          httpsPort: 443,
          originProtocolPolicy: "https-only",
          originSslProtocols: ["TLSv1.2"],
        },
      };
      expect(
        await messages([cloudFrontOriginAccessControl], DIST, distribution({ origins: [custom] })),
      ).toEqual([expect.stringContaining(`reaches the S3 bucket ${domainName} as a custom origin`)]);
    }
    const notS3 = {
      originId: "api",
      domainName: "api.example.com",
      customOriginConfig: {
        httpPort: 80,
        httpsPort: 443,
        originProtocolPolicy: "https-only",
        originSslProtocols: ["TLSv1.2"],
      },
    };
    expect(await check([cloudFrontOriginAccessControl], DIST, distribution({ origins: [notS3] }))).toEqual(
      [],
    );
  });

  test("public ACLs on the deprecated BucketV2, BucketObject and BucketAclV2, and inline public grants, are refused", async () => {
    expect(
      await messages([noPublicBucketAcl], "aws:s3/bucketV2:BucketV2", { acl: "public-read" }),
    ).toHaveLength(1);
    expect(
      await messages([noPublicBucketAcl], "aws:s3/bucketObject:BucketObject", {
        key: "k",
        acl: "public-read",
      }),
    ).toHaveLength(1);
    expect(
      await messages([noPublicBucketAcl], "aws:s3/bucketAclV2:BucketAclV2", {
        bucket: "b",
        acl: "public-read-write",
      }),
    ).toHaveLength(1);
    const inline = {
      grants: [
        { type: "Group", permissions: ["READ"], uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
      ],
    };
    for (const type of [BUCKET, "aws:s3/bucketV2:BucketV2"])
      expect(await messages([noPublicBucketAcl], type, inline)).toEqual([
        expect.stringContaining("AllUsers makes the bucket public"),
      ]);
  });

  test("CloudFront's default certificate (TLSv1 floor whatever the policy says) is refused", async () => {
    const d = distribution({
      viewerCertificate: { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1.2_2021" },
    });
    expect(await messages([cloudFrontTlsForIpxe], DIST, d)).toEqual([
      expect.stringMatching(/^viewerCertificate\.cloudfrontDefaultCertificate is true/),
    ]);
  });

  describe("stack: every bucket has its own public access block", () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::boot-stack::${type}::${name}`;
    const bucket = (name: string, type = BUCKET) => ({ type, name, urn: urn(type, name), props: {} });
    const block = (name: string, forBucket: string) => ({
      type: BLOCK,
      name,
      urn: urn(BLOCK, name),
      props: {},
      propertyDependencies: { bucket: [urn(BUCKET, forBucket)] },
    });

    test("a bucket without one is refused, by name", async () => {
      const found = await checkStack(
        [everyBucketHasPublicAccessBlock],
        [
          bucket("content"),
          block("content-pab", "content"),
          bucket("logs"),
          bucket("old", "aws:s3/bucketV2:BucketV2"),
        ],
      );
      expect(found.map((v) => v.message)).toEqual([
        expect.stringMatching(/^bucket logs has no BucketPublicAccessBlock/),
        expect.stringMatching(/^bucket old has no BucketPublicAccessBlock/),
      ]);
    });

    test("one block per bucket passes; a block for another bucket does not count", async () => {
      expect(
        await checkStack(
          [everyBucketHasPublicAccessBlock],
          [bucket("a"), block("a-pab", "a"), bucket("b"), block("b-pab", "b")],
        ),
      ).toEqual([]);
      expect(
        await checkStack([everyBucketHasPublicAccessBlock], [bucket("a"), bucket("b"), block("b-pab", "b")]),
      ).toHaveLength(1);
    });
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
