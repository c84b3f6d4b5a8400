// The tutorial's "basics" example: create a thread with a target and args, start it, join it.
//
//   def greet(name, times):
//       for i in range(times):
//           print(f"hello {name} {i}")
//   t = threading.Thread(target=greet, args=("world", 3))
//   print("before start")
//   t.start()
//   t.join()
//   print("after join")
import { Thread, print } from "threadlab";

function greet(name: string, times: number): void {
  for (let i = 0; i < times; i++) print(`hello ${name} ${i}`);
}

const t = new Thread({ target: greet, args: ["world", 3] });
print("before start");
t.start();
t.join();
print("after join");
print(`alive after join: ${t.isAlive()}`);
