// The tutorial's daemon example: a daemon thread loops forever, and the script
// still ends when the main thread is done (daemon threads are stopped then).
//
//   def ticker():
//       while True:
//           print("daemon tick")
//           time.sleep(0.05)
//   threading.Thread(target=ticker, daemon=True).start()
//   time.sleep(0.2)
//   print("main done")
import { Thread, sleep, print } from "threadlab";

function ticker(): void {
  for (;;) {
    print("daemon tick");
    sleep(0.05);
  }
}

const t = new Thread({ target: ticker, name: "ticker", daemon: true });
t.start();
sleep(0.2);
print(`ticker is daemon: ${t.daemon}`);
print("main done");
