// The "basics" example in plain JavaScript (CommonJS), run with `node`, not ts-node.
const { Thread, print } = require("threadlab");

function greet(name, times) {
  for (let i = 0; i < times; i++) print(`hello ${name} ${i}`);
}

const t = new Thread({ target: greet, args: ["world", 3] });
print("before start");
t.start();
t.join();
print("after join");
print(`alive after join: ${t.isAlive()}`);
