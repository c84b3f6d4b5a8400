// The tutorial's "Thread Local Data" (restored/6-thread-local.py): each thread has its own value in a
// local(); the main thread, which never assigned one, has none.
import { Thread, AttributeError, local, print } from "threadlab";

// Create thread local data
const localData = new local();

function display() {
  try {
    print(localData.value);
  } catch (e) {
    if (!(e instanceof AttributeError)) throw e; // Python's `except AttributeError:` catches only that
    print("No value assigned");
  }
}

function assignValue(value: string) {
  localData.value = value;
  display();
}

const t1 = new Thread({ target: assignValue, args: ["Thread 1"] });
const t2 = new Thread({ target: assignValue, args: ["Thread 2"] });

t1.start();
t2.start();
t1.join();
t2.join();

display();
