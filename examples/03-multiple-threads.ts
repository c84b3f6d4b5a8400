// The tutorial's "multiple threads" example, as a ts-node script.
import { Thread, sleep, print, currentThread } from "threadlab";

function work(n: number): void {
  for (let i = 0; i < n; i++) {
    print(`${currentThread().name} step ${i}`);
    sleep(0.01);
  }
}

const a = new Thread({ target: work, args: [3], name: "A" });
const b = new Thread({ target: work, args: [3], name: "B" });
a.start();
b.start();
a.join();
b.join();
print("both done");
