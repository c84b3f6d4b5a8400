/**
 * How scripts and threads end, as in CPython: an uncaught error in the main
 * code is printed, then the non-daemon threads are waited for, then the script
 * exits 1; process.exit() in a thread unwinds its `with` blocks and `finally`s
 * (as sys.exit() does); a closed stdout pipe stops the script. Each case runs
 * in a child process of its own.
 */
import { spawn } from "child_process";
import * as path from "path";
import { runFile, runScript, writeScript } from "../helpers/run-script";

/** Node's own output for a crash, with the script's path taken out (so two scripts can be compared). */
function withoutPath(text: string, file: string): string {
  return text.split(file).join("SCRIPT");
}

describe("an uncaught error in a script's main code", () => {
  test("is printed at once, then the non-daemon threads finish (nothing of theirs is lost), then exit code 1", async () => {
    const r = await runScript(`
const { Thread, print, sleep } = require("threadlab");
function work() {
  for (let i = 0; i < 5; i++) {
    sleep(0.1);
    print("thread", i);
    process.stderr.write("thread's stderr " + i + "\\n");
  }
}
new Thread({ target: work }).start();
function fail() {
  throw new Error("main failed");
}
fail();
`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("thread 0\nthread 1\nthread 2\nthread 3\nthread 4\n");
    // Node's format: the throw site with a caret, the error, the Node version; then the thread's lines.
    expect(r.stderr).toMatch(
      new RegExp(
        String.raw`^\S+script-[\w-]+\.js:12\n  throw new Error\("main failed"\);\n  \^\n\nError: main failed\n    at fail \(.*:12:9\)\n` +
          String.raw`[^]*\n\nNode\.js v\d+\.\d+\.\d+\nthread's stderr 0\n`,
      ),
    );
    expect(r.stderr).toContain("thread's stderr 4\n");
  });

  test("an unhandled rejection too; and executors are shut down first, as at a normal end", async () => {
    const r = await runScript(`
const { ThreadPoolExecutor, Thread, print, sleep } = require("threadlab");
const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
print("result", ex.submit((x) => x * 2, 21).result());
new Thread({ target: () => { sleep(0.3); print("the thread ended"); } }).start();
Promise.reject(new Error("rejected"));
`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("result 42\nthe thread ended\n");
    expect(r.stderr).toMatch(/^\S+\.js:6\nPromise\.reject\(new Error\("rejected"\)\);\n {15}\^\n\nError: rejected\n/);
  });

  test("with no thread left to wait for, the script ends exactly as Node ends it", async () => {
    const body = `
const t = new Thread({ target: () => 1 });
t.start();
t.join();
const e = new TypeError("no threads left");
e.code = "X";
throw e;
`;
    const withThreadlab = writeScript(`const { Thread } = require("threadlab");${body}`);
    const plain = writeScript(`const Thread = class { start() {} join() {} };${body}`);
    const [a, b] = await Promise.all([runFile(withThreadlab), runFile(plain)]);
    expect(a.code).toBe(1);
    expect(b.code).toBe(1);
    expect(withoutPath(a.stderr, withThreadlab)).toBe(withoutPath(b.stderr, plain));
  });

  test("a handler of the script's own still decides: the threads are not waited for by threadlab", async () => {
    const r = await runScript(`
const { Thread, print, sleep } = require("threadlab");
process.on("uncaughtException", (err) => { print("handled:", err.message); process.exit(3); });
new Thread({ target: () => { sleep(0.5); print("never printed"); } }).start();
throw new Error("oops");
`);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("handled: oops\n");
  });
});

describe("process.exit() in a thread", () => {
  test("unwinds the thread's with blocks and finallys, as sys.exit() does: the lock is free after", async () => {
    const r = await runScript(`
const { Thread, Lock, print } = require("threadlab");
const lock = new Lock();
function quitInside(lock) {
  try {
    lock.with(() => {
      print("holding");
      process.exit(2);
    });
  } finally {
    print("finally ran");
  }
  print("not reached");
}
const t = new Thread({ target: quitInside, args: [lock] });
t.start();
t.join();
print("locked:", lock.locked(), "alive:", t.isAlive(), "acquired:", lock.acquire(true, 1));
`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("holding\nfinally ran\nlocked: false alive: false acquired: true\n");
  });

  test("in async code, and in a timer's callback, it unwinds what it is inside and ends the thread", async () => {
    const r = await runScript(`
const { Thread, Lock, print } = require("threadlab");
const lock = new Lock();
async function asyncQuit(lock) {
  await lock.with(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.exit();
  });
  print("not reached");
}
async function timerQuit(lock) {
  setTimeout(() => lock.with(() => process.exit(0)), 20);
  await new Promise(() => {}); // never settles: the exit ends the thread anyway
}
for (const target of [asyncQuit, timerQuit]) {
  const t = new Thread({ target, args: [lock] });
  t.start();
  t.join();
  print(target.name, "locked:", lock.locked(), "alive:", t.isAlive());
}
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("asyncQuit locked: false alive: false\ntimerQuit locked: false alive: false\n");
  });

  test("a thread that catches the SystemExit and goes on is stopped a grace period later, and told why", async () => {
    const r = await runScript(`
const { Thread, Lock, SystemExit, print } = require("threadlab");
const lock = new Lock();
function swallow(lock) {
  lock.with(() => {
    try {
      process.exit(1);
    } catch (e) {
      print("caught", e instanceof SystemExit, e.message);
    }
  });
  for (;;); // as if process.exit() had not been called
}
const t = new Thread({ target: swallow, args: [lock], name: "swallower" });
t.start();
t.join();
print("stopped; locked:", lock.locked());
`);
    expect(r.stdout).toBe("caught true process.exit(1) ends this thread\nstopped; locked: false\n");
    expect(r.stderr).toContain(
      "threadlab: thread swallower called process.exit() but caught the SystemExit it throws and went on",
    );
  });

  test("in an executor's call it is kept in the Future, as Python's executor keeps it, and the executor goes on", async () => {
    const r = await runScript(`
const { ThreadPoolExecutor, SystemExit, print, sleep } = require("threadlab");
const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
const e = ex.submit(() => process.exit(5)).exception();
print(e instanceof SystemExit, e.message);
sleep(2.5); // past the grace period: the executor's thread was not stopped
print("next call:", ex.submit((x) => x + 1, 1).result());
ex.shutdown();
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true process.exit(5) ends this thread\nnext call: 2\n");
  });
});

/** Runs a script whose stdout reader goes away after the first chunk (as `node script.js | head -1`). */
function runIntoClosedPipe(file: string, timeoutMs = 20000): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: path.join(__dirname, "..", ".."), stdio: ["ignore", "pipe", "pipe"] });
    const started = Date.now();
    let closedAt = 0;
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.once("data", () => {
      closedAt = Date.now();
      child.stdout.destroy();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the script still ran ${timeoutMs} ms after its stdout closed\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - (closedAt || started) });
    });
  });
}

describe("a closed stdout pipe", () => {
  const nodeLike =
    /^Error: EPIPE: broken pipe, write\n {4}at [^]*\{\n {2}errno: -32,\n {2}syscall: 'write',\n {2}code: 'EPIPE'\n\}\n\nNode\.js v/;

  test("a thread printing into it: the script stops and exits 1 with Node's EPIPE error, printed once", async () => {
    const file = writeScript(`
const { Thread, print } = require("threadlab");
function spam() { for (let i = 0; ; i++) print("line", i); }
const t = new Thread({ target: spam });
t.start();
t.join();
`);
    const r = await runIntoClosedPipe(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(nodeLike);
    expect(r.stderr.split("EPIPE: broken pipe").length).toBe(2);
  });

  test("the main thread printing into it, and threads writing with process.stdout.write", async () => {
    const main = writeScript(`
const { print } = require("threadlab");
for (let i = 0; ; i++) print("line", i);
`);
    const threads = writeScript(`
const { Thread, sleep } = require("threadlab");
function spam() { for (let i = 0; ; i++) process.stdout.write("line " + i + "\\n"); }
for (let i = 0; i < 3; i++) new Thread({ target: spam }).start();
for (;;) sleep(1);
`);
    for (const r of await Promise.all([runIntoClosedPipe(main), runIntoClosedPipe(threads)])) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(nodeLike);
    }
  });
});
