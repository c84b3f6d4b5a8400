/**
 * The tutorial's examples as real scripts (examples/NN-*.ts and test/examples/scripts/*.ts, run with ts-node,
 * and basics.cjs / basics.mjs, run with plain node), each in its own child process, with
 * assertions on what reaches the child's stdout and stderr, when it arrives,
 * and how the process ends.
 *
 * `import ... from "threadlab"` in a script resolves by package self-reference
 * to dist/src/index.js, as it would for a user of the installed package.
 */
import { spawn } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const EXAMPLES = path.join(ROOT, "examples");
const SCRIPTS = path.join(__dirname, "scripts");

/** Per-script limit: ts-node start-up alone takes seconds on a slow, busy 2-core machine. */
const SCRIPT_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = SCRIPT_TIMEOUT_MS + 30_000;

interface Line {
  text: string;
  /** ms after spawn at which the chunk that completed this line arrived. */
  at: number;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: Line[];
  /** ms after spawn at which the process exited. */
  exitAt: number;
  /** Whether the harness had to kill the process at SCRIPT_TIMEOUT_MS. */
  killed: boolean;
}

/** Runs examples/`name` or test/examples/scripts/`name` (`.ts` with ts-node, `.cjs`/`.mjs` with node) and records its output with arrival times. */
function run(name: string, timeoutMs = SCRIPT_TIMEOUT_MS): Promise<Run> {
  // The tutorial's examples live in examples/ (npm start runs them); test-only scripts beside this file.
  const file = /^\d\d-/.test(name) ? path.join(EXAMPLES, name) : path.join(SCRIPTS, name);
  const args = name.endsWith(".ts") ? ["-r", "ts-node/register/transpile-only", file] : [file];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const now = () => Math.round(performance.now() - started);
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: Line[] = [];
    let stdout = "";
    let stderr = "";
    let partial = "";
    let exitAt = -1;
    let killed = false;
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const at = now();
      stdout += chunk;
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const text of parts) lines.push({ text, at });
    });
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", () => (exitAt = now()));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (partial) lines.push({ text: partial, at: now() });
      if (exitAt < 0) exitAt = now();
      resolve({ code, signal, stdout, stderr, lines, exitAt, killed });
    });
  });
}

/** What a run printed, for failure messages. */
function dump(r: Run): string {
  const out = r.lines.map((l) => `  ${String(l.at).padStart(6)} ms | ${l.text}`).join("\n");
  return `exit code ${r.code}, signal ${r.signal}, killed ${r.killed}, exited at ${r.exitAt} ms\nstdout:\n${out}\nstderr:\n${r.stderr}`;
}

/** Asserts the run ended by itself with code 0; shows everything it printed if not. */
function expectCleanExit(r: Run, stderrEmpty = true): void {
  const ok = !r.killed && r.signal === null && r.code === 0 && (!stderrEmpty || r.stderr === "");
  if (!ok) throw new Error(`expected a clean exit (code 0${stderrEmpty ? ", empty stderr" : ""}), got ${dump(r)}`);
}

function texts(r: Run): string[] {
  return r.lines.map((l) => l.text);
}

function lineAt(r: Run, text: string): Line {
  const line = r.lines.find((l) => l.text === text);
  if (!line) throw new Error(`no line '${text}' in the output: ${dump(r)}`);
  return line;
}

/** Index of the first line equal to `text`, failing loudly when absent. */
function indexOf(r: Run, text: string): number {
  const i = texts(r).indexOf(text);
  if (i < 0) throw new Error(`no line '${text}' in the output: ${dump(r)}`);
  return i;
}

jest.setTimeout(TEST_TIMEOUT_MS);

describe("the tutorial's scripts", () => {
  const BASICS = ["before start", "hello world 0", "hello world 1", "hello world 2", "after join", "alive after join: false"];

  test("1. basics.ts: create, start and join a thread with a target and args", async () => {
    const r = await run("01-basics.ts");
    expectCleanExit(r);
    expect(texts(r)).toEqual(BASICS);
    expect(r.stdout).toBe(BASICS.join("\n") + "\n");
  });

  test("1. basics.cjs: the same in plain JavaScript with require(), run by node", async () => {
    const r = await run("basics.cjs");
    expectCleanExit(r);
    expect(texts(r)).toEqual(BASICS);
  });

  test("1. basics.mjs: the same in plain JavaScript as an ES module, run by node", async () => {
    const r = await run("basics.mjs");
    expectCleanExit(r);
    expect(texts(r)).toEqual(BASICS);
  });

  test("2. counting.ts: the counting thread's lines interleave with the main thread's", async () => {
    const r = await run("02-full-example.ts");
    expectCleanExit(r);
    const all = texts(r);
    const counts = all.filter((t) => /^\d+$/.test(t));
    expect(counts).toEqual(["1", "2", "3", "4", "5"]);
    const main = all.filter((t) => t === "main thread is still running");
    expect(main.length).toBeGreaterThanOrEqual(2);
    expect(all.filter((t) => !/^\d+$/.test(t) && t !== "main thread is still running")).toEqual(["counting done"]);
    expect(all[all.length - 1]).toBe("counting done");
    // Interleaving: the main thread printed while the counter was between 1 and 5.
    const first = indexOf(r, "1");
    const last = indexOf(r, "5");
    const between = all.slice(first + 1, last).filter((t) => t === "main thread is still running");
    expect(between.length).toBeGreaterThanOrEqual(1);
  });

  test("3. two-threads.ts: two threads, each in order, then the main thread", async () => {
    const r = await run("03-multiple-threads.ts");
    expectCleanExit(r);
    const all = texts(r);
    expect(all.filter((t) => t.startsWith("A "))).toEqual(["A step 0", "A step 1", "A step 2"]);
    expect(all.filter((t) => t.startsWith("B "))).toEqual(["B step 0", "B step 1", "B step 2"]);
    expect(all).toHaveLength(7);
    expect(all[6]).toBe("both done");
  });

  test("4. lock.ts: 1000 threads each add one under a lock: exactly 1000", async () => {
    const r = await run("04-locks.ts");
    expectCleanExit(r);
    expect(texts(r)).toEqual(["final counter: 1000"]);
  });

  test("5. no-lock.ts: the same without a lock loses updates (real parallelism)", async () => {
    const r = await run("05-race-without-lock.ts");
    expectCleanExit(r);
    const all = texts(r);
    expect(all).toHaveLength(2);
    const final = /^final counter: (\d+)$/.exec(all[0]);
    const expected = /^expected: (\d+)$/.exec(all[1]);
    if (!final || !expected) throw new Error(`unexpected output: ${dump(r)}`);
    expect(Number(expected[1])).toBe(8_000_000);
    expect(Number(final[1])).toBeGreaterThan(0);
    expect(Number(final[1])).toBeLessThan(Number(expected[1]));
  });

  test("6. daemon.ts: a daemon thread that loops forever does not keep the script alive", async () => {
    const r = await run("06-daemon-threads.ts");
    expectCleanExit(r);
    const all = texts(r);
    expect(all).toContain("ticker is daemon: true");
    const done = lineAt(r, "main done");
    expect(all.filter((t) => t === "daemon tick").length).toBeGreaterThanOrEqual(1);
    expect(all.filter((t) => t !== "daemon tick")).toEqual(["ticker is daemon: true", "main done"]);
    // The process ended soon after the main thread did, though the daemon never returns.
    expect(r.exitAt - done.at).toBeLessThan(20_000);
  });

  test("6. non-daemon.ts: the script waits for a non-daemon thread still running at its end", async () => {
    const r = await run("non-daemon.ts");
    expectCleanExit(r);
    const all = texts(r);
    expect(all).toHaveLength(4);
    // "worker: started" may come before or after the main thread's lines; the worker's last line comes last.
    expect(all.filter((t) => !t.startsWith("worker: "))).toEqual(["worker is daemon: false", "main: last line"]);
    expect(all.filter((t) => t.startsWith("worker: "))[0]).toBe("worker: started");
    const last = /^worker: last line, (\d+) ms after main's last line$/.exec(all[3]);
    if (!last) throw new Error(`the worker's last line is missing: ${dump(r)}`);
    expect(Number(last[1])).toBeGreaterThanOrEqual(490);
    // Seen from outside: the worker's last line came ≥ 0.5 s after main's, and the process lived until then.
    const mainLast = lineAt(r, "main: last line");
    const workerLast = r.lines[3];
    expect(workerLast.at - mainLast.at).toBeGreaterThanOrEqual(450);
    expect(r.exitAt - mainLast.at).toBeGreaterThanOrEqual(450);
    expect(r.exitAt).toBeGreaterThanOrEqual(workerLast.at);
  });

  test("7. local.ts: thread-local data: each thread sees only what it set itself", async () => {
    const r = await run("07-thread-local.ts");
    expectCleanExit(r);
    const all = texts(r);
    expect(all).toHaveLength(8);
    const of = (who: string) => all.filter((t) => t.startsWith(`${who}: `));
    expect(of("MainThread")).toEqual(["MainThread: No value yet", "MainThread: value=1000", "MainThread: value=1000"]);
    expect(all.slice(0, 2)).toEqual(["MainThread: No value yet", "MainThread: value=1000"]);
    expect(all[7]).toBe("MainThread: value=1000");
    expect(of("worker-1")).toEqual(["worker-1: No value yet", "worker-1: value=1"]);
    expect(of("worker-2")).toEqual(["worker-2: No value yet", "worker-2: value=2"]);
    expect(of("reader")).toEqual(["reader: No value yet"]);
  });

  const LINES = ["line 1", "line 2", "line 3", "line 4", "line 5"];

  test("8. streaming.ts: a thread's lines arrive live while the main thread blocks in join()", async () => {
    const r = await run("streaming.ts");
    expectCleanExit(r);
    expect(texts(r)).toEqual([...LINES, "main: joined"]);
    const first = lineAt(r, "line 1");
    const last = lineAt(r, "line 5");
    // Printed 0.8 s apart; output held back until join() returned would arrive all at once.
    expect(last.at - first.at).toBeGreaterThanOrEqual(500);
    expect(lineAt(r, "main: joined").at - first.at).toBeGreaterThanOrEqual(500);
    expect(new Set(r.lines.slice(0, 5).map((l) => l.at)).size).toBeGreaterThanOrEqual(3);
  });

  test("8. streaming-busy.ts: a thread's lines arrive live while the main thread busy-loops", async () => {
    const r = await run("streaming-busy.ts");
    expectCleanExit(r);
    const all = texts(r);
    expect(all.filter((t) => t.startsWith("line "))).toEqual(LINES);
    expect(all.filter((t) => t.startsWith("main: "))).toEqual(["main: busy loop start", "main: busy loop end", "main: joined"]);
    const first = lineAt(r, "line 1");
    const last = lineAt(r, "line 5");
    expect(last.at - first.at).toBeGreaterThanOrEqual(500);
    // The first line came out while main was still spinning, well before it printed its next line.
    expect(lineAt(r, "main: busy loop end").at - first.at).toBeGreaterThanOrEqual(300);
    expect(new Set(r.lines.filter((l) => l.text.startsWith("line ")).map((l) => l.at)).size).toBeGreaterThanOrEqual(3);
  });

  test("9. exit-output.ts: nothing printed before process.exit() or a throw in a thread is lost", async () => {
    const r = await run("exit-output.ts");
    expectCleanExit(r, false);
    const all = texts(r);
    expect(all.filter((t) => t.startsWith("exiter: "))).toEqual(["exiter: line 1", "exiter: line 2", "exiter: line 3"]);
    expect(all).toContain("thrower: about to throw");
    expect(all.slice(-3)).toEqual(["main: exiter alive after join: false", "main: thrower alive after join: false", "main done"]);
    expect(all).toHaveLength(7);
    // The default excepthook: "Exception in thread NAME:" and the error, on stderr, for the thread that threw.
    expect(r.stderr).toMatch(/^Exception in thread thrower:\nError: boom from thrower\n/m);
    expect(r.stderr).toContain("at thrower");
    // process.exit() ends only its thread, quietly (as sys.exit() in a Python thread).
    expect(r.stderr).not.toContain("exiter");
    expect(r.stdout).not.toContain("Exception");
  });
});
