// ESLint: the layering rules of the README, enforced (eslint/layering.mjs holds the table of
// which layer may import what, and test/lint/layering.test.ts shows each rule reporting).
import tseslint from "typescript-eslint";
import layering from "./eslint/layering.mjs";

export default tseslint.config(
  { ignores: ["node_modules/", ".cache/", "dist/", "out/", "policy/node_modules/"] },
  {
    files: ["**/*.ts", "**/*.mjs", "**/*.js"],
    languageOptions: { parser: tseslint.parser },
    plugins: { "boot-stack": layering },
    rules: { "boot-stack/layering": "error" },
  },
);
