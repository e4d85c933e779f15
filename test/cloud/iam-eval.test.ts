// The bucket-policy evaluator (iam-eval.ts) against the rules as the AWS IAM User Guide states
// them, each case a documented rule; the origin's policy is then judged with it
// (bucket-policy.test.ts).
import { evaluate, Request } from "./iam-eval";

const policy = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const get = (extra: Partial<Request> = {}): Request => ({
  principal: { anonymous: true },
  action: "s3:GetObject",
  resource: "arn:aws:s3:::b/sites/a",
  context: { "aws:SecureTransport": "true" },
  ...extra,
});
const allowAll = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };

test("nothing applies: implicitly denied", () => {
  expect(evaluate(policy({ ...allowAll, Resource: "arn:aws:s3:::other/*" }), get())).toBe("implicit-deny");
});

test("an applicable Deny wins over an applicable Allow, whatever the order", () => {
  const deny = { ...allowAll, Effect: "Deny" };
  expect(evaluate(policy(allowAll, deny), get())).toBe("explicit-deny");
  expect(evaluate(policy(deny, allowAll), get())).toBe("explicit-deny");
});

test('Principal "*" and {AWS: "*"} include anonymous callers and service principals', () => {
  for (const Principal of ["*", { AWS: "*" }])
    for (const principal of [{ anonymous: true as const }, { service: "cloudfront.amazonaws.com" }])
      expect(evaluate(policy({ ...allowAll, Principal }), get({ principal }))).toBe("allow");
});

test("a Service principal matches only that service", () => {
  const s = { ...allowAll, Principal: { Service: "cloudfront.amazonaws.com" } };
  expect(evaluate(policy(s), get({ principal: { service: "cloudfront.amazonaws.com" } }))).toBe("allow");
  expect(evaluate(policy(s), get())).toBe("implicit-deny");
  expect(evaluate(policy(s), get({ principal: { service: "logging.s3.amazonaws.com" } }))).toBe(
    "implicit-deny",
  );
});

test("actions match case-insensitively with wildcards; resources case-sensitively", () => {
  expect(evaluate(policy({ ...allowAll, Action: "S3:Get*" }), get())).toBe("allow");
  expect(evaluate(policy({ ...allowAll, Action: "s3:Put*" }), get())).toBe("implicit-deny");
  expect(evaluate(policy({ ...allowAll, Resource: "arn:aws:s3:::B/*" }), get())).toBe("implicit-deny");
  expect(evaluate(policy({ ...allowAll, Resource: "arn:aws:s3:::b/sites/?" }), get())).toBe("allow");
});

test("operators AND, keys AND, values OR; key names case-insensitive", () => {
  const cond = (Condition: object) => policy({ ...allowAll, Condition });
  const r = get({ context: { "aws:SecureTransport": "true", "AWS:SourceArn": "arn:x:y:z:1:d/1" } });
  expect(
    evaluate(cond({ StringEquals: { "aws:sourcearn": ["arn:x:y:z:1:d/2", "arn:x:y:z:1:d/1"] } }), r),
  ).toBe("allow");
  expect(
    evaluate(
      cond({
        StringEquals: { "AWS:SourceArn": "arn:x:y:z:1:d/1" },
        Bool: { "aws:SecureTransport": "false" },
      }),
      r,
    ),
  ).toBe("implicit-deny");
  expect(
    evaluate(
      cond({ StringEquals: { "AWS:SourceArn": "arn:x:y:z:1:d/1", "aws:SecureTransport": "false" } }),
      r,
    ),
  ).toBe("implicit-deny");
});

test("a key absent from the request: false for plain operators, true for negated ones and ...IfExists", () => {
  const cond = (Condition: object) => evaluate(policy({ ...allowAll, Condition }), get());
  expect(cond({ StringEquals: { "AWS:SourceArn": "a" } })).toBe("implicit-deny");
  expect(cond({ ArnLike: { "AWS:SourceArn": "*" } })).toBe("implicit-deny");
  expect(cond({ StringNotEquals: { "AWS:SourceArn": "a" } })).toBe("allow");
  expect(cond({ ArnNotLike: { "AWS:SourceArn": "arn:*:*:*:*:*" } })).toBe("allow");
  expect(cond({ StringEqualsIfExists: { "AWS:SourceArn": "a" } })).toBe("allow");
});

test("negated operators with several values are a NOR", () => {
  const r = get({ context: { "AWS:SourceArn": "arn:aws:cloudfront::1:distribution/A" } });
  const c = (values: string[]) =>
    evaluate(policy({ ...allowAll, Condition: { StringNotEquals: { "AWS:SourceArn": values } } }), r);
  expect(c(["arn:aws:cloudfront::1:distribution/B", "arn:aws:cloudfront::1:distribution/C"])).toBe("allow");
  expect(c(["arn:aws:cloudfront::1:distribution/B", "arn:aws:cloudfront::1:distribution/A"])).toBe(
    "implicit-deny",
  );
});

test("ARN operators check each ARN part on its own: * does not cross a colon", () => {
  const r = get({ context: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1" } });
  const like = (p: string) =>
    evaluate(policy({ ...allowAll, Condition: { ArnLike: { "AWS:SourceArn": p } } }), r);
  expect(like("arn:aws:cloudfront::123456789012:distribution/*")).toBe("allow");
  expect(like("arn:aws:cloudfront::*:distribution/E?")).toBe("allow");
  expect(like("arn:aws:*:distribution/E1")).toBe("implicit-deny");
});

test("Bool compares true/false", () => {
  const deny = {
    ...allowAll,
    Effect: "Deny",
    Action: "s3:*",
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  expect(evaluate(policy(allowAll, deny), get())).toBe("allow");
  expect(evaluate(policy(allowAll, deny), get({ context: { "aws:SecureTransport": "false" } }))).toBe(
    "explicit-deny",
  );
});

test("anything outside the subset is refused, never ignored", () => {
  expect(() => evaluate(policy({ ...allowAll, NotPrincipal: "*" }), get())).toThrow(
    /outside the evaluated subset/,
  );
  expect(() =>
    evaluate(policy({ ...allowAll, Condition: { NumericLessThan: { "s3:max-keys": "10" } } }), get()),
  ).toThrow(/NumericLessThan is outside the subset/);
  expect(() => evaluate(policy({ ...allowAll, Principal: { Federated: "x" } }), get())).toThrow(/Federated/);
});
