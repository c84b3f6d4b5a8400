/**
 * Threads that wait, beside CPython and raw `new Worker`, each measured in a
 * fresh process, side by side in one run:
 *
 *   6. a one-thread script as a whole process: wall time and peak RSS (beside `node -e 0`)
 *  6b. the tutorial's lock program (1000 threads under a lock) as a whole process: wall and CPU time
 *   7. the first start+join in a fresh process (beside one raw worker's boot)
 *   8. 100 threads that each sleep(1), started and joined: wall time
 *   9. RSS per blocked thread, 200 threads
 *  10. 1,000 blocked threads: time until all run, peak RSS
 *
 *   node bench/waiting.js   (npm run bench runs it; BENCH_LOAD=1 first starts two busy-looping processes)
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn, spawnSync } = require("child_process");

const ROOT = path.join(__dirname, "..");
const PYTHON = "/usr/bin/python3";
const HAVE_PYTHON = fs.existsSync(PYTHON);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Runs `code` in a fresh node (or python) process; returns its last JSON line and its wall time. */
function run(cmd, args, timeout = 120_000) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd: ROOT, timeout, env: { ...process.env, THREADLAB_IDLE_SECONDS: "60" } });
  const wall = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.slice(0, 1).join(" ")} failed: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" ")}`,
    );
  const last = r.stdout.trim().split("\n").pop();
  return { wall, out: last && last.startsWith("{") ? JSON.parse(last) : {} };
}
const node = (code) => run(process.execPath, ["-e", code]);
const py = (code) => (HAVE_PYTHON ? run(PYTHON, ["-c", code]) : null);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function rounds(fn) {
  const xs = [];
  for (let i = 0; i < ROUNDS; i++) xs.push(fn());
  return xs;
}

const MAXRSS = `process.on("exit", () => console.log(JSON.stringify({ ...(globalThis.__out ?? {}), rssMB: process.resourceUsage().maxRSS / 1024 })));`;
const PY_MAXRSS = `import resource, json, atexit\natexit.register(lambda: print(json.dumps({**globals().get("OUT", {}), "rssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})))\n`;

// ---- 6 and 7: a one-thread script --------------------------------------------------------------

const ONE = `${MAXRSS}
const t0 = performance.now();
const { Thread } = require(${JSON.stringify(ROOT)});
const t1 = performance.now();
const t = new Thread({ target: () => 1 });
t.start();
t.join();
const t2 = performance.now();
globalThis.__out = { requireMs: t1 - t0, firstMs: t2 - t1, workers: require(${JSON.stringify(path.join(ROOT, "dist/src/worker/pool.js"))}).poolSize() };`;
const RAW_ONE = `${MAXRSS}
const { Worker } = require("worker_threads");
const t0 = performance.now();
const w = new Worker("require('worker_threads').parentPort.postMessage(1)", { eval: true });
w.once("message", () => { globalThis.__out = { bootMs: performance.now() - t0 }; w.terminate(); });`;
const PY_ONE = `${PY_MAXRSS}import threading, time
t0 = time.perf_counter()
t = threading.Thread(target=lambda: 1); t.start(); t.join()
OUT = {"firstMs": (time.perf_counter() - t0) * 1000}`;

// ---- 8: 100 threads that each sleep(1) ---------------------------------------------------------

const SLEEPERS = `
const { Thread, sleep } = require(${JSON.stringify(ROOT)});
const t0 = performance.now();
const ts = Array.from({ length: 100 }, () => new Thread({ target: () => sleep(1) }));
for (const t of ts) t.start();
for (const t of ts) t.join();
console.log(JSON.stringify({ wallMs: performance.now() - t0 }));`;
const RAW_SLEEPERS = `
const { Worker } = require("worker_threads");
const t0 = performance.now();
const ws = Array.from({ length: 100 }, () => new Worker("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000)", { eval: true }));
Promise.all(ws.map((w) => new Promise((r) => w.on("exit", r)))).then(() => console.log(JSON.stringify({ wallMs: performance.now() - t0 })));`;
const PY_SLEEPERS = `import threading, time, json
t0 = time.perf_counter()
ts = [threading.Thread(target=lambda: time.sleep(1)) for _ in range(100)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps({"wallMs": (time.perf_counter() - t0) * 1000}))`;

// ---- 6b: the tutorial's lock program, start to end ----------------------------------------------

// examples/04-locks.ts as the JavaScript TypeScript makes of it (its `import ... from "threadlab"` finds
// this package by its own name), and the tutorial's restored 4-locks.py: a fresh process each, from start to
// exit; CPU seconds of every thread.
const LOCK_PROGRAM = require("typescript").transpileModule(fs.readFileSync(path.join(ROOT, "examples", "04-locks.ts"), "utf8"), {
  compilerOptions: { module: 1 /* CommonJS */, target: 9 /* ES2022 */ },
}).outputText;
const PY_LOCK_PROGRAM = `import threading
num = 0
num_lock = threading.Lock()
def add_one():
    global num
    with num_lock:
        num += 1
threads = []
for _ in range(1000):
    t = threading.Thread(target=add_one)
    t.start()
    threads.append(t)
for t in threads:
    t.join()
print(num)`;

// What each program prints last, at exit: its CPU seconds (every thread) and what it printed before.
const CPU_AT_EXIT = `process.on("exit", () => { const u = process.cpuUsage(); console.log(JSON.stringify({ cpu: (u.user + u.system) / 1e6 })); });\n`;
const PY_CPU_AT_EXIT = `import atexit, json, os\natexit.register(lambda: print(json.dumps({"cpu": os.times().user + os.times().system})))\n`;

// ---- 9 and 10: many blocked threads ------------------------------------------------------------

const blocked = (n) => `${MAXRSS}
const { Thread, Event, Value } = require(${JSON.stringify(ROOT)});
const base = process.memoryUsage.rss() / 2 ** 20;
const go = new Event();
const running = new Value("i", 0);
const t0 = performance.now();
const ts = Array.from({ length: ${n} }, () => new Thread({ target: (g, r) => { r.getLock().with(() => (r.value += 1)); g.wait(); }, args: [go, running] }));
for (const t of ts) t.start();
const allRunMs = performance.now() - t0;
const peak = process.memoryUsage.rss() / 2 ** 20;
go.set();
for (const t of ts) t.join();
globalThis.__out = { allRunMs, running: running.value, perThreadMB: (peak - base) / ${n} };`;
const rawBlocked = (n) => `${MAXRSS}
const { Worker } = require("worker_threads");
const base = process.memoryUsage.rss() / 2 ** 20;
const sab = new SharedArrayBuffer(8);
const c = new Int32Array(sab);
const t0 = performance.now();
const ws = Array.from({ length: ${n} }, () => new Worker("const c = new Int32Array(require('worker_threads').workerData); Atomics.add(c, 0, 1); Atomics.notify(c, 0); Atomics.wait(c, 1, 0);", { eval: true, workerData: sab }));
while (Atomics.load(c, 0) < ${n}) Atomics.wait(c, 0, Atomics.load(c, 0), 50);
const allRunMs = performance.now() - t0;
const peak = process.memoryUsage.rss() / 2 ** 20;
Atomics.store(c, 1, 1); Atomics.notify(c, 1);
Promise.all(ws.map((w) => new Promise((r) => w.on("exit", r)))).then(() => { globalThis.__out = { allRunMs, perThreadMB: (peak - base) / ${n} }; });`;
const pyBlocked = (n) => `${PY_MAXRSS}import threading, time
def rss():
    with open("/proc/self/statm") as f: return int(f.read().split()[1]) * 4096 / 2**20
base = rss(); go = threading.Event(); t0 = time.perf_counter()
ts = [threading.Thread(target=go.wait) for _ in range(${n})]
for t in ts: t.start()
allRun = (time.perf_counter() - t0) * 1000; peak = rss(); go.set()
for t in ts: t.join()
OUT = {"allRunMs": allRun, "perThreadMB": (peak - base) / ${n}}`;

// ---- the run -----------------------------------------------------------------------------------

function loadMachine() {
  if (process.env.BENCH_LOAD !== "1") return () => {};
  const hogs = [0, 1].map(() => spawn(process.execPath, ["-e", "for(;;);"], { stdio: "ignore" }));
  return () => hogs.forEach((h) => h.kill("SIGKILL"));
}

const stopLoad = loadMachine();
const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? "-" : x.toFixed(d));
try {
  const rows = [];
  // 6
  const one = rounds(() => node(ONE));
  const bare = rounds(() => node(MAXRSS));
  const raw1 = rounds(() => node(RAW_ONE));
  const py1 = HAVE_PYTHON ? rounds(() => py(PY_ONE)) : null;
  const w6 = median(one.map((r) => r.wall));
  const r6 = median(one.map((r) => r.out.rssMB));
  const wBare = median(bare.map((r) => r.wall));
  const rBare = median(bare.map((r) => r.out.rssMB));
  rows.push([
    "6. one-thread script, whole process",
    `${fmt(w6, 0)} ms, ${fmt(r6, 0)} MB`,
    `node -e 0: ${fmt(wBare, 0)} ms, ${fmt(rBare, 0)} MB`,
    py1 ? `${fmt(median(py1.map((r) => r.wall)), 0)} ms, ${fmt(median(py1.map((r) => r.out.rssMB)), 0)} MB` : "-",
    `≤ +100 ms, +40 MB`,
    w6 <= wBare + 100 && r6 <= rBare + 40 ? "PASS" : "MISS",
    `workers at end: ${one[0].out.workers}; +${fmt(w6 - wBare, 0)} ms, +${fmt(r6 - rBare, 0)} MB over node -e 0`,
  ]);
  // 6b
  const lk = rounds(() => node(CPU_AT_EXIT + LOCK_PROGRAM));
  const pyLk = HAVE_PYTHON ? rounds(() => py(PY_CPU_AT_EXIT + PY_LOCK_PROGRAM)) : null;
  const wLk = median(lk.map((r) => r.wall));
  const wPyLk = pyLk ? median(pyLk.map((r) => r.wall)) : NaN;
  rows.push([
    "6b. the tutorial's lock program, start to exit",
    `${fmt(wLk, 0)} ms, ${fmt(median(lk.map((r) => r.out.cpu)), 2)} CPU s`,
    `node -e 0: ${fmt(wBare, 0)} ms`,
    pyLk ? `${fmt(wPyLk, 0)} ms, ${fmt(median(pyLk.map((r) => r.out.cpu)), 2)} CPU s` : "-",
    "≤ 1.0× CPython",
    pyLk && wLk <= wPyLk ? "PASS" : "MISS",
    pyLk ? `${fmt(wLk / wPyLk, 2)}× CPython's wall time` : "",
  ]);
  // 7
  const first = median(one.map((r) => r.out.firstMs));
  const firstWithRequire = median(one.map((r) => r.out.firstMs + r.out.requireMs));
  const boot = median(raw1.map((r) => r.out.bootMs));
  rows.push([
    "7. first start+join, fresh process",
    `${fmt(first)} ms`,
    `one raw worker boots in ${fmt(boot)} ms`,
    py1 ? `${fmt(median(py1.map((r) => r.out.firstMs)), 2)} ms` : "-",
    "≤ 1.5× raw boot",
    first <= 1.5 * boot ? "PASS" : "MISS",
    `${fmt(first / boot, 2)}× a raw boot; with require: ${fmt(firstWithRequire)} ms`,
  ]);
  // 8
  const s8 = rounds(() => node(SLEEPERS)).map((r) => r.out.wallMs);
  const raw8 = rounds(() => node(RAW_SLEEPERS)).map((r) => r.out.wallMs);
  const py8 = HAVE_PYTHON ? rounds(() => py(PY_SLEEPERS)).map((r) => r.out.wallMs) : null;
  rows.push([
    "8. 100 threads × sleep(1)",
    `${fmt(median(s8), 0)} ms`,
    `raw workers: ${fmt(median(raw8), 0)} ms`,
    py8 ? `${fmt(median(py8), 0)} ms` : "-",
    "≤ 1.3× CPython",
    py8 && median(s8) <= 1.3 * median(py8) ? "PASS" : "MISS",
    py8 ? `${fmt(median(s8) / median(py8), 2)}× CPython` : "",
  ]);
  // 9
  const b9 = node(blocked(200)).out;
  const raw9 = node(rawBlocked(200)).out;
  const py9 = HAVE_PYTHON ? py(pyBlocked(200)).out : null;
  rows.push([
    "9. RSS per blocked thread, 200 threads",
    `${fmt(b9.perThreadMB, 2)} MB`,
    `raw worker: ${fmt(raw9.perThreadMB, 2)} MB`,
    py9 ? `${fmt(py9.perThreadMB * 1024, 0)} KB` : "-",
    "≤ 1.1× raw worker",
    b9.perThreadMB <= 1.1 * raw9.perThreadMB ? "PASS" : "MISS",
    `${fmt(b9.perThreadMB / raw9.perThreadMB, 2)}× a raw worker`,
  ]);
  // 10
  const b10 = node(blocked(1000)).out;
  const raw10 = node(rawBlocked(1000)).out;
  const py10 = HAVE_PYTHON ? py(pyBlocked(1000)).out : null;
  rows.push([
    "10. 1,000 blocked threads: all running",
    `${fmt(b10.allRunMs / 1000, 1)} s, ${fmt(b10.rssMB, 0)} MB`,
    `raw: ${fmt(raw10.allRunMs / 1000, 1)} s, ${fmt(raw10.rssMB, 0)} MB`,
    py10 ? `${fmt(py10.allRunMs, 0)} ms, ${fmt(py10.rssMB, 0)} MB` : "-",
    "completes",
    b10.running === 1000 ? "PASS" : "MISS",
    `${b10.running} of 1000 ran`,
  ]);
  console.log(
    `\nthreads that wait — medians of ${ROUNDS} fresh processes${process.env.BENCH_LOAD === "1" ? ", both cores kept busy by two busy loops" : ""}`,
  );
  const header = ["measurement", "threadlab", "raw Worker / node", "CPython", "goal", "result", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "─".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log(`summary: ${rows.filter((r) => r[5] === "PASS").length} of ${rows.length} goals met`);
} finally {
  stopLoad();
}
