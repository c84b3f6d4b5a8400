// The tutorial's "full example": a counting thread beside the main thread.
// The main thread keeps printing while the counter runs, so their lines interleave.
//
//   def count(n):
//       for i in range(1, n + 1):
//           print(i)
//           time.sleep(0.1)
//   t = threading.Thread(target=count, args=(5,))
//   t.start()
//   while t.is_alive():
//       print("main thread is still running")
//       time.sleep(0.1)
//   t.join()
//   print("counting done")
import { Thread, sleep, print } from "threadlab";

function count(n: number): void {
  for (let i = 1; i <= n; i++) {
    print(i);
    sleep(0.1);
  }
}

const t = new Thread({ target: count, args: [5], name: "counter" });
t.start();
while (t.isAlive()) {
  print("main thread is still running");
  sleep(0.1);
}
t.join();
print("counting done");
