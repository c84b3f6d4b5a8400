/**
 * Thread subclasses overriding run(), as in Python: run() sees the object's
 * fields (shared: a write in the thread is seen by the starter at once),
 * currentThread() is the object itself, and fields run() adds are there after join().
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
    ts.forEach((t) => t.join());
    expect(ts.map((t) => t.total)).toEqual([55, 5050]);
    expect(ts.every((t) => t.isSelf)).toBe(true);
    expect(calls.value).toBe(2); // a shared Value is the same object, not a copy
    expect(ts[0]).toBeInstanceOf(Summer);
    expect(String(ts[1])).toMatch(/^<Thread\(summer-100, stopped \d+\)>$/);
  });

  test("a field the thread writes is seen by the starter while the thread runs; a field run() adds comes back at join()", () => {
    const t = new Progress();
    t.start();
    const deadline = Date.now() + 10_000;
    while (t.step < 3 && Date.now() < deadline) sleep(0.01);
    expect(t.step).toBeGreaterThanOrEqual(3); // live, before the thread ends
    t.done.value = 1;
    t.join();
    expect(t.result).toBe("finished at step " + t.step);
  });
});

class Progress extends Thread {
  step = 0;
  done = new Value("i", 0);
  declare result: string;
  override run(): void {
    while (this.done.value === 0) {
      this.step += 1;
      sleep(0.005);
    }
    this.result = "finished at step " + this.step; // not a field before: it comes back at join()
  }
}
