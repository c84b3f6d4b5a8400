// Nothing a thread prints is lost when it ends abruptly: one thread calls
// process.exit() (which ends only that thread, as sys.exit() in a Python thread),
// another throws, which the default excepthook reports on stderr.
import { Thread, print } from "threadlab";

function exiter(): void {
  print("exiter: line 1");
  print("exiter: line 2");
  print("exiter: line 3");
  process.exit(3);
}

function thrower(): void {
  print("thrower: about to throw");
  throw new Error("boom from thrower");
}

const a = new Thread({ target: exiter, name: "exiter" });
const b = new Thread({ target: thrower, name: "thrower" });
a.start();
b.start();
a.join();
b.join();
print(`main: exiter alive after join: ${a.isAlive()}`);
print(`main: thrower alive after join: ${b.isAlive()}`);
print("main done");
