/**
 * concurrent.futures, after CPython's test_concurrent_futures where it applies:
 * submit, map, results and errors coming back by structured clone, cancel,
 * asCompleted, wait, shutdown, initializer, max_workers.
 */
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  RuntimeError,
  ThreadPoolExecutor,
  TimeoutError,
  Value,
  ValueError,
  asCompleted,
  currentThread,
  sleep,
  wait,
} from "threadlab";

function mul(x: number, y: number): number {
  return x * y;
}
function napThenName(s: number): string {
  sleep(s);
  return currentThread().name;
}
function fails(msg: string): never {
  throw new RangeError(msg);
}
function invertOrFail(x: number): number {
  if (x === 0) throw new RangeError("cannot invert 0");
  return 1 / x;
}
function countInit(counter: Value<"i">): void {
  counter.getLock().with(() => (counter.value += 1));
}
function sameObject(a: object, b: object): boolean {
  return a === b;
}
function frozenItem(o: { n: number }): boolean {
  try {
    o.n = 5;
  } catch {
    return o.n === 1; // a copy that cannot be written to
  }
  return false;
}
function structured(): { list: number[]; map: Map<string, number>; when: Date } {
  return { list: [1, 2, 3], map: new Map([["a", 1]]), when: new Date(0) };
}

describe("ThreadPoolExecutor", () => {
  test("submit returns a Future with the result; results travel by structured clone", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
    const f = ex.submit(mul, 6, 7);
    expect(f.result()).toBe(42);
    expect(f.done()).toBe(true);
    expect(f.exception()).toBeNull();
    const s = ex.submit(structured).result();
    expect(s.list).toEqual([1, 2, 3]);
    expect(s.map.get("a")).toBe(1);
    expect(s.when.getTime()).toBe(0);
    ex.shutdown();
  });

  test("map over 10,000 items returns every result in order", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 4 });
    const xs = Array.from({ length: 10000 }, (_, i) => i);
    const out = [...ex.map(mul, xs, xs)];
    expect(out).toHaveLength(10000);
    expect(out.every((v, i) => v === i * i)).toBe(true);
    ex.shutdown();
  });

  test("an object given to map() twice, or to submit() twice, arrives in the thread as one object (a copy that cannot be written to)", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
    const o = { n: 1 };
    expect([...ex.map(sameObject, [o, { n: 2 }], [o, { n: 2 }])]).toEqual([true, false]);
    expect(ex.submit(sameObject, o, o).result()).toBe(true);
    expect([...ex.map(frozenItem, [o, o])]).toEqual([true, true]);
    ex.shutdown();
  });

  test("map yields the results before an item that threw, then throws its error", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
    const seen: number[] = [];
    expect(() => {
      for (const v of ex.map(invertOrFail, [1, 2, 4, 0, 5])) seen.push(v);
    }).toThrow("cannot invert 0");
    expect(seen).toEqual([1, 0.5, 0.25]);
    ex.shutdown();
  });

  test("an error in the call comes back from result() with its class and message", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    const f = ex.submit(fails, "bad value");
    expect(() => f.result()).toThrow(RangeError);
    expect(() => f.result()).toThrow("bad value");
    expect(String(f.exception())).toBe("RangeError: bad value");
    ex.shutdown();
  });

  test("result(timeout) throws TimeoutError; a pending call can be cancelled, a running one cannot", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    const running = ex.submit(napThenName, 0.5);
    const queued = ex.submit(napThenName, 0.1);
    expect(() => running.result(0.05)).toThrow(TimeoutError);
    sleep(0.1);
    expect(running.running()).toBe(true);
    expect(running.cancel()).toBe(false);
    expect(queued.cancel()).toBe(true);
    expect(queued.cancelled()).toBe(true);
    expect(() => queued.result()).toThrow(CancelledError);
    expect(running.result()).toMatch(/^ThreadPoolExecutor-\d+_0$/);
    ex.shutdown();
  });

  test("asCompleted yields futures as they finish; wait returns done and not done", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 3 });
    const fs = [0.4, 0.05, 0.2].map((s) => ex.submit(napThenName, s));
    expect([...asCompleted(fs)].map((f) => fs.indexOf(f))).toEqual([1, 2, 0]);
    const slow = ex.submit(napThenName, 0.5);
    const quick = ex.submit(mul, 2, 2);
    const first = wait<unknown>([slow, quick], null, FIRST_COMPLETED);
    expect(first.done.has(quick)).toBe(true);
    expect(first.notDone.has(slow)).toBe(true);
    const bad = ex.submit(fails, "x");
    expect(wait<unknown>([slow, bad], null, FIRST_EXCEPTION).done.has(bad)).toBe(true);
    const all = wait<unknown>([slow, quick, bad], 5, ALL_COMPLETED);
    expect(all.notDone.size).toBe(0);
    expect(() => wait([slow], null, "SOMETIMES" as never)).toThrow(ValueError);
    ex.shutdown();
  });

  test("asCompleted with a timeout throws TimeoutError", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    const f = ex.submit(napThenName, 0.5);
    expect(() => [...asCompleted([f], 0.1)]).toThrow(TimeoutError);
    ex.shutdown();
  });

  test("at most maxWorkers threads; the initializer runs once in each", () => {
    const counter = new Value("i", 0);
    const ex = new ThreadPoolExecutor({ maxWorkers: 3, initializer: countInit, initargs: [counter], threadNamePrefix: "pool" });
    const names = new Set([...ex.map(napThenName, Array(12).fill(0.05))]);
    ex.shutdown();
    expect(names.size).toBeLessThanOrEqual(3);
    expect([...names].every((n) => /^pool_\d$/.test(n))).toBe(true);
    expect(counter.value).toBe(names.size);
  });

  test("shutdown: no new calls; cancelFutures cancels the queued ones; bad options say what is wrong", () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    const first = ex.submit(napThenName, 0.2);
    const queued = Array.from({ length: 5 }, () => ex.submit(napThenName, 0.2));
    ex.shutdown(true, true);
    expect(first.done()).toBe(true);
    expect(queued.every((f) => f.cancelled())).toBe(true);
    expect(() => ex.submit(mul, 1, 1)).toThrow(RuntimeError);
    expect(() => ex.submit(mul, 1, 1)).toThrow("cannot schedule new futures after shutdown");
    expect(() => new ThreadPoolExecutor({ maxWorkers: 0 })).toThrow("max_workers must be greater than 0");
  });

  test("bad arguments fail at the call, saying what was expected", () => {
    expect(() => new ThreadPoolExecutor({ max_workers: 2 } as never)).toThrow(
      "ThreadPoolExecutor() got an unexpected keyword argument 'max_workers' (expected maxWorkers, threadNamePrefix, initializer, initargs)",
    );
    expect(() => new ThreadPoolExecutor(null as never)).toThrow("ThreadPoolExecutor() expected `options` to be an object");
    expect(() => new ThreadPoolExecutor({ initargs: 5 as never })).toThrow(
      "ThreadPoolExecutor() expected `initargs` to be an array of arguments, got `5` (number)",
    );
    expect(() => new ThreadPoolExecutor({ initializer: 5 as never })).toThrow("initializer must be a callable");
    const F = Future as unknown as new (...a: unknown[]) => Future;
    expect(() => new F(new SharedArrayBuffer(16))).toThrow("Future() takes no arguments (1 given)");
    expect(new Future().done()).toBe(false);
    expect(() => new Future().result(NaN)).toThrow("Invalid value NaN (not a number)");
    expect(() => new Future().addDoneCallback(5 as never)).toThrow(
      "addDoneCallback() expected `fn` to be a function, got `5` (number)",
    );
    expect(() => [...asCompleted(5 as never)]).toThrow(
      "asCompleted() expected `futures` to be an iterable of Futures, got `5` (number)",
    );
    expect(() => wait([5] as never)).toThrow("wait() expected `each future` to be a Future, got `5` (number)");
    const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    expect(() => [...ex.map(mul, 5 as never)]).toThrow(
      "map() expected `iterables` to be iterables (arrays, Sets...), got `5` (number)",
    );
    expect(() => ex.shutdown("yes" as never)).toThrow('shutdown() expected `wait` to be a boolean, got `"yes"` (string)');
    ex.shutdown();
  });
});

describe("Future.addDoneCallback", () => {
  test("runs the callback in this thread once the call is done (at once if it already is)", async () => {
    const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    const f = ex.submit(napThenName, 0.1);
    const seen: string[] = [];
    const called = new Promise<void>((resolve) =>
      f.addDoneCallback((done) => {
        seen.push(`done: ${done.done()}`);
        resolve();
      }),
    );
    expect(seen).toEqual([]);
    await called;
    expect(seen).toEqual(["done: true"]);
    f.addDoneCallback(() => seen.push("at once"));
    expect(seen).toEqual(["done: true", "at once"]);
    ex.shutdown();
  });
});
