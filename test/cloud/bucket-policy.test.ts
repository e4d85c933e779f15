// The content bucket's policy judged against exactly the requests S3 will see, decided the way
// S3 decides them (iam-eval.ts, rules from the IAM User Guide). CloudFront fetches from an S3
// origin with the protocol the viewer used: "CloudFront then forwards the requests to your
// Amazon S3 bucket using the same protocol in which the requests were made"
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPandHTTPSRequests.html).
// So every path whose viewer policy lets plain HTTP in makes OAC-signed HTTP requests to S3 on a
// cache miss, and those must be allowed; everything else must stay denied.
import type * as BootStackModule from "../../components/boot-stack";
import type { StackConfig } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { keys } from "../../origin/keys";
import { ACCOUNT, Harness, installMocks, one, Recorded, tempArtifacts } from "./harness";
import { Decision, evaluate, Request } from "./iam-eval";
import { PROD_FILE } from "../support/prod-config";

jest.setTimeout(60_000);

const prod = loadStackFile(PROD_FILE);
const { paths } = tempArtifacts(Object.keys(prod.artifacts));
let h: Harness;
let bootStack: typeof BootStackModule.bootStack;

beforeAll(async () => {
  h = await installMocks();
  ({ bootStack } = await import("../../components/boot-stack"));
});

async function deployed(origin: Partial<StackConfig["origin"]>): Promise<Recorded[]> {
  h.reset();
  bootStack({ ...prod, origin: { ...prod.origin, ...origin } }, { artifactPaths: paths });
  await h.settle();
  return [...h.records];
}

/** A key the CDN would fetch under a path pattern (`sites/*` → `sites/x`), or the manifest. */
const keyUnder = (pattern: string | undefined) => (pattern ? pattern.replace("*", "x") : keys.manifest);

interface Behaviour {
  pathPattern?: string;
  viewerProtocolPolicy: string;
}

/** Every origin fetch the distribution can make: per behaviour, HTTPS, and HTTP too when viewers may use it. */
function cdnFetches(records: Recorded[]): Array<{ key: string; secure: boolean }> {
  const d = one(records, "aws:cloudfront/distribution:Distribution").inputs;
  const behaviours: Behaviour[] = [d.defaultCacheBehavior, ...d.orderedCacheBehaviors];
  return behaviours.flatMap((b) => [
    { key: keyUnder(b.pathPattern), secure: true },
    ...(b.viewerProtocolPolicy === "allow-all" ? [{ key: keyUnder(b.pathPattern), secure: false }] : []),
  ]);
}

describe.each([
  ["https", {}],
  ["http", { transport: "http" as const, allowInsecureHttp: true }],
])("transport %s", (transport, origin) => {
  let records: Recorded[];
  let policy: string;
  let bucketArn: string;
  let distributionArn: string;
  beforeAll(async () => {
    records = await deployed(origin);
    policy = records.find((r) => r.name === "origin-bucket-policy")!.inputs.policy;
    bucketArn = "arn:aws:s3:::origin-bucket-0a1b2c3"; // the mock provider's name for origin-bucket
    distributionArn = `arn:aws:cloudfront::${ACCOUNT}:distribution/E2EXAMPLE${"origin-cdn".length}`;
  });

  const decide = (r: Omit<Request, "resource"> & { key: string }): Decision =>
    evaluate(policy, { ...r, resource: `${bucketArn}/${r.key}` });
  const cdn = (key: string, secure: boolean, sourceArn = distributionArn) =>
    decide({
      principal: { service: "cloudfront.amazonaws.com" },
      action: "s3:GetObject",
      key,
      context: {
        "aws:SecureTransport": String(secure),
        "AWS:SourceArn": sourceArn,
        "AWS:SourceAccount": ACCOUNT,
      },
    });

  test("the bucket and the distribution are the ones the evaluator is asked about", () => {
    expect(policy).toContain(`"${bucketArn}/*"`);
    expect(policy).toContain(`"${distributionArn}"`);
  });

  test("every fetch this distribution makes is allowed, over the protocol its viewers use", () => {
    const fetches = cdnFetches(records);
    expect(fetches.some((f) => !f.secure)).toBe(transport === "http");
    for (const f of fetches) expect([f, cdn(f.key, f.secure)]).toEqual([f, "allow"]);
  });

  test("plain HTTP from this distribution is exempt only where viewers may use it", () => {
    expect(cdn(keys.stage2("ams1"), false)).toBe(transport === "http" ? "allow" : "explicit-deny");
  });

  test("another distribution (any account's, through its own OAC) is not allowed, HTTPS or HTTP", () => {
    const other = "arn:aws:cloudfront::210987654321:distribution/EOTHER";
    expect(cdn(keys.stage2("ams1"), true, other)).toBe("implicit-deny");
    expect(cdn(keys.stage2("ams1"), false, other)).toBe("explicit-deny");
  });

  test("anonymous callers: nothing over HTTPS, explicitly denied over HTTP", () => {
    const anon = (secure: boolean) =>
      decide({
        principal: { anonymous: true },
        action: "s3:GetObject",
        key: keys.stage2("ams1"),
        context: { "aws:SecureTransport": String(secure) },
      });
    expect(anon(true)).toBe("implicit-deny");
    expect(anon(false)).toBe("explicit-deny");
  });

  test("the CDN may read and nothing else; anyone else's plain HTTP is refused", () => {
    const asCdn = (action: string) =>
      decide({
        principal: { service: "cloudfront.amazonaws.com" },
        action,
        key: keys.stage2("ams1"),
        context: { "aws:SecureTransport": "true", "AWS:SourceArn": distributionArn },
      });
    expect(asCdn("s3:PutObject")).toBe("implicit-deny");
    expect(asCdn("s3:ListBucket")).toBe("implicit-deny");
    // The deploy role (identity policies grant it; the bucket policy must still refuse plain HTTP).
    expect(
      decide({
        principal: { aws: `arn:aws:iam::${ACCOUNT}:role/deploy` },
        action: "s3:PutObject",
        key: keys.stage2("ams1"),
        context: { "aws:SecureTransport": "false" },
      }),
    ).toBe("explicit-deny");
  });
});
