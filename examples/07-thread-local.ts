// The tutorial's thread-local data example.
//
//   def show(data):
//       try:
//           val = data.value
//       except AttributeError:
//           print("No value yet")
//       else:
//           print("value=" + str(val))
//
//   def worker(data, value):
//       show(data)
//       data.value = value
//       show(data)
//
//   data = threading.local()
//   show(data)
//   data.value = 1000
//   show(data)
//   for i in range(2):
//       threading.Thread(target=worker, args=(data, ...)).start()
import { Thread, AttributeError, local, print, currentThread, share } from "threadlab";

function show(data: local): void {
  const who = currentThread().name;
  let val: unknown;
  try {
    val = data.value;
  } catch (err) {
    if (err instanceof AttributeError) {
      print(`${who}: No value yet`);
      return;
    }
    throw err;
  }
  print(`${who}: value=${String(val)}`);
}

function worker(data: local, value: number): void {
  show(data);
  data.value = value;
  show(data);
}

// A thread that never sets the value: it does not see the main thread's value, nor the others'.
function reader(data: local): void {
  show(data);
}

share({ show });

const data = new local();
show(data);
data.value = 1000;
show(data);

const threads = [
  new Thread({ target: worker, args: [data, 1], name: "worker-1" }),
  new Thread({ target: worker, args: [data, 2], name: "worker-2" }),
  new Thread({ target: reader, args: [data], name: "reader" }),
];
for (const t of threads) t.start();
for (const t of threads) t.join();
// The threads' values did not touch the main thread's.
show(data);
