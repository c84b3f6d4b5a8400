// The tutorial's basics program (examples/01-basics.ts) in plain JavaScript (CommonJS), run with `node`, not ts-node.
const { Thread, print } = require("threadlab");

function myFunction() {
  print("Hello from the thread");
}

const t = new Thread({ target: myFunction });
t.start();
t.join();
