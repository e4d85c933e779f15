// The stack this project declares passes its own policy pack: every resource the example stack
// registers (mocks), in the https and the http-allowed variant, is run through every resource
// policy, and the whole stack (with the engine's property dependencies) through the stack policies.
import type * as BootStackModule from "../../components/boot-stack";
import type { StackConfig } from "../../config/schema";
import { loadStackFile } from "../../config/stack-file";
import { policies, stackPolicies } from "../../policy/policies";
import { PROD_FILE } from "../support/prod-config";
import { installMocks, tempArtifacts } from "../cloud/harness";
import { check, checkStack } from "./check";

// Registering ~50 mocked resources takes seconds on 2 cores when the suite runs in parallel.
jest.setTimeout(60_000);

const prod = loadStackFile(PROD_FILE);
const { paths } = tempArtifacts(Object.keys(prod.artifacts));

test.each([
  ["https (as in Pulumi.prod.yaml)", {}],
  ["http allowed for scripts", { transport: "http", allowInsecureHttp: true }],
] as const)("%s: no violations", async (_label, origin) => {
  const h = await installMocks();
  const { bootStack }: typeof BootStackModule = await import("../../components/boot-stack");
  h.reset();
  const config: StackConfig = { ...prod, origin: { ...prod.origin, ...origin } };
  bootStack(config, { artifactPaths: paths });
  await h.settle();
  expect(h.records.length).toBeGreaterThan(20);
  const violations = (
    await Promise.all(h.records.map((r) => check(policies, r.type, r.inputs, r.name)))
  ).flat();
  expect(violations).toEqual([]);
  const resources = h.records.map((r) => ({ ...r, props: r.inputs }));
  expect(await checkStack(stackPolicies, resources)).toEqual([]);
  // The stack policy found the content and log buckets through the blocks' real dependencies.
  const withoutBlocks = resources.filter(
    (r) => r.type !== "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  );
  expect((await checkStack(stackPolicies, withoutBlocks)).map((v) => v.message)).toEqual([
    expect.stringMatching(/^bucket origin-bucket has no BucketPublicAccessBlock/),
    expect.stringMatching(/^bucket origin-logs has no BucketPublicAccessBlock/),
  ]);
});
