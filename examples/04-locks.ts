// The tutorial's "Threading with Locks" (restored/4-locks.py): 1000 threads each add one to a shared
// number under a lock.
import { Thread, Lock, Value, print } from "threadlab";

// A shared variable: a Value (shared memory every thread sees), since a plain number would reach each
// thread as a frozen copy.
const num = new Value("i", 0);

// A lock
const numLock = new Lock();

function addOne() {
  numLock.with(() => {
    num.value += 1;
  });
}

// Create 1000 threads that each add one to num
const threads: Thread[] = [];
for (let i = 0; i < 1000; i++) {
  const t = new Thread({ target: addOne });
  t.start();
  threads.push(t);
}

for (const t of threads) {
  t.join();
}

print(num.value);
