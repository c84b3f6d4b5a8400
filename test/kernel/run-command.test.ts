/**
 * `threadlab run FILE`: a script runs wherever it is, as a notebook does in any folder: a folder
 * with no node_modules/threadlab and no tsconfig.json (a scratch file in the system's temp folder)
 * finds threadlab for a .ts (ts-node), a CommonJS .js and an ES module .mjs alike.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

const CLI = path.join(__dirname, "..", "..", "dist", "kernel", "cli.js");

describe("threadlab run", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "threadlab-run-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scripts: Array<[string, string]> = [
    [
      "s.ts",
      `import { Thread, print } from "threadlab";\nconst n: number = 2;\nconst t = new Thread({ target: () => print("ts thread", n) });\nt.start();\nt.join();\n`,
    ],
    [
      "s.js",
      `const { Thread, print } = require("threadlab");\nconst t = new Thread({ target: () => print("cjs thread") });\nt.start();\nt.join();\n`,
    ],
    [
      "s.mjs",
      `import { Thread, print } from "threadlab";\nconst t = new Thread({ target: () => print("esm thread") });\nt.start();\nt.join();\n`,
    ],
  ];
  test.each(scripts)("%s in a folder without threadlab runs its thread", (name, source) => {
    const file = path.join(dir, name);
    writeFileSync(file, source);
    // Before: Cannot find module 'threadlab' (and, for the .ts, ts-node's TS5109 with no tsconfig.json).
    const r = spawnSync(process.execPath, [CLI, "run", file], { cwd: dir, encoding: "utf8", timeout: 60000 });
    expect({ stderr: r.stderr, status: r.status }).toEqual({ stderr: "", status: 0 });
    expect(r.stdout).toBe({ "s.ts": "ts thread 2\n", "s.js": "cjs thread\n", "s.mjs": "esm thread\n" }[name]);
  });

  test("a script's own error still fails the run, with its message", () => {
    const file = path.join(dir, "bad.js");
    writeFileSync(file, `require("no-such-package-here");\n`);
    const r = spawnSync(process.execPath, [CLI, "run", file], { cwd: dir, encoding: "utf8", timeout: 60000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Cannot find module 'no-such-package-here'/);
  });
});
