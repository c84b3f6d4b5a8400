// Live output: a thread prints lines 0.2 s apart while the main thread is blocked
// in join(); each line must come out when it is printed, not when join() returns.
import { Thread, sleep, print } from "threadlab";

function talk(n: number): void {
  for (let i = 1; i <= n; i++) {
    print(`line ${i}`);
    if (i < n) sleep(0.2);
  }
}

const t = new Thread({ target: talk, args: [5], name: "talker" });
t.start();
t.join();
print("main: joined");
