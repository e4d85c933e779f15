// The policy pack: `pulumi preview --policy-pack policy` (CI runs it on every preview and update).
// The rules themselves live in policies.ts, where the tests call them directly.
import { PolicyPack } from "@pulumi/policy";
import { policies, stackPolicies } from "./policies";

new PolicyPack("boot-stack", { policies: [...policies, ...stackPolicies] });
