/**
 * A thread sees what its function sees: programs written the way Python
 * programmers write them (helpers and classes at module level, a main() with
 * locals and nested worker functions, lambdas in a loop) run unchanged as a
 * CommonJS script, an ES module, a TypeScript script under ts-node, and in a
 * notebook cell; a thread's traceback names the user's file and line.
 */
import { jupyterMissing, KernelSession, startServer, type Server } from "../helpers/jupyter";
import { runScript } from "../helpers/run-script";

/** The program, without its import line; valid JavaScript and TypeScript alike. */
const PROGRAM = `
const { basename } = PATH;

function helper(x) {
  return x * 2;
}
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
class Point {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
  norm() {
    return Math.abs(this.x) + Math.abs(this.y);
  }
}
const LIMIT = 10;

function work(n) {
  print("work", helper(n), fib(LIMIT), new Point(-n, 2).norm(), basename("/tmp/file.txt"));
}

function main() {
  const lock = new Lock();
  const q = new Queue();
  const total = new Value("i", 0);
  function producer(count) {
    for (let k = 1; k <= count; k++) q.put(k);
    q.put(null);
  }
  function consumer() {
    for (let item = q.get(); item !== null; item = q.get()) lock.with(() => (total.value += item));
  }
  const threads = [new Thread({ target: producer, args: [100] }), new Thread({ target: consumer })];
  for (let i = 0; i < 3; i++) threads.push(new Thread({ target: () => lock.with(() => print("lambda", i)) }));
  threads.push(new Thread({ target: work, args: [3] }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  print("total", total.value);
}
main();
`;

/** The program with the types TypeScript's checker asks for (the kernel type-checks cells). */
function asTypeScript(program: string): string {
  return program
    .replace("PATH", "path")
    .replace("class Point {", "class Point {\n  x: number;\n  y: number;")
    .replace(/\((\w+)\) \{/g, "($1: any) {")
    .replace("constructor(x, y)", "constructor(x: number, y: number)")
    .replace("new Queue()", "new Queue<any>()");
}

function lines(out: string): string[] {
  return out.trim().split("\n").sort();
}

const EXPECTED = ["lambda 0", "lambda 1", "lambda 2", "total 5050", "work 6 55 5 file.txt"].sort();

describe("a thread sees what its function sees", () => {
  test("a CommonJS script: module names, closures, loop variables, classes, a destructured import", async () => {
    const r = await runScript(
      `const { Thread, Lock, Queue, Value, print } = require("threadlab");\n${PROGRAM.replace("PATH", 'require("path")')}`,
    );
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual(EXPECTED);
  });

  test("an ES module: import bindings and module names", async () => {
    const r = await runScript(
      `import { Thread, Lock, Queue, Value, print } from "threadlab";\nimport * as path from "path";\n${PROGRAM.replace("PATH", "path")}`,
      { ext: ".mjs" },
    );
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual(EXPECTED);
  });

  test("a TypeScript script under ts-node (tsc's threadlab_1 names)", async () => {
    const ts = asTypeScript(PROGRAM);
    const r = await runScript(
      `import { Thread, Lock, Queue, Value, print } from "threadlab";\nimport * as path from "path";\n${ts}`,
      {
        ext: ".ts",
      },
    );
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual(EXPECTED);
  });

  test("a binding that changes between starts is read again at each start; one that cannot is kept", async () => {
    const r = await runScript(`
const { Thread, print } = require("threadlab");
let message = "first";
const fixed = { n: 1 };
function show() { print(message, fixed.n); }
for (const next of ["second", "third"]) {
  const t = new Thread({ target: show });
  t.start();
  t.join();
  message = next;
  fixed.n += 1; // the object is the same binding; its contents are copied afresh at each start
}
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("first 1\nsecond 2\n");
  });

  test("100 closures made in a loop each see their own variables, and are freed once their threads ended", async () => {
    // More closures than one inspector object group serves (32): each start reads its own closure's scopes,
    // and the groups that held them are released, so the closures can be collected.
    const r = await runScript(
      `
const { Thread, print } = require("threadlab");
const seen = [];
const freed = new FinalizationRegistry(() => freed.count++);
freed.count = 0;
for (let i = 0; i < 100; i++) {
  const box = { i };
  const target = () => { if (box.i % 25 === 0) print("closure", box.i); };
  freed.register(target, i);
  const t = new Thread({ target });
  t.start();
  t.join();
}
setTimeout(() => {
  globalThis.gc();
  setTimeout(() => print("freed", freed.count >= 90), 10);
}, 10);
`,
      { nodeArgs: ["--expose-gc"] },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("closure 0\nclosure 25\nclosure 50\nclosure 75\nfreed true\n");
  });

  test("a program kept from an earlier start of the same function is what resolving again would give", async () => {
    const r = await runScript(`
const { Thread, Lock, Value, print, share } = require("threadlab");
const lock = new Lock();
const count = new Value("i", 0);
let label = "a";
const helper = () => label; // its name changes: a program that holds it is made afresh each time
function steady() { lock.with(() => { count.value += 1; }); }
function viaHelper() { print(helper()); }
function viaShared() { print(typeof later === "function" ? later() : later); }
const run = (target) => { const t = new Thread({ target }); t.start(); t.join(); };
for (let i = 0; i < 50; i++) run(steady); // all of its names are constants and threadlab objects: kept
print(count.value);
for (const next of ["b", "c", "d"]) { run(viaHelper); label = next; }
share({ later: 1 });
run(viaShared);
run(viaShared);
share({ later: () => "a function now" }); // what share() knows changed: nothing kept is used again
run(viaShared);
run(steady);
print(count.value);
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("50\na\nb\nc\n1\n1\na function now\n51\n");
  });

  test("a thread's function that starts a thread hands on what it sees", async () => {
    const r = await runScript(`
const { Thread, Value, print, sleep } = require("threadlab");
const hits = new Value("i", 0);
function inner(tag) { sleep(0.01); hits.value += 1; print("inner", tag); }
function outer() {
  const label = "from outer";
  const t = new Thread({ target: () => inner(label) });
  t.start();
  t.join();
}
const t = new Thread({ target: outer });
t.start();
t.join();
print("hits", hits.value);
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("inner from outer\nhits 1\n");
  });

  test("refusals keep saying what to do: an assignment to an outer variable, a name no scope holds", async () => {
    const r = await runScript(`
const { Thread, print } = require("threadlab");
let count = 0;
function bump() { count += 1; }
function unknown() { return notDefinedAnywhere + 1; }
for (const target of [bump, unknown]) {
  try { new Thread({ target }).start(); } catch (e) { print(e.name + ": " + e.message); }
}
`);
    const [write, name] = r.stdout.trim().split("\n");
    expect(write).toBe(
      "TypeError: cannot assign to 'count' in a thread: the target of thread 'Thread-1 (bump)' assigns to 'count', a variable outside it, " +
        "but the thread gets its own copy, so the change would be lost. Keep the data in a Value (counter.value += 1), SharedArray, " +
        "SharedList or SharedDict, or return it through a queue",
    );
    expect(name).toBe(
      "NameError: name 'notDefinedAnywhere' is not defined: the target of thread 'Thread-2 (unknown)' uses 'notDefinedAnywhere', " +
        "but no scope of the function holds it (not a local, an outer variable, a module name or a global). Define it, pass it in args " +
        "(new Thread({ target, args: [notDefinedAnywhere] })), or make it visible to threads with share({ notDefinedAnywhere })",
    );
  });
});

describe("tracebacks point at the user's code", () => {
  const SOURCE = `
function helper(x) {
  throw new Error("bad " + x);
}
function work(n) {
  helper(n);
}
const t = new Thread({ target: work, args: [2] });
t.start();
t.join();
`;

  test("a JavaScript script: the file, line and column of each frame, without threadlab's own", async () => {
    const r = await runScript(`const { Thread } = require("threadlab");${SOURCE}`);
    const file = /at helper \((.*?):(\d+):(\d+)\)/.exec(r.stderr);
    expect(r.stderr).toMatch(/^Exception in thread Thread-\d+ \(work\):\nError: bad 2\n {4}at helper \(/);
    expect(file?.[1]).toMatch(/\/test\/\.tmp\/script-\d+-\w+-\d+\.js$/);
    expect([file?.[2], file?.[3]]).toEqual(["3", "9"]); // `new Error` on line 3 of the script
    expect(r.stderr).toMatch(/at work \(.*\.js:6:3\)/);
    expect(r.stderr).not.toMatch(/<thread|dist\/src/);
  });

  test("a TypeScript script: lines and columns of the TypeScript the user wrote", async () => {
    // Types and an interface shift the compiled JavaScript's lines: the frames must not.
    const ts = `import { Thread } from "threadlab";
interface Job {
  n: number;
}
function helper(job: Job): never {
  throw new RangeError("bad " + job.n);
}
function work(n: number): void {
  helper({ n });
}
const t = new Thread({ target: work, args: [2] });
t.start();
t.join();
`;
    const r = await runScript(ts, { ext: ".ts" });
    expect(r.stderr).toMatch(/RangeError: bad 2\n {4}at helper \(.*\.ts:6:9\)\n {4}at work \(.*\.ts:9:3\)/);
  });

  test("a Future re-throws the call's error with the user's positions", async () => {
    const r = await runScript(`const { ThreadPoolExecutor, print } = require("threadlab");
function divide(a, b) {
  if (b === 0) throw new RangeError("division by zero");
  return a / b;
}
const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
try { ex.submit(divide, 1, 0).result(); } catch (e) { print(e.stack); }
ex.shutdown();
`);
    expect(r.stdout).toMatch(/^RangeError: division by zero\n {4}at divide \(.*\.js:3:22\)/);
  });
});

const missing = jupyterMissing();
const describeKernel = missing ? describe.skip : describe;
if (missing) process.stderr.write(`test/transport/sees.test.ts: ${missing}\n`);

describeKernel("in a notebook", () => {
  let server: Server;
  let k: KernelSession;

  beforeAll(async () => {
    server = await startServer();
    k = await KernelSession.start(server);
    await k.run(`import { Thread, Lock, Queue, Value, print } from "threadlab";\nimport * as path from "path";`);
  }, 120000);

  afterAll(async () => {
    await k?.stop();
    await server?.stop();
  });

  test("the same program runs in a cell", async () => {
    const ts = asTypeScript(PROGRAM);
    const a = await k.run(ts);
    expect(k.of(a.id, "error")).toEqual([]);
    expect(lines(k.text(a.id))).toEqual(EXPECTED);
  });

  test("a thread started by a thread keeps the notebook's imports", async () => {
    const a = await k.run(`function inner() { print("inner", path.basename("/x/y.txt")); }
function outer() { const t = new Thread({ target: inner }); t.start(); t.join(); }
const o = new Thread({ target: outer });
o.start();
o.join();`);
    expect(k.text(a.id)).toBe("inner y.txt\n");
  });

  test("a thread's traceback names the cell and the cell's own lines", async () => {
    const a = await k.run(`interface Job { n: number }
function failing(job: Job): never {
  throw new TypeError("bad " + job.n);
}
function caller(n: number) { failing({ n }); }
const tf = new Thread({ target: caller, args: [4] });
tf.start();
tf.join();`);
    const err = k.text(a.id, "stderr");
    expect(err).toMatch(/TypeError: bad 4\n {4}at failing \(<cell \d+>:3:9\)\n {4}at caller \(<cell \d+>:5:30\)/);
  });
});
