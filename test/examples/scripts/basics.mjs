// The tutorial's basics program (examples/01-basics.ts) in plain JavaScript as an ES module, run with `node`, not ts-node.
import { Thread, print } from "threadlab";

function myFunction() {
  print("Hello from the thread");
}

const t = new Thread({ target: myFunction });
t.start();
t.join();
