/**
 * The bench on a loaded machine: runs bench/run.js quietly, then again while
 * one busy-looping process per core keeps every core busy, and shows each
 * row's threadlab and CPython medians side by side. Goal: no threadlab row
 * gets worse than 2× its quiet figure. (Spinning waits are bounded by the
 * cores other programs leave: see src/state/spin.ts and src/worker/load.ts.)
 *
 *   node bench/loaded.js      (uses the dist/ already built; npm run bench builds)
 */
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn, spawnSync } = require("child_process");

function run(label) {
  const file = path.join(os.tmpdir(), `threadlab-bench-${process.pid}-${label}.json`);
  const r = spawnSync(process.execPath, [path.join(__dirname, "run.js")], {
    env: { ...process.env, BENCH_JSON: file },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) process.exitCode = 1;
  const rows = JSON.parse(fs.readFileSync(file, "utf8"));
  fs.unlinkSync(file);
  return rows;
}

console.log("bench/run.js on a quiet machine…");
const quiet = run("quiet");
const cores = os.availableParallelism();
console.log(`…and with ${cores} busy-looping processes keeping every core busy…`);
const loops = Array.from({ length: cores }, () => spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }));
let loaded;
try {
  loaded = run("loaded");
} finally {
  for (const p of loops) p.kill("SIGKILL");
}

const fmt = (x) => (x === null || x === undefined ? "-" : x >= 100 ? x.toFixed(1) : x.toPrecision(4));
const header = [
  "measurement",
  "unit",
  "quiet tl",
  "loaded tl",
  "worse by",
  "quiet py",
  "loaded py",
  "py worse by",
  "goal",
  "result",
];
const lines = quiet.map((q) => {
  const l = loaded.find((x) => x.name === q.name) ?? {};
  const worse = (a, b) => (a && b ? (q.higherIsBetter ? a / b : b / a) : null);
  const w = worse(q.tl, l.tl);
  const wp = worse(q.py, l.py);
  return [
    q.name,
    q.unit,
    fmt(q.tl),
    fmt(l.tl),
    w ? `${w.toFixed(2)}×` : "-",
    fmt(q.py),
    fmt(l.py),
    wp ? `${wp.toFixed(2)}×` : "-",
    "≤ 2.0×",
    w === null ? "-" : w <= 2 ? "PASS" : "MISS",
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const show = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log("\n" + show(header));
console.log(widths.map((w) => "─".repeat(w)).join("  "));
for (const l of lines) console.log(show(l));
const judged = lines.filter((l) => l[9] !== "-");
console.log(
  `\nsummary: ${judged.filter((l) => l[9] === "PASS").length} of ${judged.length} rows within 2× of their quiet figure under load`,
);
