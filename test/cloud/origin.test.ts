// The Origin for the example stack (Pulumi.prod.yaml through loadStackFile), proven with mocks:
// what exists, how it is locked down, and what machines and browsers get from the CDN.
// Artefacts: bootStack is handed small temp files (see harness.tempArtifacts); their bytes do
// not matter here, only that each layout entry has a file.
import type * as BootStackModule from "../../components/boot-stack";
import type { StackConfig } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { CACHE_CONTROL } from "../../origin/keys";
import { PROD_FILE } from "../support/prod-config";
import {
  byType,
  DISTRIBUTION_DOMAIN,
  Harness,
  installMocks,
  one,
  Recorded,
  tempArtifacts,
  valueOf,
} from "./harness";

// Registering ~50 mocked resources takes seconds on 2 cores when the suite runs in parallel.
jest.setTimeout(60_000);

let h: Harness;
let bootStack: typeof BootStackModule.bootStack;
const prod = loadStackFile(PROD_FILE);
const { paths } = tempArtifacts(Object.keys(prod.artifacts));

async function build(
  config: StackConfig,
): Promise<{ records: Recorded[]; outputs: BootStackModule.BootStackOutputs }> {
  h.reset();
  const stack = bootStack(config, { artifactPaths: paths });
  await h.settle();
  return { records: [...h.records], outputs: stack.outputs };
}

const variant = (origin: Partial<StackConfig["origin"]>): StackConfig => ({
  ...prod,
  origin: { ...prod.origin, ...origin },
});
const named = (records: Recorded[], name: string): Recorded => {
  const found = records.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
};
const countByType = (records: Recorded[]) =>
  records.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }), {});
const distribution = (records: Recorded[]) => one(records, "aws:cloudfront/distribution:Distribution").inputs;
const behaviours = (records: Recorded[]) =>
  distribution(records).orderedCacheBehaviors as Array<Record<string, any>>;

let records: Recorded[];
let outputs: BootStackModule.BootStackOutputs;

beforeAll(async () => {
  h = await installMocks();
  ({ bootStack } = await import("../../components/boot-stack"));
  ({ records, outputs } = await build(prod));
});

describe("example stack (Pulumi.prod.yaml)", () => {
  test("exact resource types and counts", () => {
    const layoutObjects = 4 * 2 + 2 + 2 + 1; // stage-1 + stage-2 per site, index, generic, 2 artefacts, manifest
    expect(countByType(records)).toEqual({
      "boot-stack:index:Origin": 1,
      "boot-stack:index:SiteContent": 1,
      "pulumi:providers:aws": 1,
      // content + access logs: each with its public-access block, ownership, encryption, lifecycle
      "aws:s3/bucket:Bucket": 2,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 2,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 2,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 2,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 2, // content: CDN-only and TLS-only; logs: TLS-only
      "aws:acm/certificate:Certificate": 1,
      "aws:acm/certificateValidation:CertificateValidation": 1,
      "cloudflare:index/dnsRecord:DnsRecord": 2,
      "aws:cloudfront/originAccessControl:OriginAccessControl": 1,
      "aws:cloudfront/cachePolicy:CachePolicy": 2,
      "aws:cloudfront/distribution:Distribution": 1,
      "aws:s3/bucketObjectv2:BucketObjectv2": layoutObjects + 4, // + one published ISO per site
      "boot-stack:index:IpxeIso": 4,
      "command:local:Command": 4,
    });
  });

  test("every child is named from its component and parented to it", () => {
    const components = records.filter((r) => r.type.startsWith("boot-stack:"));
    expect(components.map((r) => [r.type, r.name, r.parentUrn])).toEqual([
      ["boot-stack:index:Origin", "origin", ""],
      ...prod.sites.map((s) => ["boot-stack:index:IpxeIso", `iso-${s.name}`, ""]),
      ["boot-stack:index:SiteContent", "content", ""],
    ]);
    const children = records.filter((r) => !r.type.startsWith("boot-stack:"));
    expect(children.length).toBe(records.length - components.length);
    for (const r of children) {
      const parent = components.find((c) => c.urn === r.parentUrn);
      expect(parent).toBeDefined();
      expect(r.parentType).toBe(parent!.type);
      expect(r.name.startsWith(`${parent!.name}-`)).toBe(true);
    }
  });

  test("no bucket is public in any way", () => {
    for (const bucket of byType(records, "aws:s3/bucket:Bucket")) {
      expect(bucket.inputs.acl).toBeUndefined();
      expect(bucket.inputs.website).toBeUndefined();
      expect(bucket.inputs.policy).toBeUndefined();
    }
    const blocks = byType(records, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(blocks.map((b) => b.inputs.bucket).sort()).toEqual(
      byType(records, "aws:s3/bucket:Bucket")
        .map((b) => `${b.name}-id`)
        .sort(),
    );
    for (const b of blocks) {
      expect(b.inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    }
    const ownership = Object.fromEntries(
      byType(records, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").map((o) => [
        o.name,
        o.inputs.rule.objectOwnership,
      ]),
    );
    // ACLs off on the content bucket; the log bucket needs them for CloudFront's log delivery.
    expect(ownership).toEqual({
      "origin-bucket-ownership": "BucketOwnerEnforced",
      "origin-logs-ownership": "BucketOwnerPreferred",
    });
    for (const forbidden of [
      "aws:s3/bucketAcl:BucketAcl",
      "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
      "aws:cloudfront/originAccessIdentity:OriginAccessIdentity",
    ]) {
      expect(byType(records, forbidden)).toEqual([]);
    }
    for (const sse of byType(
      records,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )) {
      expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
    }
  });

  test("versioning on and old versions expire", () => {
    expect(one(records, "aws:s3/bucketVersioning:BucketVersioning").inputs).toEqual({
      bucket: "origin-bucket-id",
      versioningConfiguration: { status: "Enabled" },
    });
    const lifecycle = byType(
      records,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    ).find((l) => l.name === "origin-bucket-lifecycle")!;
    expect(lifecycle.inputs.rules).toContainEqual(
      expect.objectContaining({ status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 90 } }),
    );
  });

  test("bucket policy: only CloudFront on behalf of this distribution, and TLS only", () => {
    const policy = JSON.parse(named(records, "origin-bucket-policy").inputs.policy);
    const dist = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE10"; // the mock's ARN for origin-cdn
    const allows = policy.Statement.filter((s: any) => s.Effect === "Allow");
    expect(allows).toEqual([
      {
        Sid: "AllowCloudFrontOriginAccessControl",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::origin-bucket-0a1b2c3/*",
        Condition: { StringEquals: { "AWS:SourceArn": dist } },
      },
    ]);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Principal: "*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
    expect(named(records, "origin-bucket-policy").inputs.bucket).toBe("origin-bucket-id");
  });

  test("the access-log bucket is TLS-only too, and grants nothing by policy (logs arrive through its ACL)", () => {
    const logs = named(records, "origin-logs-policy");
    expect(logs.inputs.bucket).toBe("origin-logs-id");
    expect(JSON.parse(logs.inputs.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::origin-logs-0a1b2c3", "arn:aws:s3:::origin-logs-0a1b2c3/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  test("every lifecycle rule filters on the empty prefix (an empty filter is deprecated by the AWS provider)", () => {
    const rules = byType(records, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").flatMap(
      (l) => l.inputs.rules,
    );
    expect(rules.length).toBeGreaterThan(2);
    for (const rule of rules) expect([rule.id, rule.filter]).toEqual([rule.id, { prefix: "" }]);
  });

  test("CloudFront reaches the bucket through Origin Access Control only", () => {
    const oac = one(records, "aws:cloudfront/originAccessControl:OriginAccessControl");
    expect(oac.inputs).toMatchObject({
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
    const origins = distribution(records).origins;
    expect(origins).toHaveLength(1);
    expect(origins[0]).toEqual({
      originId: "s3-content",
      domainName: "origin-bucket-0a1b2c3.s3.eu-west-1.amazonaws.com",
      originAccessControlId: "origin-oac-id",
    });
  });

  test("viewers: HTTPS everywhere (redirect), TLS 1.2 policy iPXE can speak, SNI, the validated certificate", () => {
    const d = distribution(records);
    expect(d.defaultCacheBehavior.viewerProtocolPolicy).toBe("redirect-to-https");
    expect(behaviours(records).map((b) => [b.pathPattern, b.viewerProtocolPolicy])).toEqual([
      ["sites/*", "redirect-to-https"],
      ["generic/*", "redirect-to-https"],
      ["artifacts/*", "redirect-to-https"],
      ["images/*", "redirect-to-https"],
    ]);
    expect(d.viewerCertificate).toEqual({
      acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/origin-cert",
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    });
    expect(d.aliases).toEqual(["boot.example.com"]);
    expect(d.priceClass).toBe("PriceClass_200"); // Pulumi.prod.yaml: an edge near sgp1
  });

  test("certificate in us-east-1 via an explicit provider, validated by a DNS-only record in Cloudflare", () => {
    const cert = one(records, "aws:acm/certificate:Certificate");
    expect(cert.inputs).toMatchObject({ domainName: "boot.example.com", validationMethod: "DNS" });
    const provider = one(records, "pulumi:providers:aws");
    expect(provider.inputs.region).toBe("us-east-1");
    expect(cert.provider.startsWith(provider.urn + "::")).toBe(true);
    const validation = one(records, "aws:acm/certificateValidation:CertificateValidation");
    expect(validation.provider).toBe(cert.provider);

    const dns = Object.fromEntries(
      byType(records, "cloudflare:index/dnsRecord:DnsRecord").map((r) => [r.name, r.inputs]),
    );
    const recordName = "_a79865eb4cd1a6ab990a45779b4e0b96.boot.example.com";
    expect(dns["origin-cert-validation-record"]).toMatchObject({
      zoneId: "0123456789abcdef0123456789abcdef",
      name: recordName,
      type: "CNAME",
      content: "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws",
      proxied: false,
      ttl: 60,
    });
    expect(validation.inputs).toEqual({
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/origin-cert",
      validationRecordFqdns: [recordName],
    });
    expect(dns["origin-dns"]).toMatchObject({
      zoneId: "0123456789abcdef0123456789abcdef",
      name: "boot.example.com",
      type: "CNAME",
      content: DISTRIBUTION_DOMAIN,
      proxied: false,
      ttl: 300,
    });
  });

  test("cache: scripts live within a minute, artefacts and images cached for a year, query strings never in the key", () => {
    const policies = Object.fromEntries(
      byType(records, "aws:cloudfront/cachePolicy:CachePolicy").map((p) => [`${p.name}-id`, p.inputs]),
    );
    const ttl = (id: string) => [policies[id].minTtl, policies[id].defaultTtl, policies[id].maxTtl];
    const d = distribution(records);
    expect(ttl(d.defaultCacheBehavior.cachePolicyId)).toEqual([0, 30, 60]);
    const byPath = Object.fromEntries(behaviours(records).map((b) => [b.pathPattern, ttl(b.cachePolicyId)]));
    expect(byPath).toEqual({
      "sites/*": [0, 30, 60],
      "generic/*": [0, 30, 60],
      "artifacts/*": [86400, 31536000, 31536000],
      "images/*": [86400, 31536000, 31536000],
    });
    for (const p of Object.values(policies)) {
      expect(p.parametersInCacheKeyAndForwardedToOrigin).toMatchObject({
        queryStringsConfig: { queryStringBehavior: "none" },
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "none" },
      });
    }
    for (const b of [d.defaultCacheBehavior, ...behaviours(records)]) {
      expect(b.allowedMethods).toEqual(["GET", "HEAD"]);
      expect(b.forwardedValues).toBeUndefined();
    }
  });

  test("the CDN's TTL bounds honour the objects' own Cache-Control (origin/keys.ts CACHE_CONTROL)", () => {
    const maxAge = (header: string) => Number(/max-age=(\d+)/.exec(header)![1]);
    const policies = byType(records, "aws:cloudfront/cachePolicy:CachePolicy").map((p) => p.inputs);
    const [scripts, immutable] = [
      policies.find((p) => p.maxTtl === 60)!,
      policies.find((p) => p.maxTtl !== 60)!,
    ];
    expect(maxAge(CACHE_CONTROL.script)).toBeGreaterThanOrEqual(scripts.minTtl);
    expect(maxAge(CACHE_CONTROL.script)).toBeLessThanOrEqual(scripts.maxTtl);
    expect(maxAge(CACHE_CONTROL.immutable)).toBeGreaterThanOrEqual(immutable.minTtl);
    expect(maxAge(CACHE_CONTROL.immutable)).toBeLessThanOrEqual(immutable.maxTtl);
  });

  test("protected bucket and access logs as configured", () => {
    const buckets = Object.fromEntries(byType(records, "aws:s3/bucket:Bucket").map((b) => [b.name, b]));
    expect(buckets["origin-bucket"].protect).toBe(true);
    expect(buckets["origin-bucket"].inputs.forceDestroy).toBe(false);
    expect(distribution(records).loggingConfig).toEqual({
      bucket: "origin-logs-0a1b2c3.s3.amazonaws.com",
      prefix: "cloudfront/",
      includeCookies: false,
    });
  });

  test("outputs: CDN URL, per-site stage-2 URLs, ISO download URL and sha256", async () => {
    const nyc2 = await valueOf(h.pulumi.output(outputs.sites.nyc2));
    expect(nyc2.isoSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(nyc2.isoUrl).toBe(`https://boot.example.com/images/nyc2/${nyc2.isoSha256}.iso`);
    expect(await valueOf(outputs.cdnUrl)).toBe("https://boot.example.com");
    expect(outputs.sites.ams1.stage2Url).toBe("https://boot.example.com/sites/ams1/stage2.ipxe");
    expect(Object.keys(outputs.sites)).toEqual(["ams1", "fra-lab", "nyc2", "sgp1"]);
    expect(await valueOf(outputs.distributionDomain)).toBe(DISTRIBUTION_DOMAIN);
  });
});

describe("variants", () => {
  test("adding a site adds exactly its image build, its two scripts and its ISO upload", async () => {
    const before = new Set(records.map((r) => r.urn));
    const extra = { ...prod.sites[1], name: "lis1" };
    const { records: after } = await build({ ...prod, sites: [...prod.sites, extra] });
    const added = after.filter((r) => !before.has(r.urn)).map((r) => `${r.type} ${r.name}`);
    expect(added.sort()).toEqual([
      "aws:s3/bucketObjectv2:BucketObjectv2 content-image-lis1",
      "aws:s3/bucketObjectv2:BucketObjectv2 content-sites/lis1/stage1.ipxe",
      "aws:s3/bucketObjectv2:BucketObjectv2 content-sites/lis1/stage2.ipxe",
      "boot-stack:index:IpxeIso iso-lis1",
      "command:local:Command iso-lis1-build",
    ]);
    expect(after.length).toBe(records.length + 5);
  });

  test("unprotected stack without access logs: no log bucket, bucket emptied on destroy", async () => {
    const { records } = await build(variant({ protect: false, accessLogs: false }));
    const buckets = byType(records, "aws:s3/bucket:Bucket");
    expect(buckets.map((b) => [b.name, b.protect, b.inputs.forceDestroy])).toEqual([
      ["origin-bucket", false, true],
    ]);
    expect(distribution(records).loggingConfig).toBeUndefined();
    expect(byType(records, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toHaveLength(1);
  });

  test("http allowed: plain HTTP only on what iPXE fetches (scripts, artefacts); images and the rest stay HTTPS", async () => {
    const { records, outputs } = await build(variant({ transport: "http", allowInsecureHttp: true }));
    const d = distribution(records);
    expect(d.defaultCacheBehavior.viewerProtocolPolicy).toBe("redirect-to-https");
    expect(behaviours(records).map((b) => [b.pathPattern, b.viewerProtocolPolicy])).toEqual([
      ["sites/*", "allow-all"],
      ["generic/*", "allow-all"],
      ["artifacts/*", "allow-all"],
      ["images/*", "redirect-to-https"],
    ]);
    expect(d.viewerCertificate.minimumProtocolVersion).toBe("TLSv1.2_2021");
    expect(outputs.sites.ams1.stage2Url).toBe("http://boot.example.com/sites/ams1/stage2.ipxe");
    expect(await valueOf(outputs.cdnUrl)).toBe("https://boot.example.com");
  });
});
