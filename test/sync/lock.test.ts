/**
 * Lock, after CPython's Lib/test/lock_tests.py: real workers, real shared
 * memory, and timing asserted with CPython's wide tolerance (0.6× to 10×).
 */
import { Lock, OverflowError, RuntimeError, Thread, Value, ValueError, sleep } from "threadlab";

function elapsed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

/** Starts `n` threads running `target(...args)` and returns them. */
function startThreads(n: number, target: (...a: never[]) => unknown, args: unknown[]): Thread[] {
  const ts = Array.from({ length: n }, () => new Thread({ target: target as never, args }));
  ts.forEach((t) => t.start());
  return ts;
}

function tryAcquire(lock: Lock, result: Value<"i">): void {
  result.value = lock.acquire(false) ? 1 : 2;
}

function acquireRelease(lock: Lock, result: Value<"i">): void {
  lock.acquire();
  result.value = 1;
  lock.release();
}

function releaseIt(lock: Lock): void {
  lock.release();
}

function addMany(lock: Lock, counter: Value<"i">, n: number): void {
  for (let i = 0; i < n; i++) lock.with(() => (counter.value += 1));
}

describe("Lock", () => {
  test("acquire locks it and release unlocks it", () => {
    const lock = new Lock();
    expect(lock.locked()).toBe(false);
    expect(lock.acquire()).toBe(true);
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  test("a non-blocking acquire of a held lock fails, in this thread and another", () => {
    const lock = new Lock();
    lock.acquire();
    expect(lock.acquire(false)).toBe(false);
    const result = new Value("i", 0);
    const t = new Thread({ target: tryAcquire, args: [lock, result] });
    t.start();
    t.join();
    expect(result.value).toBe(2);
    lock.release();
    const t2 = new Thread({ target: tryAcquire, args: [lock, result] });
    t2.start();
    t2.join();
    expect(result.value).toBe(1);
    expect(lock.locked()).toBe(true); // the thread took it and ended: a Lock has no owner
    lock.release();
  });

  test("a thread blocks on a held lock until main releases it", () => {
    const lock = new Lock();
    const result = new Value("i", 0);
    lock.acquire();
    const t = new Thread({ target: acquireRelease, args: [lock, result] });
    t.start();
    sleep(0.1);
    expect(result.value).toBe(0);
    expect(t.isAlive()).toBe(true);
    lock.release();
    t.join();
    expect(result.value).toBe(1);
  });

  test("any thread may release a lock (it has no owner)", () => {
    const lock = new Lock();
    lock.acquire();
    const t = new Thread({ target: releaseIt, args: [lock] });
    t.start();
    t.join();
    expect(lock.locked()).toBe(false);
  });

  test("acquire with a timeout gives up after about that many seconds", () => {
    const lock = new Lock();
    lock.acquire();
    let got = true;
    const dt = elapsed(() => (got = lock.acquire(true, 0.2)));
    expect(got).toBe(false);
    expect(dt).toBeGreaterThanOrEqual(0.2 * 0.6);
    expect(dt).toBeLessThan(0.2 * 10);
    lock.release();
    expect(lock.acquire(true, 0.2)).toBe(true);
    lock.release();
  });

  test("release of an unlocked lock throws RuntimeError", () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(RuntimeError);
    expect(() => lock.release()).toThrow(/^release unlocked lock$/);
  });

  test("bad arguments get CPython's errors", () => {
    const lock = new Lock();
    expect(() => lock.acquire(false, 1)).toThrow(ValueError);
    expect(() => lock.acquire(false, 1)).toThrow("can't specify a timeout for a non-blocking call");
    expect(() => lock.acquire(true, -2)).toThrow("timeout value must be a non-negative number");
    expect(() => lock.acquire(true, 1e20)).toThrow(OverflowError);
    expect(() => lock.acquire(true, 1e20)).toThrow("timeout value is too large");
    expect(() => lock.acquire("yes" as never)).toThrow('acquire() expected `blocking` to be a boolean, got `"yes"` (string)');
    expect(() => lock.acquire(true, "1" as never)).toThrow(
      'acquire() expected `timeout` to be a number of seconds or null, got `"1"` (string)',
    );
    expect(lock.locked()).toBe(false);
  });

  test("with() releases after the body, even when it throws", () => {
    const lock = new Lock();
    expect(lock.with(() => 42)).toBe(42);
    expect(lock.locked()).toBe(false);
    expect(() =>
      lock.with(() => {
        throw new Error("inside");
      }),
    ).toThrow("inside");
    expect(lock.locked()).toBe(false);
  });

  test("with() holds the lock until a returned promise settles", async () => {
    const lock = new Lock();
    const p = lock.with(() => new Promise((r) => setTimeout(r, 20)));
    expect(lock.locked()).toBe(true);
    await p;
    expect(lock.locked()).toBe(false);
  });

  test("mutual exclusion: 4 threads × 20000 increments under the lock lose none", () => {
    const lock = new Lock();
    const counter = new Value("i", 0);
    const ts = startThreads(4, addMany, [lock, counter, 20000]);
    ts.forEach((t) => t.join());
    expect(counter.value).toBe(80000);
  });

  test("toString says whether it is locked", () => {
    const lock = new Lock();
    expect(String(lock)).toBe("<unlocked Lock object>");
    lock.acquire();
    expect(String(lock)).toBe("<locked Lock object>");
    lock.release();
  });
});
