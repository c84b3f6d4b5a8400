/**
 * The queue module, after CPython's test_queue.py: order for each kind, blocking
 * put/get with timeouts, task tracking, shutdown, between real threads.
 */
import { Empty, Full, LifoQueue, PriorityQueue, Queue, ShutDown, SimpleQueue, Thread, Value, ValueError, sleep } from "threadlab";

function producer(q: Queue<number | null>, n: number): void {
  for (let i = 0; i < n; i++) q.put(i);
  q.put(null);
}
function consumer(q: Queue<number | null>, total: Value<"d">, count: Value<"i">): void {
  for (;;) {
    const item = q.get();
    q.taskDone();
    if (item === null) return;
    if (item !== count.value) total.value = -1; // out of order: the sum check below fails
    total.value += item;
    count.value += 1;
  }
}
function worker(q: Queue<number>, done: Value<"i">): void {
  for (;;) {
    const item = q.get();
    sleep(0.001 * (item % 3));
    done.getLock().with(() => (done.value += 1));
    q.taskDone();
  }
}
function getter(q: Queue<string>, out: Value<"i">): void {
  try {
    q.get();
    out.value = 1;
  } catch (e) {
    out.value = (e as Error).name === "ShutDown" ? 2 : 3;
  }
}

describe("queue", () => {
  test("FIFO, LIFO and priority order", () => {
    const items = [111, 333, 222];
    const order = (q: Queue<number>) => {
      items.forEach((x) => q.put(x));
      return items.map(() => q.get());
    };
    expect(order(new Queue())).toEqual([111, 333, 222]);
    expect(order(new LifoQueue())).toEqual([222, 333, 111]);
    expect(order(new PriorityQueue())).toEqual([111, 222, 333]);
    const pq = new PriorityQueue<[number, string]>();
    pq.put([2, "b"]);
    pq.put([1, "z"]);
    pq.put([1, "a"]);
    expect([pq.get(), pq.get(), pq.get()]).toEqual([
      [1, "a"],
      [1, "z"],
      [2, "b"],
    ]);
  });

  test("a producer and a consumer thread pass 10,000 items, in order, with nothing lost", () => {
    const q = new Queue<number | null>(100);
    const total = new Value("d", 0);
    const count = new Value("i", 0);
    const c = new Thread({ target: consumer, args: [q, total, count] });
    const p = new Thread({ target: producer, args: [q, 10000] });
    c.start();
    p.start();
    p.join();
    c.join();
    expect(count.value).toBe(10000);
    expect(total.value).toBe((9999 * 10000) / 2);
    expect(q.empty()).toBe(true);
  });

  test("non-blocking and timed put/get on a full or empty queue: Full and Empty", () => {
    const q = new Queue<number>(2);
    q.put(1);
    q.putNowait(2);
    expect(q.full()).toBe(true);
    expect(() => q.putNowait(3)).toThrow(Full);
    let t0 = performance.now();
    expect(() => q.put(3, true, 0.2)).toThrow(Full);
    let dt = (performance.now() - t0) / 1000;
    expect(dt).toBeGreaterThanOrEqual(0.12);
    expect(dt).toBeLessThan(2);
    expect(q.get()).toBe(1);
    expect(q.getNowait()).toBe(2);
    expect(() => q.getNowait()).toThrow(Empty);
    t0 = performance.now();
    expect(() => q.get(true, 0.2)).toThrow(Empty);
    dt = (performance.now() - t0) / 1000;
    expect(dt).toBeGreaterThanOrEqual(0.12);
    expect(() => q.get(true, -1)).toThrow("'timeout' must be a non-negative number");
  });

  test("taskDone and join: join returns when every item is done", () => {
    const q = new Queue<number>();
    const done = new Value("i", 0);
    for (let i = 0; i < 2; i++) new Thread({ target: worker, args: [q, done], daemon: true }).start();
    for (let i = 0; i < 100; i++) q.put(i);
    q.join();
    expect(done.value).toBe(100);
    expect(() => new Queue().taskDone()).toThrow(ValueError);
    expect(() => new Queue().taskDone()).toThrow("task_done() called too many times");
  });

  test("shutdown wakes blocked getters with ShutDown; put after shutdown throws", () => {
    const q = new Queue<string>();
    const out = new Value("i", 0);
    const t = new Thread({ target: getter, args: [q, out] });
    t.start();
    sleep(0.1);
    q.shutdown();
    t.join();
    expect(out.value).toBe(2);
    expect(() => q.put("x")).toThrow(ShutDown);
    const q2 = new Queue<string>();
    q2.put("a");
    q2.shutdown();
    expect(q2.get()).toBe("a"); // items put before shutdown can still be got
    expect(() => q2.get()).toThrow(ShutDown);
    const q3 = new Queue<string>();
    q3.put("a");
    q3.shutdown(true);
    expect(() => q3.get()).toThrow(ShutDown);
  });

  test("SimpleQueue; an item got back in the thread that put it is the same object; a function is refused", () => {
    const q = new SimpleQueue<{ a: number[] } | Value<"i">>();
    const item = { a: [1, 2] };
    q.put(item);
    expect(q.get()).toBe(item);
    const v = new Value("i", 3);
    q.put(v); // threadlab objects cross as themselves
    expect((q.get() as Value<"i">).value).toBe(3);
    expect(() => q.put((() => 1) as never)).toThrow("cannot put a function in a queue");
  });
});
