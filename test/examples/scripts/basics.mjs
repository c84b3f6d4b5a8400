// The "basics" example in plain JavaScript as an ES module, run with `node`, not ts-node.
import { Thread, print } from "threadlab";

function greet(name, times) {
  for (let i = 0; i < times; i++) print(`hello ${name} ${i}`);
}

const t = new Thread({ target: greet, args: ["world", 3] });
print("before start");
t.start();
t.join();
print("after join");
print(`alive after join: ${t.isAlive()}`);
