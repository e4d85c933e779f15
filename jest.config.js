// Two projects: fast unit/render tests, and real QEMU boot tests (slow, serial).
// Type-checking is done once by `tsc --noEmit` (npm test), so jest only strips types (swc).
const transform = { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] };
/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["<rootDir>/test/boot/"],
    },
    {
      displayName: "boot",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/boot/**/*.test.ts"],
    },
  ],
};
