// The daemon example's counterpart: a non-daemon thread that is still running
// when the main code ends keeps the script alive until it finishes (as in Python).
// The thread prints its last line 0.5 s after the main thread's last line.
import { Thread, Value, sleep, print } from "threadlab";

// When the main thread printed its last line (ms since the epoch), 0 until then.
const mainEnd = new Value("d", 0);

function worker(mainEnd: Value<"d">): void {
  print("worker: started");
  while (mainEnd.value === 0) sleep(0.01);
  sleep(0.5);
  print(`worker: last line, ${Date.now() - mainEnd.value} ms after main's last line`);
}

const t = new Thread({ target: worker, args: [mainEnd], name: "worker" });
t.start();
print(`worker is daemon: ${t.daemon}`);
print("main: last line");
mainEnd.value = Date.now();
