// Not in the tutorial: its lock example without the lock. Threads that run truly at once (there is no GIL)
// each read num, add one and write it back, and overwrite each other's updates. So that the threads
// surely overlap, 8 threads each add one a million times.
import { Thread, Value, print } from "threadlab";

const num = new Value("i", 0);

function addMany() {
  for (let i = 0; i < 1_000_000; i++) {
    num.value += 1;
  }
}

const threads: Thread[] = [];
for (let i = 0; i < 8; i++) {
  const t = new Thread({ target: addMany });
  t.start();
  threads.push(t);
}

for (const t of threads) {
  t.join();
}

print(num.value, "of", 8 * 1_000_000);
