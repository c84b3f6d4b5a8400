/**
 * Start+join when the process has one core (a container given one CPU, or
 * `taskset -c 0`): every hand-off between a starter and its thread then goes
 * through the scheduler, and a spin only keeps the other side off the core.
 * threadlab and CPython each run under `taskset -c 0`, one spawn per round,
 * alternating, on a warm pool (as row 1 of bench/run.js). Shown beside CPython;
 * no goal (with fixed 200 µs spins this was 8.7× CPython; src/state/spin.ts
 * says what changed it).
 *
 *   node bench/one-core.js   (npm run bench runs it; needs taskset, from util-linux)
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const PYTHON = "/usr/bin/python3";
const ROUNDS = 5;
const N = 1000;
const WARMUP = 300;

const JS = `
const { Thread, sleep } = require(${JSON.stringify(path.resolve(__dirname, ".."))});
const noop = () => {};
for (let i = 0; i < ${WARMUP}; i++) { const t = new Thread({ target: noop }); t.start(); t.join(); }
// The pool's other workers and its supervisor boot meanwhile, on the same core: wait for them, as
// bench/run.js measures a warm pool.
sleep(0.5);
const t0 = performance.now();
for (let i = 0; i < ${N}; i++) { const t = new Thread({ target: noop }); t.start(); t.join(); }
console.log(JSON.stringify({ us: ((performance.now() - t0) * 1000) / ${N} }));`;

const PY = `
import json, threading, time
noop = lambda: None
for _ in range(${WARMUP}):
    t = threading.Thread(target=noop); t.start(); t.join()
t0 = time.perf_counter()
for _ in range(${N}):
    t = threading.Thread(target=noop); t.start(); t.join()
print(json.dumps({"us": (time.perf_counter() - t0) * 1e6 / ${N}}))`;

function onOneCore(cmd, args) {
  const r = spawnSync("taskset", ["-c", "0", cmd, ...args], { encoding: "utf8", timeout: 120_000 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} on one core failed: ${r.error ?? r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()).us;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function main() {
  if (spawnSync("taskset", ["-c", "0", "true"]).status !== 0) {
    console.log("one-core bench skipped: taskset (util-linux) is not installed");
    return;
  }
  const havePython = fs.existsSync(PYTHON);
  const tl = [];
  const py = [];
  for (let r = 0; r < ROUNDS; r++) {
    tl.push(onOneCore(process.execPath, ["-e", JS]));
    if (havePython) py.push(onOneCore(PYTHON, ["-c", PY]));
  }
  const fmt = (xs) => `${Math.min(...xs).toFixed(1)} / ${median(xs).toFixed(1)}`;
  console.log("\nstart+join of a no-op thread on one core (taskset -c 0), µs per thread, best / median:");
  console.log(`  threadlab  ${fmt(tl)}`);
  if (havePython) {
    console.log(`  CPython    ${fmt(py)}`);
    console.log(`  ratio      ${(median(tl) / median(py)).toFixed(2)}× CPython (medians)`);
  }
}

main();
