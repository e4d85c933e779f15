// The layering of the README, as an ESLint rule. Data flows one way: stack config → validated
// sites → scripts and origin layout → {cloud upload, local origin, images}; nothing downstream is
// imported by anything upstream, and nothing imports the CLI. Every form of import is checked
// (import/export from, import(), require(), import x = require(), import("x").T), with relative
// paths resolved against the importing file, so `../../cli` and `./cli/main` are the same module.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const PULUMI = { target: "@pulumi/", why: "pure logic: no Pulumi here (resources live in components/)" };
const CLI = { target: "cli/", why: "nothing imports the CLI: move what is shared below it" };
const LOCAL = {
  target: "local/",
  why: "local/ is the QEMU rig and the demo: production code does not use it",
};
const COMPONENTS = {
  target: "components/",
  why: "components/ are Pulumi resources: take plain data from origin/keys.ts or config/",
};
const POLICY = { target: "policy/", why: "the policy pack checks resources; nothing builds on it" };
const BENCH = { target: "bench/", why: "benchmarks measure the code; nothing builds on them" };
const PROGRAM = { target: "index.ts", why: "index.ts is the Pulumi program: nothing imports it" };
const DOWNSTREAM = [CLI, LOCAL, COMPONENTS, POLICY, BENCH, PROGRAM];

/**
 * Who may not import what, first match of `from` wins (a folder prefix or a file). `except`
 * lists modules inside a forbidden target that are allowed (a folder import means its index).
 * Files under test/ may import anything; a file no rule names still may not import the CLI.
 */
export const LAYERS = [
  {
    from: "errors/",
    forbid: [
      PULUMI,
      ...DOWNSTREAM,
      ...["config/", "ipxe/", "origin/"].map((target) => ({
        target,
        why: "errors/ is the leaf every layer extends: it imports nothing of the project",
      })),
    ],
  },
  {
    from: "config/",
    forbid: [
      PULUMI,
      ...DOWNSTREAM,
      ...["ipxe/", "origin/"].map((target) => ({
        target,
        why: "config/ is the bottom layer: it imports nothing of the project but errors/",
      })),
    ],
  },
  {
    from: "ipxe/",
    forbid: [
      PULUMI,
      ...DOWNSTREAM,
      {
        target: "origin/",
        except: ["origin/keys"],
        why: "ipxe/ may use origin/keys only (origin/ builds on ipxe/)",
      },
    ],
  },
  { from: "origin/", forbid: [PULUMI, ...DOWNSTREAM] },
  {
    from: "components/",
    forbid: [
      CLI,
      LOCAL,
      POLICY,
      BENCH,
      PROGRAM,
      {
        target: "ipxe/build/",
        except: ["ipxe/build/index"],
        why: "use the image builder's public entry only",
      },
    ],
  },
  {
    from: "index.ts",
    forbid: [
      CLI,
      LOCAL,
      POLICY,
      BENCH,
      {
        target: "ipxe/build/",
        except: ["ipxe/build/index"],
        why: "use the image builder's public entry only",
      },
    ],
  },
  { from: "local/", forbid: [PULUMI, CLI, COMPONENTS, POLICY, BENCH, PROGRAM] },
  { from: "cli/", forbid: [PULUMI, COMPONENTS, POLICY, BENCH, PROGRAM] },
  { from: "policy/", forbid: [CLI, LOCAL, COMPONENTS, BENCH, PROGRAM] },
  { from: "bench/", forbid: [CLI, COMPONENTS, PROGRAM] },
  { from: "test/", forbid: [] },
  { from: "", forbid: [CLI] },
];

/** The project module a relative import names (`cli/main`, `ipxe/build/index`), or the package name. */
function target(spec, file) {
  if (!spec.startsWith(".")) return spec;
  const abs = path.resolve(path.dirname(file), spec);
  const isDir = fs.existsSync(abs) && fs.statSync(abs).isDirectory();
  const rel = path
    .relative(ROOT, isDir ? path.join(abs, "index") : abs)
    .split(path.sep)
    .join("/");
  return rel.replace(/\.(ts|mjs|js)$/, "") === "index" ? "index.ts" : rel.replace(/\.(ts|mjs|js)$/, "");
}

const matches = (module, prefix) =>
  prefix.endsWith("/") ? module.startsWith(prefix) || `${module}/` === prefix : module === prefix;

export function violation(file, spec) {
  const from = path.relative(ROOT, file).split(path.sep).join("/");
  if (from.startsWith("..") || from.startsWith("node_modules/")) return undefined;
  const layer = LAYERS.find((l) =>
    l.from.endsWith("/") || l.from === "" ? from.startsWith(l.from) : from === l.from,
  );
  const module = target(spec, file);
  const rule = layer.forbid.find((f) => matches(module, f.target) && !(f.except ?? []).includes(module));
  return rule && `${layer.from || from} may not import ${module}: ${rule.why}`;
}

const rule = {
  meta: {
    type: "problem",
    docs: { description: "Enforces the layering of the README (see eslint/layering.mjs)" },
    schema: [],
    messages: { layer: "{{problem}}" },
  },
  create(context) {
    const check = (node) => {
      const spec =
        node?.type === "Literal" && typeof node.value === "string"
          ? node.value
          : node?.type === "TemplateLiteral" && node.expressions.length === 0
            ? node.quasis[0].value.cooked
            : undefined;
      if (spec === undefined) return;
      const problem = violation(context.filename, spec);
      if (problem) context.report({ node, messageId: "layer", data: { problem } });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      TSImportEqualsDeclaration: (n) => check(n.moduleReference.expression),
      TSImportType: (n) => check(n.argument?.literal ?? n.argument),
      CallExpression: (n) =>
        n.callee.type === "Identifier" && n.callee.name === "require" && check(n.arguments[0]),
    };
  },
};

export default { rules: { layering: rule } };
