// ESLint: the layering rules of the README, enforced. Data flows one way:
// config → ipxe (render, build) → origin → {components, local, cli}; nothing imports cli/.
import tseslint from "typescript-eslint";

const PULUMI = {
  group: ["@pulumi/*"],
  message: "pure logic: no Pulumi here (resources live in components/)",
};
const CLI = { group: ["**/cli", "**/cli/**"], message: "nothing imports the CLI; move shared code below it" };
const LOCAL = {
  group: ["**/local", "**/local/**"],
  message: "local/ is the QEMU rig and demo: production code does not use it",
};
const COMPONENTS = {
  group: ["**/components", "**/components/**"],
  message: "components/ are Pulumi resources: import plain data from origin/keys or config/",
};
const restrict = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

export default tseslint.config(
  { ignores: ["node_modules/", ".cache/", "dist/", "out/", "policy/node_modules/"] },
  {
    files: ["**/*.ts", "**/*.mjs", "**/*.js"],
    languageOptions: { parser: tseslint.parser },
  },
  {
    files: ["config/**/*.ts"],
    rules: restrict(PULUMI, CLI, LOCAL, COMPONENTS, {
      group: ["**/ipxe/**", "**/origin/**", "**/policy/**"],
      message: "config/ is the bottom layer: it imports nothing else of the project",
    }),
  },
  {
    files: ["ipxe/**/*.ts"],
    rules: restrict(PULUMI, CLI, LOCAL, COMPONENTS, {
      group: ["**/origin/*", "!**/origin/keys"],
      message: "ipxe/ may use origin/keys only (origin/ builds on ipxe/)",
    }),
  },
  {
    files: ["origin/**/*.ts"],
    rules: restrict(PULUMI, CLI, LOCAL, COMPONENTS),
  },
  {
    files: ["components/**/*.ts", "index.ts"],
    rules: restrict(CLI, LOCAL, {
      group: ["**/ipxe/build/*", "!**/ipxe/build/index"],
      message: "use the image builder's public entry (ipxe/build/index.ts) only",
    }),
  },
  {
    files: ["local/**/*.ts", "policy/**/*.ts", "bench/**/*.ts"],
    rules: restrict(CLI, COMPONENTS),
  },
  {
    files: ["cli/**/*.ts"],
    rules: restrict(COMPONENTS, PULUMI),
  },
);
