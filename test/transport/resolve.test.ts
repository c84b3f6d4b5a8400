/**
 * What a thread can see: each case is a real script in a child process, since
 * what matters is what a user's script prints and where its errors land.
 */
import { runScript, writeScript } from "../helpers/run-script";
import * as path from "path";
import { pathToFileURL } from "url";

const header = `const { Thread, Lock, Value, share, print, sleep } = require("threadlab");\n`;

describe("name resolution", () => {
  test("JS globals, threadlab's API and shared functions, with what they use in turn", async () => {
    const r = await runScript(
      header +
        `
function double(x) { return x * 2; }
function describe(x) { return "double of " + x + " is " + double(x); }
class Point { constructor(x) { this.x = x; } norm() { return Math.abs(this.x); } }
share({ describe, double, Point });
function work(n) {
  print(describe(n), new Point(-n).norm(), JSON.stringify({ ok: true }), typeof Lock);
}
const t = new Thread({ target: work, args: [21] });
t.start();
t.join();
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('double of 21 is 42 21 {"ok":true} function\n');
  });

  test("a name no scope holds fails at start(), in the caller, naming it and how to pass it", async () => {
    const r = await runScript(
      header +
        `
let total = 0;
function work() { return total + missingHelper(); }
try {
  new Thread({ target: work }).start();
} catch (e) {
  print(e.name);
  print(e.message);
}
`,
    );
    expect(r.code).toBe(0);
    const [name, message] = r.stdout.split("\n");
    expect(name).toBe("NameError");
    // 'total' is an outer variable the function sees: only 'missingHelper' is unknown.
    expect(message).toMatch(
      /^name 'missingHelper' is not defined: the target of thread 'Thread-1 \(work\)' uses 'missingHelper', but no scope of the function holds it/,
    );
    expect(message).toContain("share({ missingHelper })");
    expect(message).toContain("args: [missingHelper]");
  });

  test("assigning to a main-thread variable from a thread fails at start()", async () => {
    const r = await runScript(
      header +
        `
let counter = 0;
share({ counter });
function work() { counter += 1; }
try { new Thread({ target: work }).start(); } catch (e) { print(e.name + ": " + e.message); }
`,
    );
    expect(r.stdout).toMatch(/^TypeError: cannot assign to 'counter' in a thread: .*Value/);
  });

  test("shared plain data is a frozen copy: a write fails loudly in the thread", async () => {
    const r = await runScript(
      header +
        `
const config = { limit: 3, names: ["a"], table: new Map([["k", 1]]) };
share({ config });
function work() {
  print("limit", config.limit, config.names[0], config.table.get("k"));
  try { config.limit = 4; } catch (e) { print("1:", e.message); }
  try { config.table.set("k", 2); } catch (e) { print("2:", e.message); }
  config.names.push("b");
}
const t = new Thread({ target: work, name: "writer" });
t.start();
t.join();
print("main still sees", JSON.stringify(config.names));
`,
    );
    expect(r.stdout).toContain("limit 3 a 1\n");
    expect(r.stdout).toContain("1: cannot change config.limit: config is a frozen copy");
    expect(r.stdout).toContain("2: cannot change config.table.set(): config is a frozen copy");
    expect(r.stdout).toContain('main still sees ["a"]');
    expect(r.stderr).toMatch(
      /^Exception in thread writer:\nTypeError: cannot change config\.names\[1\]: config is a frozen copy/,
    );
  });

  test("arguments are frozen copies too, except threadlab objects, which are shared", async () => {
    const r = await runScript(
      header +
        `
function work(list, counter, lock) {
  counter.value = list.length;
  print("held by main:", !lock.acquire(false));
  try { list.push(4); } catch (e) { print(e.message.split(":")[0]); }
}
const lock = new Lock();
lock.acquire();
const counter = new Value("i", 0);
const t = new Thread({ target: work, args: [[1, 2, 3], counter, lock] });
t.start();
t.join();
print("counter", counter.value);
`,
    );
    expect(r.stdout).toBe("held by main: true\ncannot change args[0][3]\ncounter 3\n");
  });

  test("threadlab objects shared by name are the same object in the thread", async () => {
    const r = await runScript(
      header +
        `
const lock = new Lock();
const hits = new Value("i", 0);
share({ lock, hits });
function work() { for (let i = 0; i < 1000; i++) lock.with(() => { hits.value += 1; }); }
const ts = [1, 2, 3].map(() => new Thread({ target: work }));
ts.forEach((t) => t.start());
ts.forEach((t) => t.join());
print(hits.value);
`,
    );
    expect(r.stdout).toBe("3000\n");
  });

  test("modules the script imports are imported afresh in the thread", async () => {
    const r = await runScript(
      header +
        `
const fs = require("fs");
const { join } = require("path");
const os = require("node:os");
function work() { print(fs.existsSync(__filename_of_test), join("a", "b"), typeof os.cpus); }
share({ __filename_of_test: __filename });
const t = new Thread({ target: work });
t.start();
t.join();
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true a/b function\n");
  });

  test("a module loaded after threads started, or loaded again, is still a module to the next thread, not data", async () => {
    const helper = writeScript(`module.exports = { twice(x) { return 2 * x; } };\n`);
    const r = await runScript(
      header +
        `
const data = [1, 2, 3];
for (let i = 0; i < 2; i++) {
  const t = new Thread({ target: () => print(data.length, i) });
  t.start();
  t.join();
}
// Reached through an object, not a require() the thread could see in the source: only the exports tell.
const mods = {};
mods.h = require(${JSON.stringify(helper)});
const helper = mods.h;
const t = new Thread({ target: () => print(helper.twice(21)) });
t.start();
t.join();
// Deleted from require's cache and required again (as a reloader does): as many modules as before, a new one.
delete require.cache[${JSON.stringify(helper)}];
mods.h = require(${JSON.stringify(helper)});
const reloaded = mods.h;
const t2 = new Thread({ target: () => print(reloaded.twice(4)) });
t2.start();
t2.join();
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("3 0\n3 1\n42\n8\n");
  });

  test("an ES module script: import bindings and threadlab's names resolve", async () => {
    const r = await runScript(
      `
import { Thread, print as say } from "threadlab";
import path from "node:path";
import { basename } from "path";
function work(p) { say(path.extname(p), basename(p)); }
const t = new Thread({ target: work, args: ["/x/y.txt"] });
t.start();
t.join();
`,
      { ext: ".mjs" },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(".txt y.txt\n");
  });

  test("a module only import() can load (the user's own .mjs, imported by its file: URL) is imported by the worker, with the names around it", async () => {
    const helper = writeScript(`export function twice(x) { return 2 * x; }\nexport const NAME = "esm";\n`, ".mjs");
    const r = await runScript(
      `
import { Thread, print, Lock } from "threadlab";
import { twice, NAME } from ${JSON.stringify(pathToFileURL(helper).href)};
const lock = new Lock();
const before = 1;
function work(n) { lock.with(() => print(before, NAME, twice(n))); }
for (const n of [20, 21]) {
  const t = new Thread({ target: work, args: [n] });
  t.start();
  t.join();
}
`,
      { ext: ".mjs" },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("1 esm 40\n1 esm 42\n");
  });

  test("what cannot cross is refused with a reason: a function inside data, a native object, a native function", async () => {
    const r = await runScript(
      header +
        `
function work() {}
const cases = [
  () => new Thread({ target: work, args: [{ cb: () => 1 }] }).start(),
  () => new Thread({ target: work, args: [new WeakMap()] }).start(),
  () => new Thread({ target: Math.max.bind(null) }).start(),
];
for (const c of cases) { try { c(); print("no error"); } catch (e) { print(e.name + ": " + e.message); } }
`,
    );
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^DataCloneError: cannot send the args of thread '.*'\[0\]\.cb to a thread: it is a function inside data/,
    );
    expect(lines[1]).toMatch(
      /^DataCloneError: cannot send the args of thread '.*'\[0\] to a thread: it is a WeakMap, an object of Node or JavaScript itself/,
    );
    expect(lines[2]).toMatch(
      /^TypeError: cannot send the target of thread '.*' to a thread: it binds max, a native function whose source is not available/,
    );
  });

  test("a refusal nobody catches ends the script with a readable report: the throwing line, the message, the frames", async () => {
    const r = await runScript(
      header +
        `
const data = { f() {} };
new Thread({ target: () => data.f() }).start();
`,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("DataCloneError: cannot send data.f to a thread: it is a function inside data");
    // Node prints the source line an uncaught error was thrown from: in the library's bundle that line is
    // the throw itself, not a whole module on one line (11 KB of code before the bundle kept line breaks).
    const longest = Math.max(...r.stderr.split("\n").map((l) => l.length));
    expect(longest).toBeLessThan(400);
    expect(r.stderr.length).toBeLessThan(4000);
  });

  test("TypeScript compiled by ts-node: threadlab_1 and tslib helpers resolve", async () => {
    const r = await runScript(
      `
import { Thread, sleep, print, currentThread } from "threadlab";
import * as path from "path";
async function work(n: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 10));
  sleep(0.01);
  print(currentThread().name, n, path.basename("/a/b.ts"));
}
const t = new Thread({ target: work, args: [7], name: "ts" });
t.start();
t.join();
`,
      // ES2015 output turns async functions into __awaiter calls, a tslib helper.
      { ext: ".ts", env: { TS_NODE_COMPILER_OPTIONS: JSON.stringify({ target: "es2015" }) } },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ts 7 b.ts\n");
  });

  test("a TypeScript module the script imports is loaded in the thread too", async () => {
    const lib = writeScript(`export function square(x: number): number { return x * x; }\n`, ".ts");
    const r = await runScript(
      `
import { Thread, print } from "threadlab";
import { square } from "./${path.basename(lib, ".ts")}";
function work(n: number): void { print(square(n)); }
const t = new Thread({ target: work, args: [9] });
t.start();
t.join();
`,
      { ext: ".ts" },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("81\n");
  });
});
