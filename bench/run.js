/**
 * threadlab benchmark: threadlab vs CPython's threading vs raw worker_threads,
 * side by side, all measured in this one run.
 *
 *   npm run bench        (builds first)
 *   node bench/run.js    (uses the dist/ already built)
 *
 * Every figure is measured now; nothing is hard-coded. Times are "best / median"
 * over several rounds (after warm-up); ratios and PASS/MISS use the medians.
 * CPython runs one spawn per round, alternating with threadlab's rounds, so that bursts of
 * load on a shared machine hit both sides alike. BENCH_VERBOSE=1 prints every sample.
 * The exit code is 0 even when a goal is missed (this is a report, not a test),
 * and 1 when a correctness check fails (a lost increment, a hung thread...).
 */
"use strict";

const fs = require("fs");
const { spawnSync } = require("child_process");
const { Worker } = require("worker_threads");
const { Thread, Lock, Value, SharedArray } = require("..");
const { num, startLockExample } = require("./lock-example");

const PYTHON = "/usr/bin/python3";
const HAVE_PYTHON = fs.existsSync(PYTHON);
const JOIN_TIMEOUT_S = 30; // a thread that takes longer than this is reported as hung

// ---- sizes (keep the whole run well under 60 s on a busy 2-core machine) -------------------

const CFG = {
  startJoin: { warmup: 300, n: 1000, rounds: 7, rawN: 50, rawWarmup: 3 },
  closure: { warmup: 100, n: 500, rounds: 7 },
  cpuBound: { darts: 40_000_000, pyDarts: 2_000_000, cores: require("os").availableParallelism(), rounds: 3 },
  lock1000: { threads: 1000, warmupRounds: 1, rounds: 7 },
  uncontended: { jsPairs: 3_000_000, pyPairs: 1_000_000, rounds: 7 },
  contended: { k: 200_000, warmupRounds: 1, rounds: 7 },
  pingPong: { warmup: 1000, n: 5000, rounds: 7 },
};

// ---- correctness failures ------------------------------------------------------------------

const failures = [];
const failedRows = new Set();
let currentRow = null;
function fail(message) {
  failures.push(message);
  if (currentRow) failedRows.add(currentRow);
  process.stderr.write(`\n*** CORRECTNESS FAILURE: ${message}\n`);
}

// ---- statistics ----------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Summary of samples: for times the best is the smallest, for rates the largest. */
function summarize(samples, higherIsBetter = false) {
  if (!samples || samples.length === 0) return null;
  const best = higherIsBetter ? Math.max(...samples) : Math.min(...samples);
  return { best, median: median(samples), samples };
}

// ---- thread targets (top-level: a target travels as source and sees only its parameters,
//      JS globals and threadlab's API) --------------------------------------------------------

function noop() {}

function throwDarts(n, hits, i) {
  let inside = 0;
  for (let k = 0; k < n; k++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y <= 1) inside += 1;
  }
  hits[i] = inside;
}

function incrementMany(lock, v, k) {
  for (let i = 0; i < k; i++) {
    lock.acquire();
    v.value += 1;
    lock.release();
  }
}

function ponger(ping, pong, n) {
  for (let i = 0; i < n; i++) {
    ping.acquire();
    pong.release();
  }
}

function joinAll(threads, what) {
  for (const t of threads) {
    t.join(JOIN_TIMEOUT_S);
    if (t.isAlive()) {
      fail(`${what}: thread ${t.name} still alive after ${JOIN_TIMEOUT_S} s`);
      process.exit(1); // a hung thread would keep the process alive forever
    }
  }
}

// ---- a hand-written futex mutex on raw Atomics (the same algorithm as threadlab's Lock:
//      Drepper's mutex 3 with a short spin), for the "raw worker_threads" column -----------------

function rawAcquire(w) {
  let c = Atomics.compareExchange(w, 0, 0, 1);
  if (c === 0) return;
  for (let i = 0; i < 200; i++) {
    if (Atomics.load(w, 0) === 0) {
      c = Atomics.compareExchange(w, 0, 0, 1);
      if (c === 0) return;
    }
  }
  if (c !== 2) c = Atomics.exchange(w, 0, 2);
  while (c !== 0) {
    Atomics.wait(w, 0, 2);
    c = Atomics.exchange(w, 0, 2);
  }
}

function rawRelease(w) {
  if (Atomics.exchange(w, 0, 0) === 2) Atomics.notify(w, 0, 1);
}

/** Source of a raw worker: the lock functions plus `body`, which sees `workerData`. */
function rawWorkerSource(body) {
  return `"use strict";
const { workerData } = require("worker_threads");
${rawAcquire.toString()}
${rawRelease.toString()}
${body}`;
}

/** Spawns a raw worker and waits until it runs (so spawn time is not in what we time next). */
function spawnReady(source, data) {
  return new Promise((resolve, reject) => {
    const w = new Worker(source, { eval: true, workerData: data });
    w.once("online", () => resolve(w));
    w.once("error", reject);
  });
}

function exited(w) {
  return new Promise((resolve, reject) => {
    w.once("exit", resolve);
    w.once("error", reject);
  });
}

// ---- CPython -------------------------------------------------------------------------------

// One spawn runs its own warm-up and then ONE measured round of `which`; the bench spawns it
// once per round, alternating with threadlab's rounds, so that a burst of load on a shared
// machine hits both sides alike.
const PY_SCRIPT = String.raw`
import json, sys, threading, time

cfg = json.loads(sys.argv[1])
which = cfg["which"]
n = 0

def noop():
    pass

def increment_many(lock, k):
    global n
    for _ in range(k):
        lock.acquire()
        n += 1
        lock.release()

def throw_darts(n, hits, i):
    import random
    inside = 0
    for _ in range(n):
        x = random.random(); y = random.random()
        if x * x + y * y <= 1:
            inside += 1
    hits[i] = inside

def darts_seconds(darts, n_threads):
    hits = [0] * n_threads
    t0 = time.perf_counter()
    threads = [threading.Thread(target=throw_darts, args=(darts // n_threads, hits, i)) for i in range(n_threads)]
    for t in threads: t.start()
    for t in threads: t.join()
    return time.perf_counter() - t0, 4 * sum(hits) / (darts // n_threads * n_threads)

def ponger(ping, pong, count):
    for _ in range(count):
        ping.acquire()
        pong.release()

out = {"sample": None, "checks": []}

if which == "startJoin":
    for _ in range(cfg["warmup"]):
        t = threading.Thread(target=noop); t.start(); t.join()
    t0 = time.perf_counter()
    for _ in range(cfg["n"]):
        t = threading.Thread(target=noop); t.start(); t.join()
    out["sample"] = (time.perf_counter() - t0) * 1e6 / cfg["n"]

elif which == "closure":
    def closure_loop(count):
        a = 5
        data = [1, 2, 3]
        lock = threading.Lock()
        for _ in range(count):
            t = threading.Thread(target=lambda: (a, len(data), lock.locked())); t.start(); t.join()
    closure_loop(cfg["warmup"])
    t0 = time.perf_counter()
    closure_loop(cfg["n"])
    out["sample"] = (time.perf_counter() - t0) * 1e6 / cfg["n"]

elif which == "lock1000":
    # The tutorial's program: a module-level num and num_lock, add_one() started in 1000 threads.
    num_lock = threading.Lock()
    def add_one():
        global n
        with num_lock:
            n += 1
    for r in range(cfg["warmupRounds"] + 1):
        n = 0
        t0 = time.perf_counter()
        c0 = time.process_time()
        threads = []
        for _ in range(cfg["threads"]):
            t = threading.Thread(target=add_one)
            t.start()
            threads.append(t)
        for t in threads: t.join()
        out["sample"] = (time.perf_counter() - t0) * 1e3
        out["cpu"] = time.process_time() - c0
        out["checks"].append(n)

elif which == "uncontended":
    lock = threading.Lock()
    pairs = cfg["pyPairs"]
    for r in range(2):  # the first pass warms up
        t0 = time.perf_counter()
        for _ in range(pairs):
            lock.acquire(); lock.release()
        out["sample"] = pairs / (time.perf_counter() - t0)

elif which == "contended":
    k = cfg["k"]
    for r in range(cfg["warmupRounds"] + 1):
        n = 0
        lock = threading.Lock()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=increment_many, args=(lock, k)) for _ in range(2)]
        for t in threads: t.start()
        for t in threads: t.join()
        out["sample"] = (time.perf_counter() - t0) * 1e3
        out["checks"].append(n)

elif which == "pingPong":
    ping, pong = threading.Lock(), threading.Lock()
    ping.acquire(); pong.acquire()
    t = threading.Thread(target=ponger, args=(ping, pong, cfg["warmup"] + cfg["n"]), daemon=True)
    t.start()
    def trips(count):
        for _ in range(count):
            ping.release()
            if not pong.acquire(timeout=10):
                raise SystemExit("ping-pong: the thread stopped answering")
    trips(cfg["warmup"])
    t0 = time.perf_counter()
    trips(cfg["n"])
    out["sample"] = (time.perf_counter() - t0) * 1e6 / cfg["n"]
    t.join(10)
    out["checks"].append(not t.is_alive())

elif which == "cpuBound":
    one, pi1 = darts_seconds(cfg["pyDarts"], 1)
    all_, pi2 = darts_seconds(cfg["pyDarts"], cfg["cores"])
    out["sample"] = one / all_
    out["checks"] += [abs(pi1 - 3.14159) < 0.05, abs(pi2 - 3.14159) < 0.05]

print(json.dumps(out))
`;

/** Runs one round of a measurement in CPython; returns { sample, checks } or { error }. */
function python(which, cfg) {
  if (!HAVE_PYTHON) return { error: "CPython: not found" };
  const r = spawnSync(PYTHON, ["-c", PY_SCRIPT, JSON.stringify({ which, ...cfg })], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || "").trim().split("\n").pop();
    fail(`CPython ${which} did not complete: ${why}`);
    return { error: "CPython: failed" };
  }
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

/**
 * `rounds` rounds, each one threadlab round (`tlRound()` returns its figure) followed by one
 * CPython round. Returns { tl: [...], py: [...] or an error string, pyChecks: [...] }.
 */
function alternate(rounds, which, cfg, tlRound) {
  const tl = [];
  const py = [];
  const pyChecks = [];
  const pyExtra = [];
  let pyError = null;
  for (let r = 0; r < rounds; r++) {
    tl.push(tlRound(r));
    if (pyError) continue;
    const res = python(which, cfg);
    if (res.error) pyError = res.error;
    else {
      py.push(res.sample);
      pyExtra.push(res);
      pyChecks.push(...res.checks);
    }
  }
  return { tl, py: pyError ?? py, pyChecks, pyExtra };
}

const pySummary = (py, higherIsBetter) => (typeof py === "string" ? py : summarize(py, higherIsBetter));

// ---- 1. thread start+join latency ----------------------------------------------------------

async function benchStartJoin() {
  const c = CFG.startJoin;
  const startJoinLoop = (n) => {
    for (let i = 0; i < n; i++) {
      const t = new Thread({ target: noop });
      t.start();
      t.join();
    }
  };
  // Each round warms up first, as each CPython spawn does before its measured loop.
  const m = alternate(c.rounds, "startJoin", c, () => {
    startJoinLoop(c.warmup);
    const t0 = performance.now();
    startJoinLoop(c.n);
    return ((performance.now() - t0) * 1000) / c.n;
  });

  // Raw: a fresh `new Worker` per thread, with code that ends at once.
  for (let i = 0; i < c.rawWarmup; i++) await exited(new Worker("", { eval: true }));
  const raw = [];
  for (let i = 0; i < c.rawN; i++) {
    const t0 = performance.now();
    await exited(new Worker("", { eval: true }));
    raw.push((performance.now() - t0) * 1000);
  }
  return {
    name: "1. thread start+join",
    unit: "µs/thread",
    tl: summarize(m.tl),
    py: pySummary(m.py),
    raw: summarize(raw),
    goal: { op: "<=", x: 0.5 },
  };
}

// ---- 1b. start+join of a target that closes over three locals ------------------------------

function benchClosure() {
  const c = CFG.closure;
  // A new closure for every thread, as \`Thread(target=lambda: ...)\` in a loop makes one: each start
  // reads the three variables the function sees (a number, an array, a Lock).
  const closureLoop = (n) => {
    const a = 5;
    const data = [1, 2, 3];
    const lock = new Lock();
    for (let i = 0; i < n; i++) {
      const t = new Thread({ target: () => [a, data.length, lock.locked()] });
      t.start();
      t.join();
    }
  };
  const m = alternate(c.rounds, "closure", c, () => {
    closureLoop(c.warmup);
    const t0 = performance.now();
    closureLoop(c.n);
    return ((performance.now() - t0) * 1000) / c.n;
  });
  return {
    name: "1b. start+join, lambda over 3 locals",
    unit: "µs/thread",
    tl: summarize(m.tl),
    py: pySummary(m.py),
    raw: null,
    goal: null,
  };
}

// ---- 2. the tutorial's 1000-thread lock example --------------------------------------------

function benchLock1000() {
  const c = CFG.lock1000;
  const cpu = [];
  const round = (r) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    joinAll(startLockExample(c.threads), "1000-thread lock example");
    const ms = performance.now() - t0;
    const used = process.cpuUsage(c0);
    if (r !== "warm-up") cpu.push((used.user + used.system) / 1e6);
    if (num.value !== c.threads)
      fail(`threadlab 1000-thread lock example, round ${r}: count is ${num.value}, expected ${c.threads}`);
    return ms;
  };
  // Each round warms up first, as each CPython spawn does before its measured round.
  const m = alternate(c.rounds, "lock1000", c, (r) => {
    for (let w = 0; w < c.warmupRounds; w++) round("warm-up");
    return round(r);
  });
  m.pyChecks.forEach((count) => {
    if (count !== c.threads) fail(`CPython 1000-thread lock example: count is ${count}, expected ${c.threads}`);
  });
  return [
    {
      name: `2. ${c.threads} threads × (with lock: n += 1)`,
      unit: "ms",
      tl: summarize(m.tl),
      py: pySummary(m.py),
      raw: null,
      goal: { op: "<=", x: 0.5 },
    },
    {
      // Spinning that wins wall time by burning cores is no win: the process's CPU time, all threads.
      name: "2b. CPU time of the lock example",
      unit: "CPU s (process)",
      tl: summarize(cpu),
      py: typeof m.py === "string" ? m.py : summarize(m.pyExtra.map((x) => x.cpu)),
      raw: null,
      goal: { op: "<=", x: 1.0 },
    },
  ];
}

// ---- 3. uncontended acquire+release in the main thread -------------------------------------

function benchUncontended() {
  const c = CFG.uncontended;
  const lock = new Lock();
  const pairsPerSecond = () => {
    const t0 = performance.now();
    for (let i = 0; i < c.jsPairs; i++) {
      lock.acquire();
      lock.release();
    }
    return c.jsPairs / ((performance.now() - t0) / 1000);
  };
  pairsPerSecond(); // warm-up (lets the JIT optimize the loop)
  const m = alternate(c.rounds, "uncontended", c, pairsPerSecond);
  if (lock.locked()) fail("uncontended lock: still locked after balanced acquire/release");

  const w = new Int32Array(new SharedArrayBuffer(4));
  const raw = [];
  for (let r = 0; r < 1 + c.rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < c.jsPairs; i++) {
      rawAcquire(w);
      rawRelease(w);
    }
    const rate = c.jsPairs / ((performance.now() - t0) / 1000);
    if (r >= 1) raw.push(rate);
  }
  return {
    name: "3. uncontended acquire+release",
    unit: "M pairs/s",
    scale: 1e-6,
    tl: summarize(m.tl, true),
    py: pySummary(m.py, true),
    raw: summarize(raw, true),
    rawNote: "Atomics in main",
    goal: { op: ">=", x: 3.0 },
  };
}

// ---- 4. two threads contending for one lock -------------------------------------------------

async function benchContended() {
  const c = CFG.contended;
  const round = (r) => {
    const lock = new Lock();
    const v = new Value("i", 0);
    const t0 = performance.now();
    const threads = [0, 1].map(() => new Thread({ target: incrementMany, args: [lock, v, c.k] }));
    for (const t of threads) t.start();
    joinAll(threads, "2-thread contended lock");
    const ms = performance.now() - t0;
    if (v.value !== 2 * c.k) fail(`threadlab 2-thread contended lock, round ${r}: count is ${v.value}, expected ${2 * c.k}`);
    return ms;
  };
  for (let r = 0; r < c.warmupRounds; r++) round("warm-up");
  const m = alternate(c.rounds, "contended", c, round);
  m.pyChecks.forEach((count) => {
    if (count !== 2 * c.k) fail(`CPython 2-thread contended lock: count is ${count}, expected ${2 * c.k}`);
  });

  // Raw: two pre-spawned workers run the same loop on a hand-written Atomics mutex;
  // the clock starts when both are up and told to go.
  const source = rawWorkerSource(`
const { sab, k } = workerData;
const ctl = new Int32Array(sab, 0, 2); // [go, done]
const lockWord = new Int32Array(sab, 8, 1);
const count = new Int32Array(sab, 12, 1);
Atomics.wait(ctl, 0, 0);
for (let i = 0; i < k; i++) {
  rawAcquire(lockWord);
  count[0] += 1;
  rawRelease(lockWord);
}
Atomics.add(ctl, 1, 1);
Atomics.notify(ctl, 1);
`);
  const raw = [];
  for (let r = 0; r < c.warmupRounds + c.rounds; r++) {
    const sab = new SharedArrayBuffer(16);
    const ctl = new Int32Array(sab, 0, 2);
    const workers = await Promise.all([0, 1].map(() => spawnReady(source, { sab, k: c.k })));
    const t0 = performance.now();
    Atomics.store(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    for (let d = Atomics.load(ctl, 1); d < 2; d = Atomics.load(ctl, 1)) Atomics.wait(ctl, 1, d, 100);
    const ms = performance.now() - t0;
    await Promise.all(workers.map(exited));
    const count = new Int32Array(sab, 12, 1)[0];
    if (count !== 2 * c.k) fail(`raw-worker contended lock, round ${r}: count is ${count}, expected ${2 * c.k}`);
    if (r >= c.warmupRounds) raw.push(ms);
  }
  return {
    name: `4. 2 threads × ${c.k / 1000}k contended pairs`,
    unit: "ms",
    tl: summarize(m.tl),
    py: pySummary(m.py),
    raw: summarize(raw),
    rawNote: "pre-spawned",
    goal: { op: "<=", x: 0.5 },
  };
}

// ---- 5. main <-> thread ping-pong through two locks -----------------------------------------

async function benchPingPong() {
  const c = CFG.pingPong;
  const ping = new Lock();
  const pong = new Lock();
  ping.acquire();
  pong.acquire();
  const t = new Thread({ target: ponger, args: [ping, pong, c.warmup + c.n * c.rounds], daemon: true });
  t.start();
  const trips = (count) => {
    for (let i = 0; i < count; i++) {
      ping.release();
      if (!pong.acquire(true, 10)) {
        fail("threadlab ping-pong: the thread stopped answering");
        process.exit(1);
      }
    }
  };
  trips(c.warmup);
  // One thread serves every round; while CPython runs in between, it waits on `ping`.
  const m = alternate(c.rounds, "pingPong", c, () => {
    const t0 = performance.now();
    trips(c.n);
    return ((performance.now() - t0) * 1000) / c.n;
  });
  joinAll([t], "ping-pong");
  if (m.pyChecks.some((ended) => ended !== true)) fail("CPython ping-pong: the thread did not end");

  // Raw: one pre-spawned worker plays the same handoff on two hand-written Atomics mutexes.
  const source = rawWorkerSource(`
const { sab, total } = workerData;
const ping = new Int32Array(sab, 0, 1);
const pong = new Int32Array(sab, 4, 1);
for (let i = 0; i < total; i++) {
  rawAcquire(ping);
  rawRelease(pong);
}
`);
  const sab = new SharedArrayBuffer(8);
  const rping = new Int32Array(sab, 0, 1);
  const rpong = new Int32Array(sab, 4, 1);
  rawAcquire(rping);
  rawAcquire(rpong);
  const w = await spawnReady(source, { sab, total: c.warmup + c.n * c.rounds });
  const rawTrips = (count) => {
    for (let i = 0; i < count; i++) {
      rawRelease(rping);
      rawAcquire(rpong);
    }
  };
  rawTrips(c.warmup);
  const raw = [];
  for (let r = 0; r < c.rounds; r++) {
    const t0 = performance.now();
    rawTrips(c.n);
    raw.push(((performance.now() - t0) * 1000) / c.n);
  }
  await exited(w);

  return {
    name: "5. main↔thread ping-pong (2 Locks)",
    unit: "µs/round trip",
    tl: summarize(m.tl),
    py: pySummary(m.py),
    raw: summarize(raw),
    rawNote: "pre-spawned",
    goal: { op: "<=", x: 1.0 },
  };
}

/** Lesson 01's CPU-bound program: darts thrown on one thread, then on one thread per core. */
function benchCpuBound() {
  const c = CFG.cpuBound;
  const seconds = (darts, n) => {
    const hits = new SharedArray("i", n);
    const t0 = performance.now();
    const ts = Array.from({ length: n }, (_, i) => new Thread({ target: throwDarts, args: [Math.floor(darts / n), hits, i] }));
    ts.forEach((t) => t.start());
    joinAll(ts, "cpu-bound");
    let inside = 0;
    for (let i = 0; i < n; i++) inside += hits[i];
    const pi = (4 * inside) / (Math.floor(darts / n) * n);
    if (Math.abs(pi - Math.PI) > 0.01) fail(`cpu-bound: pi came out as ${pi}`);
    return (performance.now() - t0) / 1000;
  };
  seconds(c.darts / 10, c.cores); // warm-up
  const m = alternate(c.rounds, "cpuBound", c, () => seconds(c.darts, 1) / seconds(c.darts, c.cores));
  if (m.pyChecks.some((ok) => ok !== true)) fail("cpu-bound: CPython's pi is off");
  return {
    name: `5b. CPU-bound work on ${c.cores} cores (lesson 01)`,
    unit: "speed-up × over 1 thread",
    tl: summarize(m.tl, true),
    py: pySummary(m.py, true),
    raw: null,
    goal: { op: ">=", x: Math.min(1.5, c.cores * 0.75) },
  };
}

// ---- the table -----------------------------------------------------------------------------

function fmtNum(x) {
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  return x.toFixed(3);
}

function fmtStat(s, scale = 1) {
  if (s === null || s === undefined) return "-";
  if (typeof s === "string") return s;
  return `${fmtNum(s.best * scale)} / ${fmtNum(s.median * scale)}`;
}

function evaluate(row) {
  if (row.failed) return { ratio: "-", verdict: "FAIL", met: false };
  if (!row.tl || typeof row.tl === "string" || typeof row.py === "string" || !row.py)
    return { ratio: "-", verdict: "n/a", met: null };
  const ratio = row.tl.median / row.py.median;
  if (!row.goal) return { ratio: `${ratio.toFixed(2)}×`, verdict: "-", met: null };
  const met = row.goal.op === "<=" ? ratio <= row.goal.x : ratio >= row.goal.x;
  return { ratio: `${ratio.toFixed(2)}×`, verdict: met ? "PASS" : "MISS", met };
}

function printTable(rows) {
  const header = ["measurement", "unit", "threadlab", "CPython", "raw Worker", "ratio tl/py", "goal", "result"];
  const lines = rows.map((row) => {
    const e = evaluate(row);
    const raw = fmtStat(row.raw, row.scale);
    return [
      row.name,
      row.unit,
      fmtStat(row.tl, row.scale),
      fmtStat(row.py, row.scale),
      row.raw && row.rawNote ? `${raw} (${row.rawNote})` : raw,
      e.ratio,
      row.goal ? `${row.goal.op === "<=" ? "≤" : "≥"} ${row.goal.x.toFixed(1)}×` : "-",
      e.verdict,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const numeric = new Set([2, 3, 4, 5, 6]);
  const fmt = (cells) => cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  console.log(fmt(header));
  console.log(rule);
  for (const l of lines) console.log(fmt(l));
  console.log(rule);
  return rows.map(evaluate);
}

// ---- main ----------------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  console.log(
    `threadlab bench — Node ${process.version}, ${require("os").cpus().length} CPUs, ` +
      `CPython: ${HAVE_PYTHON ? spawnSync(PYTHON, ["-V"], { encoding: "utf8" }).stdout.trim() : "not found"}`,
  );

  // The very first thread also boots the worker pool: shown apart, not part of any row.
  const t0 = performance.now();
  const first = new Thread({ target: noop });
  first.start();
  joinAll([first], "first thread");
  console.log(`first Thread start+join (cold pool): ${(performance.now() - t0).toFixed(1)} ms`);
  console.log("measuring…\n");

  const benches = [
    ["1. thread start+join", benchStartJoin],
    ["1b. start+join, lambda over 3 locals", benchClosure],
    ["2. 1000-thread lock example", benchLock1000],
    ["3. uncontended acquire+release", benchUncontended],
    ["4. 2-thread contended lock", benchContended],
    ["5. main↔thread ping-pong", benchPingPong],
    ["5b. CPU-bound work on every core", benchCpuBound],
  ];
  // BENCH_ROWS=1,2,5 runs only the rows whose names begin so (2 takes in 2b).
  const only = process.env.BENCH_ROWS?.split(",").map((r) => r.trim());
  const rows = [];
  for (const [name, bench] of only ? benches.filter(([n]) => only.some((r) => n.startsWith(`${r}.`))) : benches) {
    currentRow = name;
    try {
      for (const row of [await bench()].flat()) {
        row.failed = failedRows.has(name);
        rows.push(row);
      }
    } catch (err) {
      // A row that throws is a correctness failure; report it and go on with the others.
      fail(`${name} threw: ${err && err.stack ? err.stack : err}`);
      rows.push({ name, unit: "-", tl: "error", py: "-", raw: null, goal: { op: "<=", x: 1.0 }, failed: true });
    }
  }
  currentRow = null;

  const results = printTable(rows);
  if (process.env.BENCH_JSON) {
    const figure = (x, scale = 1) => (x && typeof x === "object" ? x.median * scale : null);
    const out = rows.map((r) => ({
      name: r.name,
      unit: r.unit,
      tl: figure(r.tl, r.scale),
      py: figure(r.py, r.scale),
      higherIsBetter: r.goal?.op === ">=",
    }));
    fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(out, null, 1));
  }
  console.log("figures are best / median over the rounds; ratio and result use the medians.");
  console.log("raw Worker: a fresh `new Worker` per thread (row 1), or the same futex mutex hand-written on Atomics.");
  if (process.env.BENCH_VERBOSE) {
    const list = (s, scale = 1) =>
      s && typeof s === "object" ? s.samples.map((x) => fmtNum(x * scale)).join(", ") : String(s ?? "-");
    for (const row of rows) {
      console.log(`\n${row.name} (${row.unit})`);
      console.log(`  threadlab:  ${list(row.tl, row.scale)}`);
      console.log(`  CPython:    ${list(row.py, row.scale)}`);
      console.log(`  raw Worker: ${list(row.raw, row.scale)}`);
    }
  }
  const judged = results.filter((r) => r.met !== null);
  const met = judged.filter((r) => r.met).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\nsummary: ${met} of ${judged.length} goals met` +
      `${judged.length < results.length ? ` (${results.length - judged.length} not judged)` : ""}` +
      `${failures.length ? `; ${failures.length} CORRECTNESS FAILURE(S)` : "; all correctness checks passed"}` +
      ` — ${seconds} s`,
  );
  if (failures.length) {
    for (const f of failures) console.error(`  - ${f}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exitCode = 1;
});
