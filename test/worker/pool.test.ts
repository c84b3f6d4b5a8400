/**
 * The pool: threads are cheap because workers are reused, every started
 * thread still runs at once, nothing of one thread leaks into the next, idle
 * workers are trimmed, and a worker that dies takes only its own thread.
 * Each case runs in its own process, so that pool sizes and memory are its own.
 */
import { runScript } from "../helpers/run-script";

const header = `
const { Thread, Lock, Value, SharedArray, local, share, print, sleep, currentThread } = require("threadlab");
const { poolSize } = require("../../dist/src/worker/pool");
`;

describe("pool", () => {
  test("a worker reused by the next thread keeps nothing of the last one", async () => {
    const r = await runScript(
      header +
        `
const data = new local();
function dirty(data) {
  globalThis.leaked = "yes";
  data.secret = 42;
  process.on("exit", () => console.log("a listener the thread left behind ran"));
  setInterval(() => print("a timer the thread left behind fired"), 1);
  setTimeout(() => print("a timeout the thread left behind fired"), 50);
}
function check(data, out) {
  out[0] = typeof globalThis.leaked === "undefined" ? 1 : 2;
  out[1] = "secret" in data ? 2 : 1;
  out[2] = process.listenerCount("exit");
  out[3] = currentThread().name === "second" ? 1 : 2;
  out[4] = currentThread().nativeId;
}
const out = new SharedArray("i", 5);
const probe = new Thread({ target: check, args: [data, out], name: "second" });
probe.start();
probe.join();
const baselineListeners = out[2];
const first = new Thread({ target: dirty, args: [data], name: "first" });
first.start();
first.join();
let runs = 0;
do {
  const t = new Thread({ target: check, args: [data, out], name: "second" });
  t.start();
  t.join();
  runs++;
} while (out[4] !== first.nativeId && runs < 50);
sleep(0.2);
print(JSON.stringify({ sameWorker: out[4] === first.nativeId, globals: out[0], local: out[1], exitListeners: out[2] - baselineListeners, name: out[3] }));
`,
    );
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    const last = JSON.parse(lines[lines.length - 1]);
    expect(last).toEqual({ sameWorker: true, globals: 1, local: 1, exitListeners: 0, name: 1 });
    expect(r.stdout).not.toContain("left behind");
  });

  test("10,000 threads in a loop run on a few workers; worker count and memory come back", async () => {
    const r = await runScript(
      header +
        `
const lock = new Lock();
const total = new Value("i", 0);
function add(lock, total) { lock.with(() => { total.value += 1; }); }
const rss = () => process.memoryUsage.rss() / 2 ** 20;
const warmUp = new Thread({ target: add, args: [lock, total] }); // the supervisor starts with the first thread
warmUp.start();
warmUp.join();
sleep(0.5); // the warm pool is up
const startRss = rss();
let peakRss = startRss;
let busyPool = 0;
for (let i = 0; i < 10000; i += 100) {
  const ts = [];
  for (let j = 0; j < 100; j++) { const t = new Thread({ target: add, args: [lock, total] }); t.start(); ts.push(t); }
  ts.forEach((t) => t.join());
  peakRss = Math.max(peakRss, rss());
  busyPool = Math.max(busyPool, poolSize());
}
sleep(3); // THREADLAB_IDLE_SECONDS=1: spare workers exit, down to THREADLAB_POOL_MIN
print(JSON.stringify({ total: total.value, busyPool, idlePool: poolSize(), startRss, peakRss, endRss: rss() }));
`,
      { env: { THREADLAB_IDLE_SECONDS: "1", THREADLAB_POOL_MIN: "2" }, timeoutMs: 120000 },
    );
    expect(r.stderr).toBe("");
    const m = JSON.parse(r.stdout.trim());
    expect(m.total).toBe(10001);
    expect(m.busyPool).toBeLessThanOrEqual(40); // 100 threads at a time, but few at once are alive
    expect(m.idlePool).toBe(2);
    // The memory of the spare workers goes back; the workers that stay keep what they grew (their share of
    // the growth, as many of the busy pool as stay), and a little more. (Half the growth whatever the pool,
    // as before, failed when the pool never grew: a smaller start then read as more growth kept.)
    expect(m.endRss).toBeLessThan(m.startRss + (m.idlePool / m.busyPool) * (m.peakRss - m.startRss) + 30);
  }, 130000);

  test("the pool is sized to what runs: one thread, two workers; 60 blocked threads, about one worker each", async () => {
    const r = await runScript(
      header +
        `
const { Event } = require("threadlab");
const t = new Thread({ target: () => 1 });
t.start();
t.join();
const afterOne = poolSize();
const go = new Event();
const ts = Array.from({ length: 60 }, () => new Thread({ target: (g) => g.wait(), args: [go] }));
for (const x of ts) x.start();
const blocked = poolSize();
go.set();
for (const x of ts) x.join();
print(JSON.stringify({ afterOne, blocked }));
`,
      { timeoutMs: 120000 },
    );
    expect(r.stderr).toBe("");
    const m = JSON.parse(r.stdout.trim());
    expect(m.afterOne).toBeLessThanOrEqual(3);
    expect(m.blocked).toBeGreaterThanOrEqual(60); // each blocked thread holds a worker
    expect(m.blocked).toBeLessThanOrEqual(60 + 16 + 2); // spares never run away (at most 16 ahead)
  }, 130000);

  test("when memory would run out, start() throws CPython's error with the figures instead of the process dying", async () => {
    const r = await runScript(
      header +
        `
const { Event } = require("threadlab");
const go = new Event();
const started = [];
try {
  for (let i = 0; i < 10; i++) { const t = new Thread({ target: (g) => g.wait(), args: [go] }); t.start(); started.push(t); }
} catch (e) { print(e.name + ": " + e.message); }
go.set();
for (const t of started) t.join();
print("started", started.length);
`,
      { env: { THREADLAB_MEMORY_RESERVE_MB: "100000000" } },
    );
    expect(r.stderr).toBe("");
    const [error, count] = r.stdout.trim().split("\n");
    expect(error).toMatch(
      /^RuntimeError: can't start new thread: \d+ threads are alive and \d+ MiB of memory is left; a thread that waits needs a worker of its own \(about 12 MiB\), and 100000000 MiB stay free for the rest \(THREADLAB_MEMORY_RESERVE_MB\)$/,
    );
    expect(Number(count.split(" ")[1])).toBeLessThan(10); // the warm workers ran the first threads; then it said no
  });

  test("200 threads that all wait for each other all get through (the pool grows)", async () => {
    const r = await runScript(
      header +
        `
const arrived = new Value("i", 0);
const lock = new Lock();
const gate = new Lock();
gate.acquire(); // the last thread to arrive opens the gate; each one passes it on
function meet(arrived, lock, gate, n) {
  lock.with(() => {
    arrived.value += 1;
    if (arrived.value === n) gate.release();
  });
  gate.acquire();
  gate.release();
}
const t0 = Date.now();
const ts = Array.from({ length: 200 }, () => new Thread({ target: meet, args: [arrived, lock, gate, 200] }));
ts.forEach((t) => t.start());
ts.forEach((t) => t.join(60));
print(JSON.stringify({ arrived: arrived.value, alive: ts.filter((t) => t.isAlive()).length, pool: poolSize(), ms: Date.now() - t0 }));
`,
      { timeoutMs: 120000 },
    );
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout.trim());
    expect(result.arrived).toBe(200);
    expect(result.alive).toBe(0);
    expect(result.pool).toBeGreaterThanOrEqual(200);
  }, 130000);

  test("a thread that runs out of memory dies alone: its joiner wakes and the error is reported", async () => {
    const r = await runScript(
      header +
        `
function hog() { const a = []; for (;;) a.push(new Array(1e5).fill(Math.random())); }
const t = new Thread({ target: hog, name: "hog" });
t.start();
t.join();
print("joined; alive:", t.isAlive());
const u = new Thread({ target: () => print("the pool still works") });
u.start();
u.join();
`,
      { env: { THREADLAB_WORKER_MAX_OLD_MB: "64" }, timeoutMs: 60000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("joined; alive: false\nthe pool still works\n");
    expect(r.stderr).toMatch(/^Exception in thread hog:\nError \[ERR_WORKER_OUT_OF_MEMORY\]: .*heap out of memory/);
  });

  test("a worker that cannot start (its heap cap is too small) makes start() throw, every time, instead of hanging", async () => {
    // The first start waits for the worker main spawned as the library loaded; the second, made once
    // main's event loop has seen that worker die, for a worker the supervisor spawns.
    const r = await runScript(
      header +
        `
const t = new Thread({ target: () => print("never runs"), name: "first" });
try { t.start(); } catch (e) { print(e.constructor.name + ": " + e.message); }
print("alive:", t.isAlive());
setTimeout(() => {
  try { new Thread({ target: () => print("never runs") }).start(); } catch (e) { print("again: " + e.message); }
  new Thread({ target: () => print("never runs") }).start();
}, 300);
`,
      { env: { THREADLAB_WORKER_MAX_OLD_MB: "3" }, timeoutMs: 60000 },
    );
    const why =
      "can't start new thread: a new worker failed to start: [ERR_WORKER_OUT_OF_MEMORY] Worker terminated due to reaching memory limit: " +
      "JS heap out of memory (THREADLAB_WORKER_MAX_OLD_MB=3 caps each worker's heap; a worker needs at least 6 MiB to start: raise the cap or unset it)";
    expect(r.stdout).toBe(`RuntimeError: ${why}\nalive: false\nagain: ${why}\n`);
    // The last start's error is uncaught: printed, and the script exits 1.
    expect(r.stderr).toContain(`RuntimeError: ${why}\n`);
    expect(r.code).toBe(1);
  }, 60000);

  test("process.exit() in a thread ends that thread only, and keeps what it printed", async () => {
    const r = await runScript(
      header +
        `
function quit() { for (let i = 0; i < 3; i++) print("line", i); process.stderr.write("to stderr\\n"); process.exit(3); }
const t = new Thread({ target: quit, name: "quitter" });
t.start();
t.join();
print("main goes on; alive:", t.isAlive());
`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("line 0\nline 1\nline 2\nmain goes on; alive: false\n");
    expect(r.stderr).toBe("to stderr\n");
  });

  test("a daemon stopped by shutdown() while it waits in cv.wait() leaves no entry that takes a later notify", async () => {
    const r = await runScript(
      header +
        `
const { Condition, shutdown } = require("threadlab");
const cv = new Condition();
const ready = new Value("i", 0);
function waitForever(cv, ready) { cv.with(() => { ready.value += 1; cv.wait(); }); }
function waitOnce(cv, ready, out) {
  cv.with(() => {
    ready.value += 1;
    const t0 = performance.now();
    out[0] = cv.wait(20) ? 1 : 2;
    out[1] = (performance.now() - t0) / 1000;
  });
}
new Thread({ target: waitForever, args: [cv, ready], daemon: true }).start();
while (ready.value < 1) sleep(0.01);
cv.with(() => {}); // once the lock is free again, the daemon sleeps in wait()
print("stopped", shutdown());
const out = new SharedArray("d", 2);
const live = new Thread({ target: waitOnce, args: [cv, ready, out] });
live.start();
while (ready.value < 2) sleep(0.01);
cv.with(() => cv.notify(1));
live.join();
print(out[0] === 1 ? "the live waiter was woken" : "the live waiter timed out", out[1] < 10);
`,
      { timeoutMs: 60000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("stopped 1\nthe live waiter was woken true\n");
  });

  test("a daemon stopped by shutdown() while it waits in q.get() leaves no entry that takes a later put", async () => {
    const r = await runScript(
      header +
        `
const { Queue, shutdown } = require("threadlab");
const q = new Queue();
const ready = new Value("i", 0);
function getForever(q, ready) { ready.value += 1; q.get(); }
function getOnce(q, ready, out) {
  ready.value += 1;
  const t0 = performance.now();
  out[0] = q.get(true, 20);
  out[1] = (performance.now() - t0) / 1000;
}
new Thread({ target: getForever, args: [q, ready], daemon: true }).start();
while (ready.value < 1) sleep(0.01);
sleep(0.2); // the daemon is asleep in get() by now
print("stopped", shutdown());
const out = new SharedArray("d", 2);
const live = new Thread({ target: getOnce, args: [q, ready, out] });
live.start();
while (ready.value < 2) sleep(0.01);
sleep(0.2);
q.put(7);
live.join();
print("got", out[0], out[1] < 10);
`,
      { timeoutMs: 60000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("stopped 1\ngot 7 true\n");
  });

  test("a daemon stopped by shutdown() while it waits at a Barrier no longer counts as arrived", async () => {
    const r = await runScript(
      header +
        `
const { Barrier, shutdown } = require("threadlab");
const b = new Barrier(2);
function arrive(b, out) {
  const t0 = performance.now();
  out[0] = b.wait(20);
  out[1] = (performance.now() - t0) / 1000;
}
new Thread({ target: (b) => b.wait(), args: [b], daemon: true }).start();
while (b.nWaiting < 1) sleep(0.01);
print("stopped", shutdown(), "waiting", b.nWaiting);
const out = new SharedArray("d", [-1, -1]);
const t = new Thread({ target: arrive, args: [b, out] });
t.start();
sleep(0.3);
print("alone, the thread still waits:", out[0] === -1);
const mine = b.wait(5);
t.join();
print("indices", [mine, out[0]].sort().join(","), "waited", out[1] > 0.2 && out[1] < 10);
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("stopped 1 waiting 0\nalone, the thread still waits: true\nindices 0,1 waited true\n");
  });
});
