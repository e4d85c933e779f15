// Runs a ResourceValidationPolicy on one resource the way the policy server would (same isType
// test by Pulumi type token), without starting the server.
import type {
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

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

/** A resource as a stack policy sees it: type, name, props and the URNs each input depends on. */
export interface StackResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
  propertyDependencies?: Record<string, string[]>;
}

/**
 * Runs StackValidationPolicies the way the policy server's analyzeStack does: every resource with
 * `isType` by type token, and `propertyDependencies` resolved from URNs to the resource objects.
 */
export async function checkStack(
  policies: StackValidationPolicy[],
  resources: StackResource[],
): Promise<Violation[]> {
  const objects = resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.props,
    opts: {},
    dependencies: [],
    propertyDependencies: {} as Record<string, unknown[]>,
    isType: (cls: any) => cls?.__pulumiType === r.type,
    asType: (cls: any) => (cls?.__pulumiType === r.type ? r.props : undefined),
  }));
  const byUrn = new Map(objects.map((o) => [o.urn, o]));
  resources.forEach((r, i) => {
    for (const [key, urns] of Object.entries(r.propertyDependencies ?? {}))
      objects[i].propertyDependencies[key] = urns.map((u) => byUrn.get(u)).filter(Boolean);
  });
  const violations: Violation[] = [];
  for (const policy of policies) {
    const args = {
      resources: objects,
      stackTags: new Map<string, string>(),
      getConfig: () => ({}),
      notApplicable: () => undefined,
    } as unknown as StackValidationArgs;
    await policy.validateStack(args, (message) => violations.push({ policy: policy.name, message }));
  }
  return violations;
}
