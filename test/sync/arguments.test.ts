/**
 * Bad arguments to the sync classes fail at the call with Python's error class
 * and CPython's wording where CPython has one; no constructor takes the hidden
 * state that threads rebuild objects from (an extra argument is a TypeError,
 * so it can never build an object on the wrong memory); counts that do not fit
 * the shared 32-bit words are OverflowErrors, never wrapped.
 */
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  OverflowError,
  RLock,
  Semaphore,
  Thread,
  Value,
  ValueError,
  sleep,
} from "threadlab";

function countUnder(lock: RLock, n: Value<"i">, times: number): void {
  for (let i = 0; i < times; i++) {
    lock.acquire();
    lock.acquire(); // reentrant
    n.value += 1;
    lock.release();
    lock.release();
  }
}

describe("argument checks of the sync classes", () => {
  test("constructors that take no arguments say so, as CPython does", () => {
    expect(() => new (Lock as new (x: unknown) => Lock)(5)).toThrow(TypeError);
    expect(() => new (Lock as new (x: unknown) => Lock)(5)).toThrow("Lock() takes no arguments (1 given)");
    expect(() => new (RLock as new (x: unknown) => RLock)(5)).toThrow("RLock() takes no arguments (1 given)");
    expect(() => new (Event as new (x: unknown) => Event)(5)).toThrow("Event() takes no arguments (1 given)");
    // What a thread rebuilds an object from is no argument either: a Lock on someone's memory cannot be made by mistake.
    const mem = { sab: new SharedArrayBuffer(4), offset: 0 };
    expect(() => new (Lock as new (x: unknown) => Lock)(mem)).toThrow("Lock() takes no arguments (1 given)");
  });

  test("extra arguments are TypeErrors: takes at most N arguments", () => {
    const C = Condition as unknown as new (...a: unknown[]) => Condition;
    expect(() => new C(undefined, 5)).toThrow(TypeError);
    expect(() => new C(undefined, 5)).toThrow("Condition() takes at most 1 argument (2 given)");
    expect(() => new C(5)).toThrow("Condition() expected `lock` to be a Lock or an RLock, got `5` (number)");
    const S = Semaphore as unknown as new (...a: unknown[]) => Semaphore;
    expect(() => new S(1, { sab: new SharedArrayBuffer(8) })).toThrow("Semaphore() takes at most 1 argument (2 given)");
    const B = BoundedSemaphore as unknown as new (...a: unknown[]) => BoundedSemaphore;
    expect(() => new B(1, 2)).toThrow("BoundedSemaphore() takes at most 1 argument (2 given)");
    const Ba = Barrier as unknown as new (...a: unknown[]) => Barrier;
    expect(() => new Ba(2, null, null, {})).toThrow("Barrier() takes at most 3 arguments (4 given)");
  });

  test("an RLock is shared by every thread: 4 threads × 20,000 reentrant increments lose none", () => {
    const lock = new RLock();
    const n = new Value("i", 0);
    const ts = Array.from({ length: 4 }, () => new Thread({ target: countUnder, args: [lock, n, 20_000] }));
    ts.forEach((t) => t.start());
    ts.forEach((t) => t.join());
    expect(n.value).toBe(80_000);
  });

  test("timeouts: Infinity is an OverflowError and NaN a ValueError, as CPython; -1 is still none for a lock", () => {
    const lock = new Lock();
    expect(() => lock.acquire(true, Infinity)).toThrow(OverflowError);
    expect(() => lock.acquire(true, Infinity)).toThrow("timeout value is too large");
    expect(() => lock.acquire(true, NaN)).toThrow(ValueError);
    expect(() => lock.acquire(true, NaN)).toThrow("Invalid value NaN (not a number)");
    expect(() => new RLock().acquire(true, Infinity)).toThrow("timeout value is too large");
    expect(lock.locked()).toBe(false);
    expect(lock.acquire(true, -1)).toBe(true);
    lock.release();
    const ev = new Event();
    expect(() => ev.wait(Infinity)).toThrow("timeout value is too large");
    expect(() => ev.wait(NaN)).toThrow("Invalid value NaN (not a number)");
    expect(ev.wait(-1)).toBe(false); // negative waits no time, as in CPython
    const cond = new Condition();
    cond.with(() => {
      expect(() => cond.wait(Infinity)).toThrow(OverflowError);
      expect(() => cond.waitFor(() => false, NaN)).toThrow(ValueError);
      expect(() => cond.waitFor(5 as never)).toThrow("waitFor() expected `predicate` to be a function, got `5` (number)");
    });
    expect(() => new Semaphore(0).acquire(true, Infinity)).toThrow("timeout value is too large");
    expect(() => new Barrier(2).wait(NaN)).toThrow("Invalid value NaN (not a number)");
    expect(() => new Barrier(2, null, Infinity)).toThrow("timeout value is too large");
    expect(() => sleep(NaN)).toThrow("Invalid value NaN (not a number)");
    expect(() => sleep(Infinity)).toThrow("sleep length is too large");
    expect(() => sleep("1" as never)).toThrow('sleep() expected `seconds` to be a number, got `"1"` (string)');
    const t = new Thread({ target: () => undefined });
    t.start();
    expect(() => t.join(Infinity)).toThrow(OverflowError);
    expect(() => t.join(NaN)).toThrow("Invalid value NaN (not a number)");
    t.join();
  });

  test("counts kept in a 32-bit word: too large is an OverflowError, never a wrapped value", () => {
    expect(() => new Semaphore(2 ** 32)).toThrow(OverflowError);
    expect(() => new Semaphore(2 ** 32)).toThrow(
      "Semaphore() value 4294967296 is too large: threadlab keeps it in a 32-bit word (at most 2147483647)",
    );
    expect(new Semaphore(2 ** 31 - 1).value).toBe(2 ** 31 - 1);
    expect(() => new Barrier(2 ** 32 + 2)).toThrow(
      "Barrier() parties 4294967298 is too large: threadlab keeps it in a 32-bit word (at most 2147483647)",
    );
    expect(() => new Semaphore(1.5)).toThrow("Semaphore() expected `value` to be a whole number, got `1.5` (number)");
    expect(() => new Barrier("2" as never)).toThrow('Barrier() expected `parties` to be a whole number, got `"2"` (string)');
    expect(() => new Barrier(0)).toThrow("parties must be >= 1");
    const sem = new Semaphore(2 ** 31 - 2);
    sem.release();
    expect(() => sem.release()).toThrow(OverflowError);
    expect(() => sem.release()).toThrow("release(1) would take the semaphore's value above 2147483647, the most threadlab keeps");
    expect(() => sem.release(1.5)).toThrow("release() expected `n` to be a whole number, got `1.5` (number)");
    expect(() => sem.release(0)).toThrow("n must be one or more");
    expect(sem.value).toBe(2 ** 31 - 1);
  });

  test("a Barrier's default timeout may be long: it is kept as seconds, not as milliseconds in an int32", () => {
    const b = new Barrier(1, null, 1e7); // 10,000,000 s = 10^10 ms, past 2**31
    expect(b.wait()).toBe(0);
    expect(b.broken).toBe(false);
  });

  test("with() wants a function", () => {
    expect(() => new Lock().with(5 as never)).toThrow("with() expected `fn` to be a function to run while holding the lock");
  });
});
