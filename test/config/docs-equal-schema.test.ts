// Docs from one source: the config reference in Pulumi.yaml (keys, enum values, defaults,
// placeholders) and the README's example site must say exactly what config/schema.ts accepts.
// When the schema changes, this test names each line the docs must gain, lose or change.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PLACEHOLDERS } from "../../config/placeholders";
import { validateStackConfig } from "../../config/validate";
import { CONFIG_KEYS } from "../../config/validate";
import { docFacts, documentedValues, schemaFacts } from "./schema-docs";
import { prodRaw, PROJECT_DIR } from "../support/prod-config";

const PULUMI_YAML = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
const README = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
const schema = schemaFacts();
const docs = docFacts(PULUMI_YAML);
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

test("Pulumi.yaml documents every config section, and only those", () => {
  expect(docs.sections.sort()).toEqual([...CONFIG_KEYS].sort());
});

test("Pulumi.yaml documents every key the schema accepts, and no other", () => {
  const problems: string[] = [];
  for (const [key, fact] of schema)
    if (!docs.keys.has(key))
      problems.push(
        `missing in Pulumi.yaml: boot-stack:${key.replace(": ", " key ")} (${fact.kind}${fact.required ? ", required" : fact.default !== undefined ? `, default ${fact.default}` : ""}${fact.values ? `: ${fact.values.join(" | ")}` : ""})`,
      );
  for (const [key, doc] of docs.keys)
    if (!schema.has(key))
      problems.push(
        `Pulumi.yaml:${doc.line} documents boot-stack:${key.replace(": ", " key ")}, which the schema does not accept: remove it`,
      );
  expect(problems).toEqual([]);
});

test("each documented key has the schema's kind, default or 'required', and enum values", () => {
  const problems: string[] = [];
  for (const [key, fact] of schema) {
    const doc = docs.keys.get(key);
    if (!doc) continue; // reported above
    const where = `Pulumi.yaml:${doc.line} ${key}`;
    const docKind = ["bool", "int", "list", "enum"].includes(doc.type) ? doc.type : "text";
    if (docKind !== fact.kind) problems.push(`${where}: type ${doc.type}, but the schema's is ${fact.kind}`);
    const first = doc.rest.split(/\s+/)[0];
    if (fact.required && first !== "required")
      problems.push(`${where}: the schema requires it: write "required" after the type`);
    if (!fact.required && first === "required")
      problems.push(`${where}: documented as required, the schema has it optional`);
    if (fact.default !== undefined && !doc.rest.startsWith(`${fact.default} `) && doc.rest !== fact.default)
      problems.push(`${where}: the schema's default is ${fact.default}: write it after the type`);
    const values = documentedValues(doc.rest);
    if (fact.values && !sameSet(values, fact.values))
      problems.push(
        `${where}: enum values documented [${values.join(" | ")}], the schema's are [${fact.values.join(" | ")}]` +
          `${missing(fact.values, values)}${extra(values, fact.values)}`,
      );
    if (!fact.values && values.length)
      problems.push(
        `${where}: documents values ${values.join(" | ")}, but the schema takes any ${fact.kind}`,
      );
  }
  expect(problems).toEqual([]);
});

const missing = (want: string[], have: string[]) =>
  want.some((v) => !have.includes(v)) ? `; add ${want.filter((v) => !have.includes(v)).join(", ")}` : "";
const extra = (have: string[], want: string[]) =>
  have.some((v) => !want.includes(v)) ? `; remove ${have.filter((v) => !want.includes(v)).join(", ")}` : "";

test("Pulumi.yaml documents exactly the placeholders kernel arguments accept", () => {
  const problems = [
    ...docs.placeholders
      .filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p))
      .map(
        (p) => `Pulumi.yaml documents placeholder {${p}}, which config/placeholders.ts rejects: remove it`,
      ),
    ...PLACEHOLDERS.filter((p) => !docs.placeholders.includes(p)).map(
      (p) => `placeholder {${p}} (config/placeholders.ts) is not documented in Pulumi.yaml: add it`,
    ),
  ];
  expect(problems).toEqual([]);
});

describe("the README's example site", () => {
  const block = /## Adding a site[\s\S]*?```yaml\n([\s\S]*?)```/.exec(README)?.[1] ?? "";
  test("is accepted as a site of the example stack", () => {
    expect(block).not.toBe("");
    const site = parse(block)[0];
    expect(() => validateStackConfig({ ...prodRaw(), sites: [site] }, "README.md example")).not.toThrow();
  });
  test("its `a | b` comments list exactly the schema's values", () => {
    const problems: string[] = [];
    for (const m of block.matchAll(/^\s*-?\s*(\w+):.*#\s*(.*\|.*)$/gm)) {
      const fact = [...schema].find(([k]) => k.startsWith("sites: ") && k.endsWith(`.${m[1]}`))?.[1];
      const values = documentedValues(m[2]);
      if (!fact?.values || !sameSet(values, fact.values))
        problems.push(
          `README.md: ${m[1]}: documents [${values.join(" | ")}], the schema's are [${fact?.values?.join(" | ")}]`,
        );
    }
    expect(problems).toEqual([]);
  });
});
