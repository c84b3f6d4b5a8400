/**
 * Thread subclasses overriding run(), as in Python: run() sees the object's
 * fields, currentThread() is the object itself, and what run() stores on it
 * is there after join().
 */
import { Thread, Value, currentThread, sleep } from "threadlab";

class Summer extends Thread {
  total = 0;
  isSelf = false;
  constructor(
    public n: number,
    public calls: Value<"i">,
  ) {
    super({ name: `summer-${n}` });
  }

  override run(): void {
    for (let i = 1; i <= this.n; i++) this.total += i;
    this.isSelf = currentThread() === this && currentThread().name === `summer-${this.n}`;
    this.calls.getLock().with(() => (this.calls.value += 1)); // two threads update it: under its lock
    sleep(0.01);
  }
}

describe("Thread subclasses", () => {
  test("run() runs in the thread with the object's fields; its results are on the object after join()", () => {
    const calls = new Value("i", 0);
    const ts = [10, 100].map((n) => new Summer(n, calls));
    ts.forEach((t) => t.start());
    expect(ts[0].total).toBe(0); // not back until join
    ts.forEach((t) => t.join());
    expect(ts.map((t) => t.total)).toEqual([55, 5050]);
    expect(ts.every((t) => t.isSelf)).toBe(true);
    expect(calls.value).toBe(2); // a shared Value is the same object, not a copy
    expect(ts[0]).toBeInstanceOf(Summer);
    expect(String(ts[1])).toMatch(/^<Thread\(summer-100, stopped \d+\)>$/);
  });
});
