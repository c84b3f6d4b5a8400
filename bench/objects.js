/**
 * Shared objects beside Value and CPython, in one run: `obj.value += 1` on a
 * number field of a shared object (one that has crossed to a thread), the same
 * on a `Value`, and CPython's attribute increment — each alone and under a
 * lock (acquire, increment, release). Goal: a shared field within 3× of a Value.
 * Best of 5 rounds each side; every figure measured now.
 *
 *   node bench/objects.js   (npm run bench runs it)
 */
"use strict";
const fs = require("fs");
const { spawnSync } = require("child_process");
const { Thread, Lock, Value } = require("..");

const PYTHON = "/usr/bin/python3";
const ROUNDS = 5;
const N = 2_000_000;

class Counter {
  constructor() {
    this.value = 0;
    this.lock = new Lock();
  }
}

function touch(counter) {
  counter.value += 1;
}

// Sharing happens when the object first crosses: send it to a thread once.
const counter = new Counter();
const t = new Thread({ target: touch, args: [counter] });
t.start();
t.join();
const value = new Value("d", 0);
const lock = new Lock();

function loop(step) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) step();
  return ((performance.now() - t0) * 1e6) / N;
}
const best = (fn) => Math.min(...Array.from({ length: ROUNDS }, fn));

const tl = {
  field: best(() => loop(() => (counter.value += 1))),
  value: best(() => loop(() => (value.value += 1))),
  fieldLocked: best(() =>
    loop(() => {
      counter.lock.acquire();
      counter.value += 1;
      counter.lock.release();
    }),
  ),
  valueLocked: best(() =>
    loop(() => {
      lock.acquire();
      value.value += 1;
      lock.release();
    }),
  ),
};
if (counter.value !== 1 + 2 * ROUNDS * N) throw new Error(`lost increments: ${counter.value}`);

const PY = `
import threading, time, json
class Counter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()
c = Counter(); N = ${N}
def plain():
    t0 = time.perf_counter()
    for _ in range(N): c.value += 1
    return (time.perf_counter() - t0) * 1e9 / N
def locked():
    t0 = time.perf_counter()
    for _ in range(N):
        c.lock.acquire(); c.value += 1; c.lock.release()
    return (time.perf_counter() - t0) * 1e9 / N
print(json.dumps({"field": plain(), "fieldLocked": locked()}))
`;
let py = null;
if (fs.existsSync(PYTHON)) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = spawnSync(PYTHON, ["-c", PY], { encoding: "utf8" });
    if (r.status === 0) runs.push(JSON.parse(r.stdout));
  }
  if (runs.length)
    py = { field: Math.min(...runs.map((r) => r.field)), fieldLocked: Math.min(...runs.map((r) => r.fieldLocked)) };
}

const fmt = (x) => (x === undefined || x === null ? "-" : x.toFixed(1));
console.log("\nshared objects — ns per `obj.value += 1`, best of %d rounds each side", ROUNDS);
console.log(
  "measurement".padEnd(44),
  "shared field".padStart(13),
  "Value".padStart(8),
  "CPython".padStart(9),
  "  field/Value  goal ≤ 3×",
);
const rows = [
  ["obj.value += 1", tl.field, tl.value, py?.field],
  ["under a lock (acquire, += 1, release)", tl.fieldLocked, tl.valueLocked, py?.fieldLocked],
];
let met = 0;
for (const [name, field, val, cpy] of rows) {
  const ratio = field / val;
  const ok = ratio <= 3;
  if (ok) met++;
  console.log(
    name.padEnd(44),
    fmt(field).padStart(13),
    fmt(val).padStart(8),
    fmt(cpy).padStart(9),
    `${ratio.toFixed(2)}×`.padStart(13),
    ok ? "  MET" : "  MISSED",
  );
}
console.log(`summary: ${met} of ${rows.length} goals met`);
