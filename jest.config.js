/** Tests run against the built package (`npm test` builds first): workers load dist/. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: false }] },
  moduleNameMapper: { "^threadlab$": "<rootDir>/dist/src/index.js" },
  testTimeout: 60000,
  maxWorkers: 1,
  verbose: true,
};
