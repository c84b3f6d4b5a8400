// The tutorial's lock example: 1000 threads each add one to a shared number under a lock.
//
//   counter = 0
//   lock = threading.Lock()
//   def increment():
//       global counter
//       with lock:
//           counter += 1
//   threads = [threading.Thread(target=increment) for _ in range(1000)]
//   for t in threads: t.start()
//   for t in threads: t.join()
//   print(counter)
import { Thread, Lock, Value, print } from "threadlab";

const counter = new Value("i", 0);
const lock = new Lock();

function increment(counter: Value<"i">, lock: Lock): void {
  lock.with(() => {
    counter.value += 1;
  });
}

const threads = Array.from({ length: 1000 }, () => new Thread({ target: increment, args: [counter, lock] }));
for (const t of threads) t.start();
for (const t of threads) t.join();
print(`final counter: ${counter.value}`);
