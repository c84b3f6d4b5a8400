/**
 * The behaviours of CPython's Lib/test/lock_tests.py, ported: one base suite
 * run over every lock type, then Event, Condition, Semaphore,
 * BoundedSemaphore and Barrier. Real workers and shared memory; timing with
 * CPython's tolerance (0.6× to 10× of the expected time).
 */
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  RLock,
  RuntimeError,
  Semaphore,
  SharedArray,
  Thread,
  Timer,
  Value,
  ValueError,
  share,
  sleep,
} from "threadlab";

const SHORT = 0.1;

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

function expectAbout(dt: number, expected: number): void {
  expect(dt).toBeGreaterThanOrEqual(expected * 0.6);
  expect(dt).toBeLessThan(expected * 10);
}

/** Starts n threads on `target(...args, i)` (CPython's Bunch); returns them started. */
function bunch(n: number, target: (...a: never[]) => unknown, args: unknown[]): Thread[] {
  const ts = Array.from({ length: n }, (_, i) => new Thread({ target: target as never, args: [...args, i] }));
  ts.forEach((t) => t.start());
  return ts;
}
const joinAll = (ts: Thread[]) => ts.forEach((t) => t.join());

// ---- targets (top-level: they travel to the threads as source) ----------------------------

function acquireAndRecord(lock: { acquire(): boolean; release(): void }, out: Value<"i">): void {
  lock.acquire();
  out.value += 1;
  lock.release();
}
function tryAcquire(lock: { acquire(b: boolean): boolean }, out: Value<"i">): void {
  out.value = lock.acquire(false) ? 1 : 2;
}
function acquireWithTimeout(lock: { acquire(b: boolean, t: number): boolean }, out: SharedArray<"d">): void {
  const t0 = performance.now();
  out[0] = lock.acquire(true, 0.2) ? 1 : 2;
  out[1] = (performance.now() - t0) / 1000;
}
function releaseIt(lock: { release(): void }, out: Value<"i">): void {
  try {
    lock.release();
    out.value = 1;
  } catch (e) {
    out.value = (e as Error).message === "cannot release un-acquired lock" ? 2 : 3;
  }
}
function waitEvent(ev: Event, results: SharedArray<"i">, i: number): void {
  results[i] = ev.wait() ? 1 : 2;
}
function waitEventTimeout(ev: Event, results: SharedArray<"d">, i: number): void {
  const t0 = performance.now();
  results[2 * i] = ev.wait(0.2) ? 1 : 2;
  results[2 * i + 1] = (performance.now() - t0) / 1000;
}
function condWaiter(cond: Condition, woke: Value<"i">): void {
  cond.with(() => {
    cond.wait();
    woke.value += 1;
  });
}
function condWaitFor(cond: Condition, state: Value<"i">, done: Value<"i">): void {
  cond.with(() => {
    cond.waitFor(() => state.value === 4);
    done.value += 1;
  });
}
function semAcquire(sem: Semaphore, got: Value<"i">): void {
  sem.acquire();
  got.getLock().with(() => (got.value += 1));
}
function barrierWait(b: Barrier, rounds: number, seen: SharedArray<"i">, i: number): void {
  for (let r = 0; r < rounds; r++) {
    const index = b.wait();
    seen.getLock().with(() => (seen[r * 8 + index] += 1));
    void i;
  }
}
function barrierBroken(b: Barrier, out: SharedArray<"i">, i: number): void {
  try {
    b.wait();
    out[i] = 1;
  } catch (e) {
    out[i] = (e as Error).name === "BrokenBarrierError" ? 2 : 3;
  }
}

// ---- one suite over every lock type -----------------------------------------------------

describe.each([
  ["Lock", () => new Lock()],
  ["RLock", () => new RLock()],
] as const)("%s (lock_tests.BaseLockTests)", (name, make) => {
  test("a new lock is unlocked, and its repr says locked or unlocked", () => {
    const lock = make();
    expect(String(lock)).toMatch(new RegExp(`^<unlocked ${name} object`));
    lock.acquire();
    expect(String(lock)).toMatch(/^<locked /);
    lock.release();
  });

  test("acquire returns true; with() holds the lock while its body runs and releases it after", () => {
    const lock = make();
    expect(lock.acquire()).toBe(true);
    lock.release();
    expect(lock.with(() => lock.locked())).toBe(true);
    expect(lock.locked()).toBe(false);
  });

  test("try-acquire, and a contended try from another thread", () => {
    const lock = make();
    expect(lock.acquire(false)).toBe(true);
    const out = new Value("i", 0);
    joinAll(bunch(1, tryAcquire, [lock, out]));
    expect(out.value).toBe(2);
    lock.release();
  });

  test("acquire contended: a thread waits until the lock is released", () => {
    const lock = make();
    const out = new Value("i", 0);
    lock.acquire();
    const ts = bunch(5, acquireAndRecord, [lock, out]);
    sleep(SHORT);
    expect(out.value).toBe(0);
    lock.release();
    joinAll(ts);
    expect(out.value).toBe(5);
  });

  test("acquire with a timeout in another thread gives up after about that long", () => {
    const lock = make();
    lock.acquire();
    const out = new SharedArray("d", 2);
    joinAll(bunch(1, acquireWithTimeout, [lock, out]));
    expect(out[0]).toBe(2);
    expectAbout(out[1], 0.2);
    lock.release();
  });

  test("thread leak: many threads acquire and release; none is left", () => {
    const lock = make();
    const out = new Value("i", 0);
    for (let i = 0; i < 10; i++) joinAll(bunch(10, acquireAndRecord, [lock, out]));
    expect(out.value).toBe(100);
    expect(lock.locked()).toBe(false);
  });

  test("bad timeouts get CPython's errors", () => {
    const lock = make();
    expect(() => lock.acquire(false, 1)).toThrow("can't specify a timeout for a non-blocking call");
    expect(() => lock.acquire(true, -100)).toThrow("timeout value must be a non-negative number");
    expect(lock.locked()).toBe(false); // the refused calls took nothing
  });
});

describe("Lock (lock_tests.LockTests)", () => {
  test("a Lock is not reentrant, and another thread may release it", () => {
    const lock = new Lock();
    lock.acquire();
    expect(lock.acquire(false)).toBe(false);
    const out = new Value("i", 0);
    joinAll(bunch(1, releaseIt, [lock, out]));
    expect(out.value).toBe(1);
    expect(lock.locked()).toBe(false);
  });
});

describe("RLock (lock_tests.RLockTests)", () => {
  test("reacquire by the owner; free after as many releases", () => {
    const lock = new RLock();
    lock.acquire();
    lock.acquire();
    lock.acquire();
    lock.release();
    lock.release();
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  test("release by a non-owner: RuntimeError cannot release un-acquired lock", () => {
    const lock = new RLock();
    expect(() => lock.release()).toThrow(RuntimeError);
    expect(() => lock.release()).toThrow("cannot release un-acquired lock");
    lock.acquire();
    const out = new Value("i", 0);
    joinAll(bunch(1, releaseIt, [lock, out]));
    expect(out.value).toBe(2);
    lock.release();
  });
});

describe("Event (lock_tests.EventTests)", () => {
  test("isSet, set, clear", () => {
    const ev = new Event();
    expect(ev.isSet()).toBe(false);
    ev.set();
    expect(ev.isSet()).toBe(true);
    ev.set();
    expect(ev.isSet()).toBe(true);
    ev.clear();
    expect(ev.isSet()).toBe(false);
  });

  test("set wakes every waiter; wait returns true even if clear follows set", () => {
    const ev = new Event();
    const results = new SharedArray("i", 5);
    const ts = bunch(5, waitEvent, [ev, results]);
    sleep(SHORT);
    ev.set();
    ev.clear();
    joinAll(ts);
    expect(results.toArray()).toEqual([1, 1, 1, 1, 1]);
  });

  test("wait with a timeout returns false after about that long", () => {
    const ev = new Event();
    const results = new SharedArray("d", 6);
    joinAll(bunch(3, waitEventTimeout, [ev, results]));
    for (let i = 0; i < 3; i++) {
      expect(results[2 * i]).toBe(2);
      expectAbout(results[2 * i + 1], 0.2);
    }
    ev.set();
    expect(ev.wait(0)).toBe(true);
  });
});

describe("Condition (lock_tests.ConditionTests)", () => {
  test("wait and notify without the lock are RuntimeErrors", () => {
    const cond = new Condition(new Lock());
    expect(() => cond.wait()).toThrow("cannot wait on un-acquired lock");
    expect(() => cond.notify()).toThrow("cannot notify on un-acquired lock");
    const rcond = new Condition();
    expect(() => rcond.notifyAll()).toThrow(RuntimeError);
  });

  test("notify(n) wakes n waiters, notifyAll the rest", () => {
    for (const lock of [new Lock(), new RLock()]) {
      const cond = new Condition(lock);
      const woke = new Value("i", 0);
      const ts = bunch(5, condWaiter, [cond, woke]);
      sleep(0.3);
      cond.with(() => cond.notify(2));
      sleep(0.3);
      expect(woke.value).toBe(2);
      cond.with(() => cond.notifyAll());
      joinAll(ts);
      expect(woke.value).toBe(5);
    }
  });

  test("wait with a timeout returns false after about that long", () => {
    const cond = new Condition();
    cond.acquire();
    let r = true;
    const dt = timed(() => (r = cond.wait(0.2)));
    cond.release();
    expect(r).toBe(false);
    expectAbout(dt, 0.2);
  });

  test("waitFor waits until the predicate holds; with a timeout returns its last value", () => {
    const cond = new Condition();
    const state = new Value("i", 0);
    const done = new Value("i", 0);
    const ts = bunch(3, condWaitFor, [cond, state, done]);
    for (let i = 0; i < 4; i++) {
      sleep(0.05);
      cond.with(() => {
        state.value += 1;
        cond.notifyAll();
      });
    }
    joinAll(ts);
    expect(done.value).toBe(3);
    cond.acquire();
    let r: boolean | undefined;
    const dt = timed(() => (r = cond.waitFor(() => false, 0.2)));
    cond.release();
    expect(r).toBe(false);
    expectAbout(dt, 0.2);
  });
});

describe.each([
  ["Semaphore", (v?: number) => new Semaphore(v)],
  ["BoundedSemaphore", (v?: number) => new BoundedSemaphore(v)],
] as const)("%s (lock_tests.BaseSemaphoreTests)", (_name, make) => {
  test("constructor: a negative value is a ValueError; the default is 1", () => {
    expect(() => make(-1)).toThrow(ValueError);
    expect(() => make(-1)).toThrow("semaphore initial value must be >= 0");
    const sem = make();
    expect(sem.acquire(false)).toBe(true);
    expect(sem.acquire(false)).toBe(false);
    sem.release();
  });

  test("acquire contended: threads get units as they are released", () => {
    const sem = make(7);
    sem.acquire();
    sem.acquire();
    const got = new Value("i", 0);
    const ts = bunch(10, semAcquire, [sem, got]);
    sleep(0.3);
    expect(got.value).toBe(5);
    for (let i = 0; i < 7; i++) sem.release();
    joinAll(ts);
    expect(got.value).toBe(10);
  });

  test("acquire with a timeout, non-blocking and release(n)", () => {
    const sem = make(2);
    expect(sem.acquire(false)).toBe(true);
    expect(sem.acquire(true, 0.01)).toBe(true);
    let r = true;
    const dt = timed(() => (r = sem.acquire(true, 0.2)));
    expect(r).toBe(false);
    expectAbout(dt, 0.2);
    expect(() => sem.acquire(false, 1)).toThrow("can't specify timeout for non-blocking acquire");
    sem.release(2);
    expect(sem.value).toBe(2);
    expect(() => sem.release(0)).toThrow("n must be one or more");
  });
});

describe("BoundedSemaphore (lock_tests.BoundedSemaphoreTests)", () => {
  test("releasing more than acquired: ValueError Semaphore released too many times", () => {
    const sem = new BoundedSemaphore(3);
    expect(() => sem.release()).toThrow("Semaphore released too many times");
    sem.acquire();
    sem.release();
    expect(() => sem.release()).toThrow(ValueError);
    expect(String(sem)).toBe("<BoundedSemaphore value=3/3>");
  });
});

describe("Barrier (lock_tests.BarrierTests)", () => {
  test("N threads pass in rounds; wait returns each index once per round", () => {
    const n = 5;
    const rounds = 3;
    const b = new Barrier(n);
    const seen = new SharedArray("i", rounds * 8);
    joinAll(bunch(n, barrierWait, [b, rounds, seen]));
    for (let r = 0; r < rounds; r++) expect(seen.toArray().slice(r * 8, r * 8 + n)).toEqual([1, 1, 1, 1, 1]);
    expect(b.nWaiting).toBe(0);
    expect(b.broken).toBe(false);
    expect(b.parties).toBe(n);
  });

  test("the action runs once per round, in one of the threads", () => {
    // The action travels to the last thread as source: what it uses must be shared.
    const runs = new Value("i", 0);
    share({ runs });
    const b = new Barrier(4, () => {
      runs.value += 1;
    });
    const seen = new SharedArray("i", 16);
    joinAll(bunch(4, barrierWait, [b, 2, seen]));
    expect(runs.value).toBe(2);
  });

  test("abort breaks the barrier for waiters and later callers; reset mends it", () => {
    const b = new Barrier(3);
    const out = new SharedArray("i", 2);
    const ts = bunch(2, barrierBroken, [b, out]);
    sleep(SHORT);
    expect(b.nWaiting).toBe(2);
    b.abort();
    joinAll(ts);
    expect(out.toArray()).toEqual([2, 2]);
    expect(b.broken).toBe(true);
    expect(() => b.wait()).toThrow(BrokenBarrierError);
    b.reset();
    expect(b.broken).toBe(false);
  });

  test("a wait that times out breaks the barrier", () => {
    const b = new Barrier(2, null, 0.2);
    let err: unknown;
    const dt = timed(() => {
      try {
        b.wait();
      } catch (e) {
        err = e;
      }
    });
    expect(err).toBeInstanceOf(BrokenBarrierError);
    expectAbout(dt, 0.2);
    expect(b.broken).toBe(true);
    expect(() => new Barrier(0)).toThrow("parties must be >= 1");
  });
});

function mark(hit: Value<"i">): void {
  hit.value += 1;
}

describe("Timer", () => {
  test("calls its function after the interval; cancel() stops it", () => {
    const hit = new Value("i", 0);
    const t = new Timer(0.2, mark, [hit]);
    const dt = timed(() => {
      t.start();
      t.join();
    });
    expect(hit.value).toBe(1);
    expectAbout(dt, 0.2);
    expect(t.name).toMatch(/^Thread-\d+$/);
    const c = new Timer(0.5, mark, [hit]);
    c.start();
    c.cancel();
    c.join();
    expect(hit.value).toBe(1);
  });
});

describe("Barrier action names", () => {
  test("an action sees what it sees where it is written: a local Value, updated by the last thread to arrive", () => {
    const rounds = new Value("i", 0);
    const b = new Barrier(2, () => (rounds.value += 1));
    joinAll(bunch(2, barrierWaitTimes, [b, 3]));
    expect(rounds.value).toBe(3);
  });

  test("an action using a name no scope holds fails at construction, saying what to do", () => {
    expect(() => new Barrier(2, () => (undefinedCounter as { value: number }).value++)).toThrow(
      /^name 'undefinedCounter' is not defined: the action of a Barrier uses 'undefinedCounter', but no scope of the function holds it .* Define it, or make it visible to threads with share\(\{ undefinedCounter \}\)$/,
    );
  });
});

declare const undefinedCounter: unknown;
function barrierWaitTimes(b: Barrier, times: number): void {
  for (let i = 0; i < times; i++) b.wait();
}

function condWaitTimed(cond: Condition, woke: SharedArray<"i">, i: number): void {
  cond.with(() => {
    woke[i] = cond.wait(i === 0 ? 0.1 : 5) ? 1 : 2;
  });
}
function waitThenSet(ev: Event, out: SharedArray<"d">): void {
  const t0 = performance.now();
  out[0] = ev.wait(5) ? 1 : 2;
  out[1] = (performance.now() - t0) / 1000;
}

describe("more of lock_tests.py", () => {
  test("Semaphore: release without acquire raises the count (only the bounded one refuses)", () => {
    const sem = new Semaphore(0);
    sem.release();
    expect(sem.acquire(false)).toBe(true);
    expect(() => new BoundedSemaphore(0).release()).toThrow("Semaphore released too many times");
  });

  test("Barrier with one party: wait returns 0 at once and runs the action", () => {
    const hits = new Value("i", 0);
    share({ hits });
    const b = new Barrier(1, () => {
      hits.value += 1;
    });
    expect(b.wait()).toBe(0);
    expect(b.wait()).toBe(0);
    expect(hits.value).toBe(2);
  });

  test("Barrier reset while threads wait: they get BrokenBarrierError; then it works again", () => {
    const b = new Barrier(3);
    const out = new SharedArray("i", 2);
    const ts = bunch(2, barrierBroken, [b, out]);
    sleep(SHORT);
    b.reset();
    joinAll(ts);
    expect(out.toArray()).toEqual([2, 2]);
    expect(b.broken).toBe(false);
    const again = new SharedArray("i", 3);
    joinAll(bunch(3, barrierBroken, [b, again]));
    expect(again.toArray()).toEqual([1, 1, 1]);
  });

  test("Event: a wait with a timeout returns true as soon as the event is set", () => {
    const ev = new Event();
    const out = new SharedArray("d", 2);
    const ts = bunch(1, waitThenSet, [ev, out]);
    sleep(0.2);
    ev.set();
    joinAll(ts);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeLessThan(2);
  });

  test("Condition: a waiter that timed out is not counted by a later notify(1)", () => {
    const cond = new Condition();
    const woke = new SharedArray("i", 2);
    const ts = bunch(2, condWaitTimed, [cond, woke]);
    sleep(0.4); // thread 0 has timed out and left the queue
    cond.with(() => cond.notify(1));
    joinAll(ts);
    expect(woke.toArray()).toEqual([2, 1]);
  });
});
