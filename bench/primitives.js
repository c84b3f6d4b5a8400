/**
 * The rest of threading beside CPython, in one run: Condition notify/wait round
 * trip, Queue put/get throughput between two threads, a Queue backlog of
 * 1,000,000 items (put by one thread, then got by another), and executor map
 * over 10,000 small items. Best of 5 rounds each side (3 for the backlog);
 * every figure measured now.
 *
 *   node bench/primitives.js   (npm run bench runs it after bench/run.js)
 */
"use strict";
const fs = require("fs");
const { spawnSync } = require("child_process");
const { Thread, Queue, Condition, Value, ThreadPoolExecutor } = require("..");

const PYTHON = "/usr/bin/python3";
const ROUNDS = 5;
const N_COND = 5000;
const N_QUEUE = 200000;
const N_MAP = 10000;
const N_BACKLOG = 1000000;
const BACKLOG_ROUNDS = 3;

function pong(c, turn, n) {
  c.with(() => {
    for (let i = 0; i < n; i++) {
      c.waitFor(() => turn.value === 1);
      turn.value = 0;
      c.notify();
    }
  });
}
function conditionRoundTrip() {
  const c = new Condition();
  const turn = new Value("i", 0);
  const t = new Thread({ target: pong, args: [c, turn, N_COND] });
  t.start();
  const t0 = performance.now();
  c.with(() => {
    for (let i = 0; i < N_COND; i++) {
      turn.value = 1;
      c.notify();
      c.waitFor(() => turn.value === 0);
    }
  });
  const us = ((performance.now() - t0) * 1000) / N_COND;
  t.join();
  return us;
}

function produce(q, n) {
  for (let i = 0; i < n; i++) q.put(i);
  q.put(-1);
}
function consume(q) {
  while (q.get() !== -1);
}
function queueThroughput() {
  const q = new Queue(1000);
  const a = new Thread({ target: produce, args: [q, N_QUEUE] });
  const b = new Thread({ target: consume, args: [q] });
  const t0 = performance.now();
  a.start();
  b.start();
  a.join();
  b.join();
  return N_QUEUE / ((performance.now() - t0) / 1000);
}

function putAll(q, n) {
  for (let i = 0; i < n; i++) q.put(i);
}
function getAll(q, n) {
  for (let i = 0; i < n; i++) if (q.get() !== i) throw new Error("the backlog came out of order");
}
function queueBacklog() {
  const q = new Queue();
  const t0 = performance.now();
  const a = new Thread({ target: putAll, args: [q, N_BACKLOG] });
  a.start();
  a.join();
  if (q.qsize() !== N_BACKLOG) throw new Error(`the backlog holds ${q.qsize()} items`);
  const b = new Thread({ target: getAll, args: [q, N_BACKLOG] });
  b.start();
  b.join();
  return (performance.now() - t0) / 1000;
}

function small(x) {
  return x + 1;
}
function executorMap() {
  const ex = new ThreadPoolExecutor({ maxWorkers: 4 });
  const items = Array.from({ length: N_MAP }, (_, i) => i);
  const t0 = performance.now();
  const out = [...ex.map(small, items)];
  const ms = performance.now() - t0;
  ex.shutdown();
  if (out.length !== N_MAP || out[N_MAP - 1] !== N_MAP) throw new Error("executor map returned wrong results");
  return ms;
}

const PY = `
import threading, queue, time, json
from concurrent.futures import ThreadPoolExecutor
def cond():
    c = threading.Condition(); turn = [0]; N = ${N_COND}
    def pong():
        with c:
            for i in range(N):
                c.wait_for(lambda: turn[0] == 1); turn[0] = 0; c.notify()
    t = threading.Thread(target=pong); t.start(); t0 = time.perf_counter()
    with c:
        for i in range(N):
            turn[0] = 1; c.notify(); c.wait_for(lambda: turn[0] == 0)
    us = (time.perf_counter() - t0) * 1e6 / N; t.join(); return us
def q():
    qq = queue.Queue(1000); N = ${N_QUEUE}
    def prod():
        for i in range(N): qq.put(i)
        qq.put(-1)
    def cons():
        while qq.get() != -1: pass
    a = threading.Thread(target=prod); b = threading.Thread(target=cons)
    t0 = time.perf_counter(); a.start(); b.start(); a.join(); b.join()
    return N / (time.perf_counter() - t0)
def backlog():
    qq = queue.Queue(); N = ${N_BACKLOG}
    def prod():
        for i in range(N): qq.put(i)
    def cons():
        for i in range(N):
            if qq.get() != i: raise RuntimeError("out of order")
    t0 = time.perf_counter()
    a = threading.Thread(target=prod); a.start(); a.join()
    b = threading.Thread(target=cons); b.start(); b.join()
    return time.perf_counter() - t0
def m():
    with ThreadPoolExecutor(max_workers=4) as ex:
        t0 = time.perf_counter(); out = list(ex.map(lambda x: x + 1, range(${N_MAP}))); return (time.perf_counter() - t0) * 1000
import sys
if sys.argv[1:] == ["backlog"]: print(json.dumps({"backlog": backlog()}))
else: print(json.dumps({"cond": cond(), "queue": q(), "map": m()}))
`;

function best(fn, higher, rounds = ROUNDS) {
  const xs = [];
  for (let i = 0; i < rounds; i++) xs.push(fn());
  return higher ? Math.max(...xs) : Math.min(...xs);
}

const tl = {
  cond: best(conditionRoundTrip, false),
  queue: best(queueThroughput, true),
  backlog: best(queueBacklog, false, BACKLOG_ROUNDS),
  map: best(executorMap, false),
};
let py = null;
if (fs.existsSync(PYTHON)) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = spawnSync(PYTHON, ["-c", PY], { encoding: "utf8" });
    if (r.status === 0) runs.push(JSON.parse(r.stdout));
  }
  const backlogs = [];
  for (let i = 0; i < BACKLOG_ROUNDS; i++) {
    const r = spawnSync(PYTHON, ["-c", PY, "backlog"], { encoding: "utf8" });
    if (r.status === 0) backlogs.push(JSON.parse(r.stdout).backlog);
  }
  if (runs.length)
    py = {
      cond: Math.min(...runs.map((r) => r.cond)),
      queue: Math.max(...runs.map((r) => r.queue)),
      backlog: backlogs.length ? Math.min(...backlogs) : undefined,
      map: Math.min(...runs.map((r) => r.map)),
    };
}

const rows = [
  ["Condition notify/wait round trip", "µs", tl.cond, py?.cond, false],
  ["Queue put/get, 2 threads", "items/s", tl.queue, py?.queue, true],
  [`Queue backlog: ${N_BACKLOG} put, then got`, "s", tl.backlog, py?.backlog, false],
  [`executor map over ${N_MAP} items`, "ms", tl.map, py?.map, false],
];
console.log("\nthe rest of threading — best of %d rounds each side (%d for the backlog)", ROUNDS, BACKLOG_ROUNDS);
console.log(
  "measurement".padEnd(36),
  "unit".padEnd(8),
  "threadlab".padStart(12),
  "CPython".padStart(12),
  "  tl/py",
  "  goal: no slower",
);
let met = 0;
for (const [name, unit, a, b, higher] of rows) {
  const ratio = b === undefined ? null : higher ? b / a : a / b;
  const ok = ratio !== null && ratio <= 1;
  if (ok) met++;
  const fmt = (x) => (x === undefined ? "-" : x >= 1000 ? Math.round(x).toString() : x.toFixed(x < 10 ? 2 : 1));
  console.log(
    name.padEnd(36),
    unit.padEnd(8),
    fmt(a).padStart(12),
    fmt(b).padStart(12),
    ratio === null ? "      -" : `${ratio.toFixed(2)}×`.padStart(7),
    ok ? "  MET" : "  MISSED",
  );
}
console.log(`summary: ${met} of ${rows.length} goals met`);
