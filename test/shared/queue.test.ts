/**
 * The queue module, after CPython's test_queue.py: order for each kind, blocking
 * put/get with timeouts, task tracking, shutdown, between real threads.
 */
import {
  Empty,
  Full,
  LifoQueue,
  PriorityQueue,
  Queue,
  SharedArray,
  ShutDown,
  SimpleQueue,
  Thread,
  Value,
  ValueError,
  sleep,
} from "threadlab";
import { pyCompare } from "../../dist/src/shared/queue";

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

/** Gets `n` items and checks they come in the order `expect` says: 1 if all did, else the first index that did not. */
function drainInOrder(q: Queue<number>, n: number, kind: string, out: Value<"i">): void {
  for (let i = 0; i < n; i++) {
    const want = kind === "lifo" ? n - 1 - i : i;
    if (q.get() !== want) {
      out.value = -1 - i;
      return;
    }
  }
  out.value = 1;
}

/** Puts `n` items tagged with `tag` (`tag * 1e6 + i`), in order. */
function putTagged(q: Queue<number>, tag: number, n: number): void {
  for (let i = 0; i < n; i++) q.put(tag * 1e6 + i);
}
/** Gets `n` items into `out`. */
function getInto(q: Queue<number>, n: number, out: SharedArray<"d">): void {
  for (let i = 0; i < n; i++) out[i] = q.get();
}

/** A small random generator with a seed, so that a failing sequence can be run again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
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

  test.each(["fifo", "lifo", "priority"])(
    "%s: a backlog of 300,000 items put by one thread is got, in order, by another",
    (kind) => {
      const n = 300_000;
      const q = kind === "fifo" ? new Queue<number>() : kind === "lifo" ? new LifoQueue<number>() : new PriorityQueue<number>();
      // Put in descending order for the priority queue, so that every get has to find the smallest.
      for (let i = 0; i < n; i++) q.put(kind === "priority" ? n - 1 - i : i);
      expect(q.qsize()).toBe(n);
      const out = new Value("i", 0);
      const t = new Thread({ target: drainInOrder, args: [q, n, kind, out] });
      t.start();
      t.join();
      expect(out.value).toBe(1);
      expect(q.empty()).toBe(true);
    },
    120000,
  );

  test.each(["fifo", "lifo", "priority"])(
    "%s: 20,000 random puts and gets of mixed items in a small queue match a plain array",
    (kind) => {
      const rnd = random(kind.length * 7919);
      const q =
        kind === "fifo"
          ? new Queue<unknown>(0, { capacityBytes: 3000 })
          : kind === "lifo"
            ? new LifoQueue<unknown>(0, { capacityBytes: 3000 })
            : new PriorityQueue<unknown>(0, { capacityBytes: 3000 });
      const model: unknown[] = [];
      let full = 0;
      for (let step = 0; step < 20_000; step++) {
        if (rnd() < 0.55) {
          const id = step;
          const pad = "x".repeat(Math.floor(rnd() * 300));
          const item =
            kind === "priority" ? [Math.floor(rnd() * 50), id, pad] : [0.2, 0.4, 0.6].find((p) => rnd() < p) ? id : { id, pad };
          try {
            q.putNowait(item);
            model.push(item);
          } catch (err) {
            expect(err).toBeInstanceOf(Full); // the items in it take up its capacityBytes
            full++;
          }
        } else if (model.length > 0) {
          let want: unknown;
          if (kind === "fifo") want = model.shift();
          else if (kind === "lifo") want = model.pop();
          else {
            let best = 0;
            for (let i = 1; i < model.length; i++) if (pyCompare(model[i], model[best]) < 0) best = i;
            want = model.splice(best, 1)[0];
          }
          expect(q.getNowait()).toEqual(want);
        } else expect(() => q.getNowait()).toThrow(Empty);
        expect(q.qsize()).toBe(model.length);
      }
      expect(full).toBeGreaterThan(0);
    },
    60000,
  );

  test.each(["fifo", "lifo", "priority"])(
    "%s: two producers and a consumer at once, the buffers growing under them: every item arrives once",
    (kind) => {
      const n = 40_000;
      const q = kind === "fifo" ? new Queue<number>() : kind === "lifo" ? new LifoQueue<number>() : new PriorityQueue<number>();
      const out = new SharedArray("d", 2 * n);
      const ts = [
        new Thread({ target: putTagged, args: [q, 1, n] }),
        new Thread({ target: putTagged, args: [q, 2, n] }),
        new Thread({ target: getInto, args: [q, 2 * n, out] }),
      ];
      ts.forEach((t) => t.start());
      ts.forEach((t) => t.join());
      const got = out.toArray();
      const want = [...Array.from({ length: n }, (_, i) => 1e6 + i), ...Array.from({ length: n }, (_, i) => 2e6 + i)];
      expect([...got].sort((a, b) => a - b)).toEqual(want);
      if (kind === "fifo")
        for (const tag of [1, 2])
          expect(got.filter((x) => Math.floor(x / 1e6) === tag)).toEqual(want.filter((x) => Math.floor(x / 1e6) === tag));
      expect(q.empty()).toBe(true);
    },
    60000,
  );

  test("a PriorityQueue put that cannot be compared throws TypeError and leaves the queue as it was", () => {
    const q = new PriorityQueue<unknown>();
    for (const x of [5, 3, 8, 1, 9, 2]) q.put(x);
    expect(() => q.put("text")).toThrow(TypeError);
    expect(() => q.put("text")).toThrow("'<' not supported between string and number items in a PriorityQueue");
    expect(q.qsize()).toBe(6);
    expect([1, 2, 3, 5, 8, 9].map(() => q.get())).toEqual([1, 2, 3, 5, 8, 9]);
    const mixed = new PriorityQueue<unknown>();
    mixed.put([1, "a"]);
    expect(() => mixed.put([1, { not: "comparable" }])).toThrow(TypeError); // compared with [1, "a"] on the way in
    mixed.put([2, { not: "comparable" }]);
    mixed.put([2, "b"]);
    expect(mixed.qsize()).toBe(3);
    // The two below the smallest were never compared with each other: taking the smallest compares
    // them, and cannot. get() throws and the queue keeps all three, in heap order.
    expect(() => mixed.get()).toThrow("'<' not supported between object and string items in a PriorityQueue");
    expect(mixed.qsize()).toBe(3);
    expect(() => mixed.get()).toThrow(TypeError);
    expect(mixed.qsize()).toBe(3);
  });
});
