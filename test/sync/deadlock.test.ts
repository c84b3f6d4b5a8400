/**
 * Deadlocks, wait records and robust locks, on real workers: each case runs a
 * script in its own process. Deadlocked threads are daemons, so the script
 * ends when its main thread does (or the main thread is the one that raises).
 */
import { runScript } from "../helpers/run-script";

const header = `
const { Thread, Lock, RLock, Event, Queue, sleep, print, dumpThreads, setDeadlockPolicy, shutdown } = require("threadlab");
`;

/** The 1-based line of the script (header + body) that holds `marker`. */
function lineOf(body: string, marker: string): number {
  const lines = (header + body).split("\n");
  const n = lines.findIndex((l) => l.includes(marker));
  if (n < 0) throw new Error(`no ${marker}`);
  return n + 1;
}

/** Runs `body` and expects it to print `stdout` and no report (nothing on stderr). */
async function expectNoReport(body: string, stdout: string): Promise<void> {
  const r = await runScript(header + body, { timeoutMs: 30000 });
  expect(r.stdout).toBe(stdout);
  expect(r.stderr).toBe("");
}

describe("deadlock reports", () => {
  test("two threads each holding the lock the other wants: reported once, with names and lines", async () => {
    const body = `
const a = new Lock({ name: "a" });
const b = new Lock({ name: "b" });
function worker() {
  a.acquire();
  while (!b.locked()) sleep(0.01);
  sleep(0.2);
  b.acquire(); // worker waits
}
function other() {
  b.acquire();
  while (!a.locked()) sleep(0.01);
  a.acquire(); // other waits
}
new Thread({ target: worker, daemon: true }).start();
new Thread({ target: other, daemon: true }).start();
const t0 = Date.now();
sleep(2);
print("main ends");
`;
    const r = await runScript(header + body, { timeoutMs: 30000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("main ends\n");
    // Thread-1 blocks last (after 0.2 s): it closes the cycle and reports it, once.
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "Deadlock: Thread-1 (worker) waits for Lock 'b' held by Thread-2 (other), which waits for Lock 'a' held by Thread-1 (worker)",
    );
    const file = /\(([^()]*script-[^:()]+):/.exec(r.stderr)?.[1];
    expect(file).toBeDefined();
    expect(lines[1]).toBe(`  Thread-1 (worker) waits at worker (${file}:${lineOf(body, "// worker waits")}:5)`);
    expect(lines[2]).toBe(`  Thread-2 (other) waits at other (${file}:${lineOf(body, "// other waits")}:5)`);
    expect(lines).toHaveLength(3);
  }, 40000);

  test("a Lock acquired again by its holder is a deadlock when no other thread releases it", async () => {
    const body = `
function selfish() {
  const l = new Lock({ name: "mine" });
  l.acquire();
  l.acquire(); // again
}
new Thread({ target: selfish, daemon: true, name: "selfish" }).start();
const t0 = Date.now();
sleep(1.5);
print("main ends");
`;
    const r = await runScript(header + body, { timeoutMs: 30000 });
    expect(r.stdout).toBe("main ends\n");
    expect(r.stderr).toMatch(
      new RegExp(
        `^Deadlock: selfish waits for Lock 'mine' held by selfish\\n  selfish waits at selfish \\(.*:${lineOf(body, "// again")}:5\\)\\n$`,
      ),
    );
  }, 40000);

  test("a Lock its holder takes again and another thread releases soon (a signal) is no deadlock", async () => {
    await expectNoReport(
      `
const l = new Lock({ name: "signal" });
l.acquire();
const t = new Thread({ target: () => { sleep(0.3); l.release(); } });
t.start();
l.acquire(); // released by t after 0.3 s, before a cycle through a plain Lock is confirmed (0.5 s)
t.join();
print("signalled");
`,
      "signalled\n",
    );
  }, 40000);

  test("a Lock its holder takes again is no deadlock while another thread runs: it may release it later (the signal idiom)", async () => {
    await expectNoReport(
      `
const l = new Lock({ name: "signal" });
const done = new Event();
const waiter = new Thread({ target: () => { l.acquire(); l.acquire(); done.set(); } });
waiter.start();
while (!l.locked()) sleep(0.01);
// Busy, outside any wait, for three times as long as a cycle must stand to be reported.
const end = Date.now() + 1500;
while (Date.now() < end);
l.release();
waiter.join();
print("released after 1.5 s:", done.isSet());
`,
      "released after 1.5 s: true\n",
    );
  }, 40000);

  test("once every other thread waits (the main thread at the script's end too), that Lock is a deadlock", async () => {
    const r = await runScript(
      header +
        `
setDeadlockPolicy("raise");
function selfish() {
  const l = new Lock({ name: "mine" });
  l.acquire();
  try {
    l.acquire();
  } catch (e) {
    print(String(e).split("\\n")[0]);
  }
}
new Thread({ target: selfish, name: "selfish" }).start();
const end = Date.now() + 800;
while (Date.now() < end); // running: no report yet
print("main ends");
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("main ends\nRuntimeError: deadlock detected: selfish waits for Lock 'mine' held by selfish\n");
  }, 40000);

  test("a wait with a timeout closes no deadlock: it ends by itself", async () => {
    await expectNoReport(
      `
const a = new Lock({ name: "a" });
const b = new Lock({ name: "b" });
b.acquire();
const t = new Thread({ target: () => { a.acquire(); b.acquire(); a.release(); b.release(); } });
t.start();
while (!a.locked()) sleep(0.01);
print("got a:", a.acquire(true, 1));
b.release();
t.join();
print("joined");
`,
      "got a: false\njoined\n",
    );
  }, 40000);

  test("a join cycle through RLocks is reported at once; an RLock its owner takes again is not a deadlock", async () => {
    const r = await runScript(
      header +
        `
const r = new RLock({ name: "r" });
r.acquire();
r.acquire();
const t = new Thread({ target: () => r.acquire(), daemon: true, name: "taker" });
t.start();
// start() returns once taker runs, at most 5 ms before it blocks: let it block, so that main's join is
// the wait that closes the cycle (if taker's were, taker would raise).
sleep(0.3);
const t0 = Date.now();
setDeadlockPolicy("raise");
try {
  t.join();
} catch (e) {
  print(String(e));
  print("within", Date.now() - t0 < 1000 ? "a second" : "more than a second");
}
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(
      /^RuntimeError: deadlock detected: MainThread joins taker, which waits for RLock 'r' held by MainThread\n {2}MainThread waits at .*\n {2}taker waits at .*\nwithin a second\n$/,
    );
  }, 40000);

  test('setDeadlockPolicy("raise"): the wait that closes the cycle throws RuntimeError with the report', async () => {
    const r = await runScript(
      header +
        `
setDeadlockPolicy("raise");
const a = new Lock({ name: "a" });
const b = new Lock({ name: "b" });
function first() {
  a.acquire();
  while (!b.locked()) sleep(0.01);
  b.acquire();
}
function second() {
  b.acquire();
  while (!a.locked()) sleep(0.01);
  sleep(0.3);
  try {
    a.acquire();
  } catch (e) {
    print(String(e).split("\\n")[0]);
    b.release();
  }
}
const t1 = new Thread({ target: first });
const t2 = new Thread({ target: second });
t1.start();
t2.start();
t1.join();
t2.join();
print("first got b:", !a.acquire(false));
try { setDeadlockPolicy("never"); } catch (e) { print(String(e)); }
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "RuntimeError: deadlock detected: Thread-2 (second) waits for Lock 'a' held by Thread-1 (first), which waits for Lock 'b' held by Thread-2 (second)\n" +
        "first got b: true\n" +
        "ValueError: deadlock policy must be 'report' or 'raise', not `\"never\"` (string)\n",
    );
  }, 40000);
});

describe("dumpThreads", () => {
  test("lists every thread, what it waits for and the lock's holder", async () => {
    const r = await runScript(
      header +
        `
const a = new Lock({ name: "a" });
const go = new Event({ name: "go" });
const jobs = new Queue(0, { name: "jobs" });
function holder() { a.acquire(); go.wait(); }
function waiter() { a.acquire(); }
function getter() { jobs.get(); }
new Thread({ target: holder, daemon: true, name: "holder" }).start();
sleep(0.1);
new Thread({ target: waiter, daemon: true, name: "waiter" }).start();
new Thread({ target: getter, daemon: true, name: "getter" }).start();
new Thread({ target: () => sleep(10), daemon: true, name: "sleeper" }).start();
sleep(0.3);
const text = dumpThreads();
print(typeof text, text.split("\\n").length);
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    const out = r.stdout;
    expect(out).toMatch(/^Threads \(5 alive\):\n/);
    expect(out).toMatch(/\nThread \d+ "MainThread": running \(calling dumpThreads\(\)\)\n/);
    expect(out).toMatch(/\nThread \d+ "holder" \(daemon\): waiting for Event 'go' for 0\.\d s\n/);
    expect(out).toMatch(
      /\nThread \d+ "waiter" \(daemon\): waiting for Lock 'a' held by holder for 0\.\d s\n {4}at waiter \(.*:\d+:\d+\)\n/,
    );
    expect(out).toMatch(/\nThread \d+ "getter" \(daemon\): waiting to get from Queue 'jobs' for 0\.\d s\n/);
    expect(out).toMatch(/\nThread \d+ "sleeper" \(daemon\): sleeping for 0\.\d s\n/);
    expect(out).toMatch(/\nstring 7\n$/);
  }, 40000);

  test("default names count up: Lock#N", async () => {
    const r = await runScript(
      header +
        `
const l = new Lock();
const m = new Lock();
print(l.name, m.name, new Lock({ name: "x" }).name, new RLock().name);
`,
    );
    expect(r.stdout).toMatch(/^Lock#(\d+) Lock#(\d+) x RLock#\d+\n$/);
    const [, n1, n2] = /^Lock#(\d+) Lock#(\d+)/.exec(r.stdout)!;
    expect(Number(n2)).toBe(Number(n1) + 1);
  });
});

test("a Lock without a name is called by the variable it travels to a thread by", async () => {
  const r = await runScript(
    header +
      `
const lock = new Lock();
const before = lock.name;
new Thread({ target: () => { lock.acquire(); lock.acquire(); }, daemon: true, name: "twice" }).start();
sleep(1.5);
print(/^Lock#\\d+$/.test(before), lock.name, new Lock({ name: "mine" }).name);
`,
    { timeoutMs: 30000 },
  );
  expect(r.stdout).toBe("true lock mine\n");
  expect(r.stderr).toMatch(/^Deadlock: twice waits for Lock 'lock' held by twice\n/);
}, 40000);

describe("robust locks: a holder that dies does not hang the others", () => {
  const check = `
function next(lock) {
  try {
    lock.acquire();
    print("no error");
  } catch (e) {
    print(String(e));
  }
  print("usable:", lock.acquire(true, 2) || lock.locked());
}
`;

  /** Runs `body` after the `next(lock)` helper above. */
  const afterDeath = (body: string, env?: Record<string, string>) => runScript(header + check + body, { env, timeoutMs: 60000 });
  /** What next(lock) prints for a lock whose holder `name` died as `how` says. */
  const told = (name: string, how: string) =>
    `RuntimeError: lock was held by thread '${name}', which ${how} without releasing it\nusable: true\n`;

  test("process.exit() in the holder: the next acquire (Lock and RLock) says so once, then the lock works", async () => {
    const r = await afterDeath(`
const a = new Lock({ name: "a" });
const r = new RLock({ name: "r" });
const t = new Thread({ target: () => { a.acquire(); r.acquire(); process.exit(3); }, name: "quitter" });
t.start();
t.join();
next(a);
next(r);
`);
    expect(r.stdout).toBe(told("quitter", "called process.exit()").repeat(2));
  }, 40000);

  test("a waiter already asleep (the main thread) is woken with the error when the holder exits", async () => {
    const r = await afterDeath(`
const a = new Lock({ name: "a" });
new Thread({ target: () => { a.acquire(); sleep(0.3); process.exit(1); }, name: "leaver" }).start();
const t0 = Date.now();
next(a);
print("woken within a second:", Date.now() - t0 < 1000);
`);
    expect(r.stdout).toBe(told("leaver", "called process.exit()") + "woken within a second: true\n");
  }, 40000);

  test("a daemon stopped by shutdown() while holding: the next acquirer gets the error", async () => {
    const r = await afterDeath(`
const a = new Lock({ name: "a" });
new Thread({ target: () => { a.acquire(); sleep(100); }, daemon: true, name: "holder" }).start();
sleep(0.1);
print("stopped:", shutdown());
next(a);
`);
    expect(r.stdout).toBe("stopped: 1\n" + told("holder", "was stopped by shutdown()"));
  }, 40000);

  test("a holder that runs out of memory: a thread asleep on the lock is woken with the error", async () => {
    const r = await afterDeath(
      `
const a = new Lock({ name: "a" });
function hog() { a.acquire(); const x = []; for (;;) x.push(new Array(1e5).fill(Math.random())); }
const h = new Thread({ target: hog, name: "hog" });
h.start();
while (!a.locked()) sleep(0.01);
const w = new Thread({ target: () => next(a), name: "waiter" });
w.start();
h.join();
w.join();
`,
      { THREADLAB_WORKER_MAX_OLD_MB: "64" },
    );
    expect(r.stdout).toBe(told("hog", "died (out of memory)"));
    expect(r.stderr).toMatch(/^Exception in thread hog:\nError \[ERR_WORKER_OUT_OF_MEMORY\]/);
  }, 70000);
});
