// Runs a ResourceValidationPolicy on one resource the way the policy server would (same isType
// test by Pulumi type token), without starting the server.
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export interface Violation {
  policy: string;
  message: string;
}

export async function check(
  policies: ResourceValidationPolicy[],
  type: string,
  props: Record<string, any>,
  name = "r",
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of policies) {
    const validations = [policy.validateResource ?? []].flat();
    const args = {
      type,
      props,
      name,
      urn: `urn:pulumi:test::boot-stack::${type}::${name}`,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        additionalSecretOutputs: [],
        customTimeouts: {},
      },
      stackTags: new Map<string, string>(),
      isType: (cls: any) => cls?.__pulumiType === type,
      asType: (cls: any) => (cls?.__pulumiType === type ? props : undefined),
      getConfig: () => ({}),
      notApplicable: () => undefined,
    } as unknown as ResourceValidationArgs;
    for (const validate of validations)
      await validate(args, (message) => violations.push({ policy: policy.name, message }));
  }
  return violations;
}
