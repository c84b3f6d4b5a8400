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
        String.raw`^\S+script-\d+-\d+\.js:12\n  throw new Error\("main failed"\);\n  \^\n\nError: main failed\n    at fail \(.*:12:9\)\n` +
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

export { spawn, path };
