/**
 * The tutorial's lock example as lesson 05 writes it, for the benches that time it
 * (bench/run.js, bench/timeline.js): module-level names the thread's function uses.
 */
"use strict";
const { Thread, Lock, Value } = require("..");

const num = new Value("i", 0);
const numLock = new Lock();
function addOne() {
  numLock.with(() => {
    num.value += 1;
  });
}

/** Sets num to 0 and starts `n` threads of addOne, each as soon as it is made; returns them, to be joined. */
function startLockExample(n) {
  num.value = 0;
  const threads = [];
  for (let i = 0; i < n; i++) {
    const t = new Thread({ target: addOne });
    t.start();
    threads.push(t);
  }
  return threads;
}

module.exports = { num, startLockExample };
