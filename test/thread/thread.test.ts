/**
 * Thread, after the portable cases of CPython's test_threading.py: names,
 * idents, join with a timeout, enumerate, the main thread, daemon flags, and
 * the wording of every misuse.
 */
import {
  BoundedSemaphore,
  Lock,
  RuntimeError,
  SharedArray,
  Timer,
  Thread,
  Value,
  ValueError,
  activeCount,
  currentThread,
  enumerate,
  getIdent,
  getNativeId,
  mainThread,
  share,
  sleep,
} from "threadlab";

function noop(): void {}

function pause(seconds: number): void {
  sleep(seconds);
}

function recordIdent(out: SharedArray<"i">): void {
  out[0] = getIdent();
  out[1] = currentThread().ident!;
  out[2] = getNativeId();
  out[3] = currentThread().daemon ? 1 : 0;
}

function joinSelf(out: Value<"i">): void {
  try {
    currentThread().join();
    out.value = 1;
  } catch (e) {
    out.value = (e as Error).message === "cannot join current thread" ? 2 : 3;
  }
}

function startChild(out: SharedArray<"i">): void {
  const child = new Thread({ target: recordIdent, args: [out] });
  child.start();
  child.join();
}

describe("Thread", () => {
  test("default names are Thread-N (target), one counter for all threads", () => {
    const a = new Thread({ target: noop });
    const b = new Thread();
    const m = /^Thread-(\d+) \(noop\)$/.exec(a.name);
    expect(m).not.toBeNull();
    expect(b.name).toBe(`Thread-${Number(m![1]) + 1}`);
    expect(new Thread({ name: "worker" }).name).toBe("worker");
    expect(new Thread({ name: 7 }).name).toBe("7");
  });

  test("ident, nativeId and daemon, seen from the thread itself", () => {
    const out = new SharedArray("i", 4);
    const t = new Thread({ target: recordIdent, args: [out] });
    expect(t.ident).toBeNull();
    expect(t.nativeId).toBeNull();
    t.start();
    t.join();
    expect(out[0]).toBe(t.ident);
    expect(out[1]).toBe(t.ident);
    expect(out[2]).toBe(t.nativeId);
    expect(t.nativeId).not.toBe(process.pid);
    expect(out[3]).toBe(0);
    expect(t.ident).not.toBe(getIdent());
  });

  test("a thread started by a daemon thread is a daemon too", () => {
    const out = new SharedArray("i", 4);
    share({ recordIdent });
    const t = new Thread({ target: startChild, args: [out], daemon: true });
    t.start();
    t.join();
    expect(out[3]).toBe(1);
    expect(out[0]).not.toBe(t.ident);
  });

  test("start twice, join before start, join itself", () => {
    const t = new Thread({ target: noop });
    expect(() => t.join()).toThrow(RuntimeError);
    expect(() => t.join()).toThrow("cannot join thread before it is started");
    t.start();
    expect(() => t.start()).toThrow("threads can only be started once");
    t.join();
    expect(() => mainThread().join()).toThrow("cannot join current thread");
    const out = new Value("i", 0);
    const u = new Thread({ target: joinSelf, args: [out] });
    u.start();
    u.join();
    expect(out.value).toBe(2);
  });

  test("join with a timeout returns after about that long while the thread lives", () => {
    const t = new Thread({ target: pause, args: [1] });
    t.start();
    const t0 = performance.now();
    t.join(0.2);
    const dt = (performance.now() - t0) / 1000;
    expect(t.isAlive()).toBe(true);
    expect(dt).toBeGreaterThanOrEqual(0.2 * 0.6);
    expect(dt).toBeLessThan(0.2 * 10);
    t.join(-1); // a negative timeout is taken as 0, as in Python
    expect(t.isAlive()).toBe(true);
    t.join();
    expect(t.isAlive()).toBe(false);
  });

  test("enumerate and activeCount include running threads and drop them after join", () => {
    const t = new Thread({ target: pause, args: [0.3], name: "sleeper" });
    const before = activeCount();
    t.start();
    expect(activeCount()).toBe(before + 1);
    const all = enumerate();
    expect(all[0]).toBe(mainThread());
    expect(all).toContain(t); // the same object, as in Python
    t.join();
    expect(enumerate()).not.toContain(t);
    expect(activeCount()).toBe(before);
  });

  test("the main thread is MainThread: current here, alive, not a daemon, the process's own id", () => {
    const main = mainThread();
    expect(main.name).toBe("MainThread");
    expect(currentThread()).toBe(main);
    expect(main.isAlive()).toBe(true);
    expect(main.daemon).toBe(false);
    expect(main.nativeId).toBe(process.pid);
    expect(String(main)).toMatch(/^<_MainThread\(MainThread, started \d+\)>$/);
  });

  test("toString follows Python's repr", () => {
    const t = new Thread({ target: pause, args: [0.2], name: "counter", daemon: true });
    expect(String(t)).toBe("<Thread(counter, initial daemon)>");
    t.start();
    expect(String(t)).toBe(`<Thread(counter, started daemon ${t.ident})>`);
    t.join();
    expect(String(t)).toBe(`<Thread(counter, stopped daemon ${t.ident})>`);
  });

  test("daemon can be set before start only", () => {
    const t = new Thread({ target: noop });
    t.daemon = true;
    expect(t.daemon).toBe(true);
    t.start();
    expect(() => (t.daemon = false)).toThrow("cannot set daemon status of active thread");
    t.join();
  });

  test("bad arguments say what was expected and what came", () => {
    expect(() => new Thread({ target: 5 as never })).toThrow("Thread() expected `target` to be a function, got `5` (number)");
    expect(() => new Thread({ target: noop, args: 3 as never })).toThrow(
      "Thread() expected `args` to be an array of arguments, got `3` (number)",
    );
    expect(() => new Thread({ daemon: "yes" as never })).toThrow(
      'Thread() expected `daemon` to be a boolean, got `"yes"` (string)',
    );
    expect(() => new Thread({ kwargs: {} } as never)).toThrow(
      "Thread() got an unexpected keyword argument 'kwargs' (expected target, args, name, daemon)",
    );
    expect(() => new Thread(null as never)).toThrow(TypeError);
    const T = Thread as unknown as new (...a: unknown[]) => Thread;
    expect(() => new T({ target: noop }, 5)).toThrow("Thread() takes at most 1 argument (2 given)");
    const Ti = Timer as unknown as new (...a: unknown[]) => Timer;
    expect(() => new Ti(1, noop, [], {})).toThrow("Timer() takes at most 3 arguments (4 given)");
    expect(() => new Timer(NaN, noop)).toThrow("Invalid value NaN (not a number)");
    const t = new Thread({ target: noop });
    t.start();
    expect(() => t.join("1" as never)).toThrow('join() expected `timeout` to be a number of seconds or null, got `"1"` (string)');
    t.join();
  });

  test("sleep checks its argument as Python's time.sleep", () => {
    expect(() => sleep(-1)).toThrow(ValueError);
    expect(() => sleep(-1)).toThrow("sleep length must be non-negative");
    expect(() => sleep("1" as never)).toThrow('sleep() expected `seconds` to be a number, got `"1"` (string)');
    const t0 = performance.now();
    sleep(0.1);
    const dt = (performance.now() - t0) / 1000;
    expect(dt).toBeGreaterThanOrEqual(0.06);
    expect(dt).toBeLessThan(1);
  });
});

// test_threading.ThreadTests.test_various_ops: 10 threads under a BoundedSemaphore(3).
function underSemaphore(sema: BoundedSemaphore, mutex: Lock, running: Value<"i">, most: Value<"i">, delay: number): void {
  sema.with(() => {
    mutex.with(() => {
      running.value += 1;
      most.value = Math.max(most.value, running.value);
    });
    sleep(delay);
    mutex.with(() => (running.value -= 1));
  });
}

describe("various ops under BoundedSemaphore(3) (test_threading.test_various_ops)", () => {
  test("never more than 3 threads inside; all end; names and idents are set", () => {
    const sema = new BoundedSemaphore(3);
    const mutex = new Lock();
    const running = new Value("i", 0);
    const most = new Value("i", 0);
    const ts = Array.from(
      { length: 10 },
      (_, i) =>
        new Thread({ target: underSemaphore, args: [sema, mutex, running, most, 0.02 + (i % 3) * 0.01], name: `<thread ${i}>` }),
    );
    for (const t of ts) {
      expect(t.ident).toBeNull();
      expect(String(t)).toMatch(/, initial\)>$/);
      t.start();
    }
    for (const t of ts) {
      t.join();
      expect(t.isAlive()).toBe(false);
      expect(t.ident).not.toBeNull();
      expect(String(t)).toMatch(/stopped -?\d+\)>$/);
    }
    expect(most.value).toBeLessThanOrEqual(3);
    expect(most.value).toBeGreaterThanOrEqual(2);
    expect(running.value).toBe(0);
  });
});
