// The tutorial's "Multiple Threads" (restored/3-multiple-threads.py): two threads run the same function
// with different arguments.
import { Thread, print, sleep } from "threadlab";

function count(nums: number[], threadName: string) {
  for (const num of nums) {
    print(threadName, num);
    sleep(1);
  }
}

// Create threads
const t1 = new Thread({ target: count, args: [[1, 2, 3, 4, 5], "Thread-1"] });
const t2 = new Thread({ target: count, args: [[6, 7, 8, 9, 10], "Thread-2"] });

// Start threads
t1.start();
t2.start();

// Wait for both threads to finish
t1.join();
t2.join();

print("All threads have finished execution");
