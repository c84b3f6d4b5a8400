// The tutorial's "Example of Python Threading" (restored/2-example.py): a counting thread beside the main thread.
import { Thread, print, sleep } from "threadlab";

function count(nums: number[]) {
  for (const num of nums) {
    print(num);
    sleep(1);
  }
}

// Create thread
const t = new Thread({ target: count, args: [[1, 2, 3, 4, 5]] });

// Start thread
t.start();

// Main thread continues to execute
for (let i = 0; i < 3; i++) {
  print("Main Thread");
}

// Wait for the thread to finish
t.join();

// Continue with main thread
print("Thread has finished execution");
