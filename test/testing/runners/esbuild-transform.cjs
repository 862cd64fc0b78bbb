/**
 * Jest's transformer for this repository's TypeScript: esbuild strips the types and keeps ES
 * modules, as tsx does for node:test. Only the jest run of the test kit uses it.
 */
const { transformSync } = require("esbuild");

module.exports = {
  process(source, path) {
    const { code } = transformSync(source, { loader: "ts", format: "esm", target: "node20", sourcefile: path, sourcemap: "inline" });
    return { code };
  },
};
