/**
 * The timeline's cost: the tutorial's lock example (1000 threads, each
 * `numLock.with(() => { num.value += 1 })`, started in a loop and joined)
 * untraced and inside `timeline()`, rounds alternated, best (and median) of
 * each side: best of, as bench/objects.js, since on a machine shared with other
 * work a round now and then takes several times as long whichever side it is.
 * Goal: traced (best) within 2× of untraced (best). Also shown: the whole `timeline()` call
 * with building the picture and summary (1000 lanes), and the events recorded.
 *
 *   node bench/timeline.js   (npm run bench runs it)
 */
"use strict";
const { timeline, lastTimeline } = require("..");
const { num, startLockExample } = require("./lock-example");

const ROUNDS = 11;
const THREADS = 1000;

function example() {
  const t0 = performance.now();
  for (const t of startLockExample(THREADS)) t.join();
  if (num.value !== THREADS) throw new Error(`count is ${num.value}, expected ${THREADS}`);
  return performance.now() - t0;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (let w = 0; w < 3; w++) example();
const plain = [];
const traced = [];
const whole = [];
let events = 0;
const tracedRound = () => {
  const t0 = performance.now();
  traced.push(timeline(example, { show: false }));
  whole.push(performance.now() - t0);
  events = lastTimeline().events.length;
};
// Alternated, each side first in every other round.
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2) tracedRound();
  plain.push(example());
  if (r % 2 === 0) tracedRound();
}
const best = (xs) => Math.min(...xs);
const ratio = best(traced) / best(plain);
const row = (name, xs) =>
  console.log(`${name.padEnd(40)} best ${best(xs).toFixed(1).padStart(7)} ms   median ${median(xs).toFixed(1).padStart(7)} ms`);
console.log(`timeline: the lock example, ${THREADS} threads, ${ROUNDS} rounds each`);
row("untraced", plain);
row("inside timeline()", traced);
row("timeline() with picture and summary", whole);
console.log(`events recorded per traced round: ${events}`);
console.log(
  `ratio traced/untraced (best): ${ratio.toFixed(2)}×, medians ${(median(traced) / median(plain)).toFixed(2)}×  (goal <= 2×) ${ratio <= 2 ? "ok" : "MISSED"}`,
);
if (ratio > 2) process.exitCode = 1;
