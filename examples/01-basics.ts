// The tutorial's "Python Threading Basics" (restored/1-basics.py): import, create, start, join.
import { Thread, print } from "threadlab";

function myFunction() {
  print("Hello from the thread");
}

const t = new Thread({ target: myFunction });
t.start();
t.join();
