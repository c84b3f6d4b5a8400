// The tutorial's "Daemon Threads" (restored/5-daemon.py): the script ends when its non-daemon thread is
// done, though the daemon thread loops forever.
import { Thread, print, sleep } from "threadlab";

function daemon() {
  while (true) {
    print("Daemon Thread");
    sleep(1);
  }
}

function nonDaemon() {
  print("Non-Daemon Thread");
}

// Create Daemon thread
const d = new Thread({ target: daemon });
d.daemon = true;

// Create Non-Daemon thread
const nd = new Thread({ target: nonDaemon });

// Start threads
d.start();
nd.start();
