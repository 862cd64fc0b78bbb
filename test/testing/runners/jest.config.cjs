/** Jest runs the test kit's jest file (jest-kit.jest.ts) as native ES modules, TypeScript through esbuild. */
module.exports = {
  rootDir: "../../..",
  testMatch: ["<rootDir>/test/testing/runners/*.jest.ts"],
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: { "\\.ts$": "<rootDir>/test/testing/runners/esbuild-transform.cjs" },
  // Sources import "./x.js" for "./x.ts", as Node's ESM resolution wants.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  cacheDirectory: "<rootDir>/node_modules/.cache/jest",
};
