// The layering rule (eslint/layering.mjs) reports each forbidden edge, in every import form, and
// lets the allowed ones through. Linted by real ESLint with the project's eslint.config.mjs, in
// a child process (ESLint loads its config as an ES module, which jest's runtime cannot).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..");

interface Case {
  file: string;
  code: string;
  /** The message expected, or undefined when the import is allowed. */
  reported?: RegExp;
}

const CASES: Case[] = [
  // config/: the bottom layer (errors/ aside).
  {
    file: "config/x.ts",
    code: 'import * as p from "@pulumi/pulumi";',
    reported: /config\/ may not import @pulumi\/pulumi: pure logic/,
  },
  {
    file: "config/x.ts",
    code: 'import { main } from "../cli/main";',
    reported: /config\/ may not import cli\/main: nothing imports the CLI/,
  },
  {
    file: "config/x.ts",
    code: 'import { renderStage1 } from "../ipxe/render/stage1";',
    reported: /config\/ may not import ipxe\/render\/stage1/,
  },
  {
    file: "config/x.ts",
    code: 'import { runDemo } from "../local/demo";',
    reported: /config\/ may not import local\/demo/,
  },
  { file: "config/x.ts", code: 'import { UserError } from "../errors/user-error";' },
  { file: "config/x.ts", code: 'import { z } from "zod";' },
  // errors/: the leaf.
  {
    file: "errors/x.ts",
    code: 'import { NAME } from "../config/schema";',
    reported: /errors\/ may not import config\/schema/,
  },
  // ipxe/: only origin/keys from origin/.
  { file: "ipxe/render/x.ts", code: 'import { keys } from "../../origin/keys";' },
  {
    file: "ipxe/render/x.ts",
    code: 'import { originLayout } from "../../origin/layout";',
    reported: /ipxe\/ may not import origin\/layout: ipxe\/ may use origin\/keys only/,
  },
  {
    file: "ipxe/build/x.ts",
    code: 'import { startQemu } from "../../local/qemu/rig";',
    reported: /ipxe\/ may not import local\/qemu\/rig/,
  },
  {
    file: "ipxe/build/x.ts",
    code: 'import * as aws from "@pulumi/aws";',
    reported: /ipxe\/ may not import @pulumi\/aws/,
  },
  // Every import form is seen.
  {
    file: "ipxe/build/x.ts",
    code: 'const m = require("../../cli/main");',
    reported: /ipxe\/ may not import cli\/main/,
  },
  {
    file: "ipxe/build/x.ts",
    code: 'import m = require("../../cli/main");',
    reported: /ipxe\/ may not import cli\/main/,
  },
  {
    file: "origin/x.ts",
    code: 'export async function f() { return import("../components/origin"); }',
    reported: /origin\/ may not import components\/origin/,
  },
  {
    file: "origin/x.ts",
    code: "export async function f() { return import(`../cli/project`); }",
    reported: /origin\/ may not import cli\/project/,
  },
  {
    file: "origin/x.ts",
    code: 'export * from "../cli/project";',
    reported: /origin\/ may not import cli\/project/,
  },
  {
    file: "origin/x.ts",
    code: 'export { projectDir } from "../cli/project";',
    reported: /origin\/ may not import cli\/project/,
  },
  {
    file: "origin/x.ts",
    code: 'import type { DemoOptions } from "../local/demo";',
    reported: /origin\/ may not import local\/demo/,
  },
  {
    file: "origin/x.ts",
    code: 'export type T = import("../local/demo").DemoOptions;',
    reported: /origin\/ may not import local\/demo/,
  },
  // components/ and the program: the builder's public entry only.
  { file: "components/x.ts", code: 'import { buildSiteImage } from "../ipxe/build";' },
  { file: "components/x.ts", code: 'import { buildSiteImage } from "../ipxe/build/index";' },
  {
    file: "components/x.ts",
    code: 'import { readHeaders } from "../ipxe/build/compile";',
    reported: /components\/ may not import ipxe\/build\/compile: use the image builder's public entry only/,
  },
  { file: "components/x.ts", code: 'import { keys } from "../origin/keys";' },
  {
    file: "components/x.ts",
    code: 'import { ensureTools } from "../local/tools";',
    reported: /components\/ may not import local\/tools/,
  },
  {
    file: "index.ts",
    code: 'import { cacheDir } from "./ipxe/build/cache";',
    reported: /index\.ts may not import ipxe\/build\/cache/,
  },
  {
    file: "index.ts",
    code: 'import { main } from "./cli/main";',
    reported: /index\.ts may not import cli\/main/,
  },
  { file: "index.ts", code: 'import { bootStack } from "./components/boot-stack";' },
  // local/, cli/, policy/, bench/.
  {
    file: "local/x.ts",
    code: 'import * as aws from "@pulumi/aws";',
    reported: /local\/ may not import @pulumi\/aws/,
  },
  { file: "local/x.ts", code: 'import { OriginServer } from "../origin/server";' },
  {
    file: "local/qemu/x.ts",
    code: 'import { registerDemo } from "../../cli/commands/demo";',
    reported: /local\/ may not import cli\/commands\/demo/,
  },
  {
    file: "cli/commands/x.ts",
    code: 'import { Origin } from "../../components/origin";',
    reported: /cli\/ may not import components\/origin/,
  },
  { file: "cli/commands/x.ts", code: 'import { runDemo } from "../../local/demo";' },
  { file: "cli/commands/x.ts", code: 'import { projectDir } from "../project";' },
  {
    file: "policy/x.ts",
    code: 'import { Origin } from "../components/origin";',
    reported: /policy\/ may not import components\/origin/,
  },
  { file: "policy/x.ts", code: 'import { CACHE_CONTROL } from "../origin/keys";' },
  {
    file: "bench/x.ts",
    code: 'import { main } from "../cli/main";',
    reported: /bench\/ may not import cli\/main/,
  },
  { file: "bench/x.ts", code: 'import { bootSession } from "../local/session";' },
  // A folder no rule names still may not import the CLI; tests may import anything.
  {
    file: "scripts/x.ts",
    code: 'import { main } from "../cli/main";',
    reported: /scripts\/x\.ts may not import cli\/main/,
  },
  { file: "test/x.test.ts", code: 'import { main } from "../cli/main";' },
];

interface LintResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; message: string; fatal?: boolean }>;
}

function lint(cases: Case[]): LintResult[] {
  const runner = `import { ESLint } from "eslint";
const cases = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: ${JSON.stringify(REPO)} });
const out = [];
for (const c of cases) out.push(...(await eslint.lintText(c.code, { filePath: ${JSON.stringify(REPO)} + "/" + c.file })));
process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", runner, JSON.stringify(cases)], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`eslint runner failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test("each forbidden import is reported with its reason, each allowed one passes", () => {
  const results = lint(CASES);
  const problems = CASES.flatMap((c, i) => {
    const messages = results[i].messages;
    const fatal = messages.filter((m) => m.fatal || m.ruleId === null);
    if (fatal.length) return [`${c.file}: ${c.code}: could not be linted: ${fatal[0].message}`];
    const layering = messages.filter((m) => m.ruleId === "boot-stack/layering").map((m) => m.message);
    if (c.reported && !(layering.length === 1 && c.reported.test(layering[0])))
      return [
        `${c.file}: ${c.code}: expected one report matching ${c.reported}, got ${JSON.stringify(layering)}`,
      ];
    if (!c.reported && layering.length)
      return [`${c.file}: ${c.code}: allowed, but reported ${JSON.stringify(layering)}`];
    return [];
  });
  expect(problems).toEqual([]);
});

test("every top-level folder with TypeScript has a layer of its own (a new folder needs a decision)", () => {
  const text = fs.readFileSync(path.join(REPO, "eslint", "layering.mjs"), "utf8");
  const named = [...text.matchAll(/from: "([a-z-]+)\/"/g)].map((m) => m[1]);
  const folders = fs
    .readdirSync(REPO, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "node_modules")
    .map((d) => d.name)
    .filter((d) => hasTypeScript(path.join(REPO, d)));
  expect(
    folders
      .filter((f) => !named.includes(f))
      .map(
        (f) =>
          `${f}/ has no layer in eslint/layering.mjs: add { from: "${f}/", forbid: [...] } saying what it may not import`,
      ),
  ).toEqual([]);
});

function hasTypeScript(dir: string): boolean {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .some((e) =>
      e.isDirectory()
        ? e.name !== "node_modules" && hasTypeScript(path.join(dir, e.name))
        : e.name.endsWith(".ts"),
    );
}
