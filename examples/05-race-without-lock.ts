// The same as lock.ts without the lock: with real parallelism, `counter.value += 1`
// (a read, then a write) from several threads at once loses updates.
// Each thread runs long enough (a million increments, tens of milliseconds) that the
// threads surely overlap; with 100 000 each, a thread can finish before the next starts.
import { Thread, Value, print } from "threadlab";

const THREADS = 8;
const PER_THREAD = 1_000_000;
const counter = new Value("i", 0);

function increment(counter: Value<"i">, times: number): void {
  for (let i = 0; i < times; i++) counter.value += 1;
}

const threads = Array.from({ length: THREADS }, () => new Thread({ target: increment, args: [counter, PER_THREAD] }));
for (const t of threads) t.start();
for (const t of threads) t.join();
print(`final counter: ${counter.value}`);
print(`expected: ${THREADS * PER_THREAD}`);
