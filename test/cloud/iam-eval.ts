// A small evaluator of S3 bucket-policy semantics, for the subset of the policy language this
// project writes, so tests can ask "is this exact request allowed?" the way S3 would decide it.
// Rules reproduced from the AWS IAM User Guide:
// - Evaluation: every request starts denied; an applicable Deny statement wins over any Allow;
//   otherwise an applicable Allow allows; otherwise the request stays (implicitly) denied.
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
// - Principal "*" (and {"AWS": "*"}) is everyone, anonymous callers and service principals too.
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
// - Action and Resource match with the wildcards * and ? (actions case-insensitively).
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
// - Condition: operators are ANDed, keys under one operator are ANDed, the values of one key are
//   ORed (NOR for negated operators); key names are case-insensitive. A key absent from the
//   request makes a condition false, except for negated operators (StringNotEquals,
//   ArnNotLike, ...), where it makes it true; ...IfExists is true when the key is absent.
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// Anything outside the subset (NotPrincipal, NotAction, NotResource, set operators, numeric or
// date operators, policy variables) throws, so a test can never pass by silently ignoring it.

export type Principal = { anonymous: true } | { service: string } | { aws: string };

export interface Request {
  principal: Principal;
  action: string;
  resource: string;
  /** Request context keys, e.g. aws:SecureTransport, AWS:SourceArn (names case-insensitive). */
  context: Record<string, string>;
}

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  [other: string]: unknown;
}

const KNOWN_ELEMENTS = new Set(["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]);

export function evaluate(policyJson: string, request: Request): Decision {
  const doc = JSON.parse(policyJson) as { Version?: string; Statement: Statement | Statement[] };
  if (doc.Version !== "2012-10-17") throw new Error(`unsupported policy Version ${doc.Version}`);
  const statements = [doc.Statement].flat();
  const applies = statements.filter((s) => statementApplies(s, request));
  if (applies.some((s) => s.Effect === "Deny")) return "explicit-deny";
  if (applies.some((s) => s.Effect === "Allow")) return "allow";
  return "implicit-deny";
}

function statementApplies(s: Statement, r: Request): boolean {
  for (const key of Object.keys(s))
    if (!KNOWN_ELEMENTS.has(key))
      throw new Error(`statement ${s.Sid ?? ""}: ${key} is outside the evaluated subset`);
  if (s.Effect !== "Allow" && s.Effect !== "Deny")
    throw new Error(`statement ${s.Sid ?? ""}: Effect ${s.Effect}`);
  return (
    principalMatches(s.Principal, r.principal) &&
    [s.Action ?? []].flat().some((a) => wildcard(a, r.action, true)) &&
    [s.Resource ?? []].flat().some((p) => wildcard(p, r.resource, false)) &&
    conditionsHold(s.Condition ?? {}, r.context)
  );
}

function principalMatches(p: unknown, who: Principal): boolean {
  if (p === "*") return true;
  if (typeof p !== "object" || p === null)
    throw new Error(`Principal ${JSON.stringify(p)} is outside the subset`);
  for (const [kind, values] of Object.entries(p as Record<string, string | string[]>)) {
    const list = [values].flat();
    if (kind === "AWS") {
      if (list.includes("*")) return true;
      if ("aws" in who && list.includes(who.aws)) return true;
    } else if (kind === "Service") {
      if ("service" in who && list.includes(who.service)) return true;
    } else throw new Error(`Principal type ${kind} is outside the subset`);
  }
  return false;
}

/** IAM wildcards: * any run of characters, ? exactly one. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern.includes("${")) throw new Error(`policy variables (${pattern}) are outside the subset`);
  const re = pattern
    .replace(/[.+^$()|[\]{}\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, ignoreCase ? "is" : "s").test(value);
}

/** ARN operators check each of the six colon-separated parts on its own (the last keeps its colons). */
function arnMatches(pattern: string, arn: string): boolean {
  const parts = (a: string) => {
    const p = a.split(":");
    return p.length < 6 ? undefined : [...p.slice(0, 5), p.slice(5).join(":")];
  };
  const [want, have] = [parts(pattern), parts(arn)];
  return !!want && !!have && want.every((w, i) => wildcard(w, have[i], false));
}

type Matcher = (policyValue: string, requestValue: string) => boolean;

/** The operators of the subset: how one policy value matches the request's value. */
const OPERATORS: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: (p, v) => p === v, negated: false },
  StringNotEquals: { match: (p, v) => p === v, negated: true },
  StringEqualsIgnoreCase: { match: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: true },
  StringLike: { match: (p, v) => wildcard(p, v, false), negated: false },
  StringNotLike: { match: (p, v) => wildcard(p, v, false), negated: true },
  ArnEquals: { match: arnMatches, negated: false },
  ArnLike: { match: arnMatches, negated: false },
  ArnNotEquals: { match: arnMatches, negated: true },
  ArnNotLike: { match: arnMatches, negated: true },
  Bool: { match: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
};

function conditionsHold(
  condition: Record<string, Record<string, string | string[]>>,
  context: Record<string, string>,
): boolean {
  const lookup = (key: string): string | undefined => {
    const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? undefined : context[found];
  };
  return Object.entries(condition).every(([name, keys]) => {
    const ifExists = name.endsWith("IfExists");
    const op = OPERATORS[ifExists ? name.slice(0, -"IfExists".length) : name];
    if (!op) throw new Error(`condition operator ${name} is outside the subset`);
    return Object.entries(keys).every(([key, values]) => {
      const actual = lookup(key);
      if (actual === undefined) return ifExists || op.negated;
      const anyMatch = [values].flat().some((v) => op.match(String(v), actual));
      return op.negated ? !anyMatch : anyMatch;
    });
  });
}
