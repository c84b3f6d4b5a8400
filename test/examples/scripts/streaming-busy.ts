// Live output while the main thread busy-loops (no blocking call at all, so its
// event loop never runs): the thread's lines must still come out as printed.
import { Thread, sleep, print } from "threadlab";

function talk(n: number): void {
  for (let i = 1; i <= n; i++) {
    print(`line ${i}`);
    if (i < n) sleep(0.2);
  }
}

const t = new Thread({ target: talk, args: [5], name: "talker" });
t.start();
print("main: busy loop start");
const end = Date.now() + 1500;
while (Date.now() < end) {
  // spin
}
print("main: busy loop end");
t.join();
print("main: joined");
