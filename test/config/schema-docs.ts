// What the config schema accepts and what Pulumi.yaml documents, as comparable facts, so a test
// can say exactly which key, enum value or placeholder is missing or extra on either side.
import { z } from "zod";
import { CONFIG_KEYS } from "../../config/validate";
import { artifactSchema, ipxeSchema, originSchema, siteSchema } from "../../config/schema";

/** One documented or accepted key: `sites` + `network.mode`, `artifacts` + `<name>.sha256`. */
export interface KeyFact {
  required: boolean;
  /** The schema's default, rendered as the docs write it (`net0`, `[bios, uefi]`, `false`). */
  default?: string;
  /** The allowed values, when the key is an enum (or a list of one). */
  values?: string[];
  /** bool, int, list, enum, or anything else for strings (string, CIDR, IPv4, ...). */
  kind: "bool" | "int" | "list" | "enum" | "text";
}

export type Facts = Map<string, KeyFact>;

/** How each section of the `boot-stack` namespace is read (config/validate.ts). */
const SECTIONS: Record<(typeof CONFIG_KEYS)[number], { schema: z.ZodType; prefix: string }> = {
  origin: { schema: originSchema, prefix: "" },
  artifacts: { schema: artifactSchema, prefix: "<name>." },
  ipxe: { schema: ipxeSchema, prefix: "" },
  sites: { schema: siteSchema, prefix: "" },
};

/** Every key the schema accepts, per section, as `section: path`. */
export function schemaFacts(): Facts {
  const facts: Facts = new Map();
  for (const [section, { schema, prefix }] of Object.entries(SECTIONS))
    walkObject(schema, (path, fact) => facts.set(`${section}: ${prefix}${path}`, fact));
  return facts;
}

type Def = { type: string } & Record<string, any>;
const def = (s: z.ZodType): Def => (s as any)._zod.def;

function walkObject(schema: z.ZodType, add: (path: string, fact: KeyFact) => void, at = ""): void {
  const keys = new Map<string, z.ZodType[]>();
  for (const shape of objectShapes(schema))
    for (const [k, v] of Object.entries(shape)) keys.set(k, [...(keys.get(k) ?? []), v]);
  for (const [key, variants] of keys) {
    const path = `${at}${key}`;
    const facts = variants.map((v) => leaf(v));
    const values = [...new Set(facts.flatMap((f) => f.fact.values ?? []))];
    const fact: KeyFact = { ...facts[0].fact, required: facts.some((f) => f.fact.required) };
    if (values.length) fact.values = values;
    const inner = facts[0].inner;
    if (def(inner).type === "object") walkObject(inner, add, `${path}.`);
    else {
      add(path, fact);
      // A value that may also be an object (a union) documents that object's keys too.
      if (def(inner).type === "union" && objectShapes(inner).length) walkObject(inner, add, `${path}.`);
      const element = def(inner).type === "array" ? def(inner).element : undefined;
      if (element && objectShapes(element).length) walkObject(element, add, `${path}[].`);
    }
  }
}

/** The object shapes a schema can take: its own, or those of a union's object options. */
function objectShapes(schema: z.ZodType): Array<Record<string, z.ZodType>> {
  const d = def(schema);
  if (d.type === "object") return [d.shape];
  if (d.type === "union") return (d.options as z.ZodType[]).flatMap(objectShapes);
  return [];
}

/** A key's facts, and its schema with optional/default wrappers taken off. */
function leaf(schema: z.ZodType): { fact: KeyFact; inner: z.ZodType } {
  let s = schema;
  let required = true;
  let dflt: unknown;
  for (;;) {
    const d = def(s);
    if (d.type === "optional") required = false;
    else if (d.type === "default") {
      required = false;
      dflt = typeof d.defaultValue === "function" ? d.defaultValue() : d.defaultValue;
    } else break;
    s = d.innerType;
  }
  const d = def(s);
  const element = d.type === "array" ? def(d.element) : undefined;
  const values = enumValues(d) ?? (element && enumValues(element));
  const kind: KeyFact["kind"] =
    d.type === "boolean"
      ? "bool"
      : d.type === "number"
        ? "int"
        : d.type === "array"
          ? "list"
          : values
            ? "enum"
            : "text";
  const fact: KeyFact = { required, kind };
  if (values) fact.values = values;
  if (dflt !== undefined) fact.default = render(dflt);
  return { fact, inner: s };
}

function enumValues(d: Def): string[] | undefined {
  if (d.type === "enum") return Object.values(d.entries as Record<string, string>);
  if (d.type === "literal") return (d.values as unknown[]).map(String);
  return undefined;
}

const render = (v: unknown): string => (Array.isArray(v) ? `[${v.map(render).join(", ")}]` : String(v));

/** A documented key: its line's type column, the text after it, and the whole description. */
export interface DocKey {
  type: string;
  rest: string;
  line: number;
}

/**
 * Reads the config reference in Pulumi.yaml's comments. Its grammar (stated in the file):
 * `# boot-stack:<section>` opens a section; `#   <key> <type> <default> <description>` (exactly
 * three spaces after `#`) documents a key; deeper-indented lines continue the description.
 * Enum values are written `a | b | c`; placeholders `{name}`.
 */
export function docFacts(text: string): {
  keys: Map<string, DocKey>;
  sections: string[];
  placeholders: string[];
} {
  const keys = new Map<string, DocKey>();
  const sections: string[] = [];
  let section: string | undefined;
  let last: DocKey | undefined;
  text.split("\n").forEach((line, i) => {
    const header = /^# boot-stack:(\w+)\b/.exec(line);
    const key = /^# {3}(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (header) {
      section = header[1];
      sections.push(section);
      last = undefined;
    } else if (key && section) {
      last = { type: key[2], rest: key[3], line: i + 1 };
      keys.set(`${section}: ${key[1]}`, last);
    } else if (/^# {4,}\S/.test(line) && last) last.rest += ` ${line.slice(1).trim()}`;
    else if (!/^# {4,}/.test(line)) last = undefined;
    if (/^# (Provider settings|-{10,})/.test(line)) section = undefined;
  });
  const placeholders = [...new Set([...text.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]))];
  return { keys, sections, placeholders };
}

/** The enum values a description lists: its first run of `a | b | c`. */
export function documentedValues(rest: string): string[] {
  const run = /[\w.-]+(?: \| [\w.-]+)+/.exec(rest);
  return run ? run[0].split(" | ").map((v) => v.replace(/\.+$/, "")) : [];
}
