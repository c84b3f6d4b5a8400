/**
 * Objects are shared, as in Python: an instance of a user's class is the same
 * object in every thread (its fields in shared memory), arrays and plain
 * objects it holds are shared too, a copy keeps its identity, a bound method
 * keeps its object, and a local subclass runs its constructor in each thread.
 * The programs are the classic ones (Real Python, PyMOTW), moved structure
 * for structure; they run as scripts in child processes and in a notebook cell.
 */
import { jupyterMissing, KernelSession, startServer, type Server } from "../helpers/jupyter";
import { runScript } from "../helpers/run-script";

const HEAD = `const { Thread, Lock, Event, Semaphore, Queue, ThreadPoolExecutor, local, print, sleep, currentThread } = require("threadlab");\n`;

describe("objects are shared", () => {
  test("a counter object incremented by 8 threads under its own lock ends at 8 × N; without the lock updates are lost", async () => {
    const r = await runScript(
      HEAD +
        `
class Counter {
  constructor() { this.lock = new Lock(); this.value = 0; }
  increment() { this.lock.with(() => { this.value += 1; }); }
  incrementUnsafely() { this.value += 1; }
}
function worker(counter, n, safe, go) {
  go.wait(); // all start together: the threads run at the same time
  for (let i = 0; i < n; i++) safe ? counter.increment() : counter.incrementUnsafely();
}
for (const safe of [true, false]) {
  const counter = new Counter();
  const go = new Event();
  const threads = [];
  for (let i = 0; i < 8; i++) threads.push(new Thread({ target: worker, args: [counter, 100000, safe, go] }));
  for (const t of threads) t.start();
  go.set();
  for (const t of threads) t.join();
  print(safe ? "safe" : "unsafe", counter.value, counter instanceof Counter);
}
`,
    );
    expect(r.stderr).toBe("");
    const [safe, unsafe] = r.stdout.trim().split("\n");
    expect(safe).toBe("safe 800000 true");
    const m = /^unsafe (\d+) true$/.exec(unsafe);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(800000); // a race without a lock loses updates, as in Python
  });

  test("a database object's method given to submit(): bound it runs on the object; unbound it is refused with the fix", async () => {
    // Real Python's FakeDatabase, with the executor.
    const r = await runScript(
      HEAD +
        `
class FakeDatabase {
  constructor() { this.value = 0; this._lock = new Lock(); }
  lockedUpdate(name) {
    this._lock.with(() => {
      const localCopy = this.value;
      sleep(0.001);
      this.value = localCopy + 1;
    });
  }
}
const database = new FakeDatabase();
const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
const futures = [];
for (let index = 0; index < 5; index++) futures.push(ex.submit(database.lockedUpdate.bind(database), index));
for (const f of futures) f.result();
try { ex.submit(database.lockedUpdate, 1); } catch (e) { print(e.name + ": " + e.message); }
ex.shutdown();
print("Ending value is", database.value);
`,
    );
    expect(r.stderr).toBe("");
    const [refusal, ending] = r.stdout.trim().split("\n");
    expect(refusal).toBe(
      "TypeError: submit() got the method 'lockedUpdate' without its object: in JavaScript `obj.lockedUpdate` does not carry " +
        "`obj` along (a Python bound method does), so 'lockedUpdate' would run with no `this`. Pass obj.lockedUpdate.bind(obj), " +
        "or () => obj.lockedUpdate(...)",
    );
    expect(ending).toBe("Ending value is 5");
  });

  test("an error in submitted work nobody collects is reported at shutdown", async () => {
    const r = await runScript(
      HEAD + `const ex = new ThreadPoolExecutor();\nex.submit(() => { throw new RangeError("lost?"); });\nex.shutdown();\n`,
    );
    expect(r.stderr).toMatch(
      /^Future exception was never retrieved \(a call submitted to ThreadPoolExecutor-0\): RangeError: lost\? at /,
    );
  });

  test("threads register in a pool object: its list attribute is shared and each push or remove is atomic", async () => {
    // PyMOTW's ActivePool: at most 2 workers at once, each registering itself in a list.
    const r = await runScript(
      HEAD +
        `
class ActivePool {
  constructor() { this.active = []; this.lock = new Lock(); this.most = 0; }
  makeActive(name) { this.lock.with(() => { this.active.push(name); this.most = Math.max(this.most, this.active.length); }); }
  makeInactive(name) { this.lock.with(() => { this.active.splice(this.active.indexOf(name), 1); }); }
}
function worker(s, pool) {
  s.with(() => {
    const name = currentThread().name;
    pool.makeActive(name);
    sleep(0.05);
    pool.makeInactive(name);
  });
}
const pool = new ActivePool();
const s = new Semaphore(2);
const threads = [];
for (let i = 0; i < 6; i++) threads.push(new Thread({ target: worker, name: String(i), args: [s, pool] }));
for (const t of threads) t.start();
for (const t of threads) t.join();
print("most", pool.most, "left", JSON.stringify(pool.active), Array.isArray(pool.active));
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("most 2 left [] true\n");
  });

  test("a producer and a consumer share a pipeline object; a sentinel object ends the stream by identity", async () => {
    // Real Python's Pipeline: a message field handed over under two locks.
    const r = await runScript(
      HEAD +
        `
const SENTINEL = {};
class Pipeline {
  constructor() {
    this.message = 0;
    this.producerLock = new Lock();
    this.consumerLock = new Lock();
    this.consumerLock.acquire();
  }
  getMessage() {
    this.consumerLock.acquire();
    const message = this.message;
    this.producerLock.release();
    return message;
  }
  setMessage(message) {
    this.producerLock.acquire();
    this.message = message;
    this.consumerLock.release();
  }
}
function producer(pipeline) {
  for (let i = 1; i <= 10; i++) pipeline.setMessage(i);
  pipeline.setMessage(SENTINEL);
}
function consumer(pipeline) {
  let total = 0;
  for (let message = pipeline.getMessage(); message !== SENTINEL; message = pipeline.getMessage()) total += message;
  print("consumed", total);
}
const pipeline = new Pipeline();
const threads = [new Thread({ target: producer, args: [pipeline] }), new Thread({ target: consumer, args: [pipeline] })];
for (const t of threads) t.start();
for (const t of threads) t.join();
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("consumed 55\n");
  });

  test("a SharedList and a SharedDict hold shared objects, threadlab objects and copies with their identity", async () => {
    // As a Python list or dict that threads share holds objects, not pictures of them (issue 12, item 6).
    const r = await runScript(
      HEAD +
        `
const { SharedList, SharedDict } = require("threadlab");
class Account {
  constructor(owner) { this.owner = owner; this.balance = 0; this.lock = new Lock(); }
  deposit(n) { this.lock.with(() => { this.balance += n; }); }
}
const DONE = { done: true };
function teller(accounts, registry, n) {
  const mine = registry.get("lock");
  for (let i = 0; i < n; i++) accounts.get(i % accounts.length).deposit(1);
  mine.with(() => registry.set("tellers", registry.get("tellers") + 1));
  if (registry.get("done") !== DONE) throw new Error("the sentinel lost its identity");
}
const accounts = new SharedList([new Account("ann"), new Account("bob")]);
const registry = new SharedDict({ lock: new Lock(), tellers: 0, done: DONE });
const ts = Array.from({ length: 4 }, () => new Thread({ target: teller, args: [accounts, registry, 1000] }));
ts.forEach((t) => t.start());
ts.forEach((t) => t.join());
const ann = accounts.get(0);
print(ann instanceof Account, ann.owner, ann.balance, accounts.get(1).balance, ann === accounts.get(0));
print(registry.get("tellers"), registry.get("done") === DONE);
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true ann 2000 2000 true\n4 true\n");
  });

  test("a sentinel through a Queue is === to the one the thread sees by name; a copy that comes back is the original", async () => {
    const r = await runScript(
      HEAD +
        `
const SENTINEL = {};
const config = { retries: 3 };
const q = new Queue();
const back = new Queue();
function consumer() {
  const seen = [];
  for (let item = q.get(); item !== SENTINEL; item = q.get()) seen.push(item === config ? "config" : item);
  back.put(config);
  print("thread saw", JSON.stringify(seen));
}
const t = new Thread({ target: consumer });
t.start();
q.put(1); q.put(config); q.put(SENTINEL);
t.join();
print("main got its own object back:", back.get() === config);
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('thread saw [1,"config"]\nmain got its own object back: true\n');
  });

  test("a local subclass's constructor runs once in each thread that touches the object, with its arguments", async () => {
    const r = await runScript(
      HEAD +
        `
class MyLocal extends local {
  constructor(color) { super(color); this.color = color; this.seen = 0; print("init", currentThread().name); }
  describe() { return this.color + " " + this.seen; }
}
const mydata = new MyLocal("red");
function f() { mydata.seen += 1; mydata.seen += 1; mydata.color = "blue"; print(currentThread().name, mydata.describe()); }
for (const name of ["T1", "T2"]) { const t = new Thread({ target: f, name }); t.start(); t.join(); }
print("main", mydata.describe());
class Forgetful extends local { constructor(v) { super(); this.v = v; } }
try { new Forgetful(1); } catch (e) { print(e.name + ": " + e.message); }
`,
    );
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 6)).toEqual(["init MainThread", "init T1", "T1 blue 2", "init T2", "T2 blue 2", "main red 0"]);
    expect(lines[6]).toBe(
      "TypeError: Forgetful's constructor takes 1 argument(s), but its super() call passes 0: each thread runs the constructor " +
        "again with the arguments super() got (as Python calls local.__init__ in each thread with the arguments the object " +
        "was made with). Pass them on: super(...args)",
    );
  });

  test("what cannot be shared fails at the crossing, naming it and what to do", async () => {
    const r = await runScript(
      HEAD +
        `
class Secret { #key = 1; peek() { return this.#key; } }
class WithCallback { constructor() { this.onDone = () => 1; } }
class Point { constructor() { this.x = 1; } addY() { this.y = 2; } }
function work() {}
const p = new Point();
for (const make of [() => new Secret(), () => new WithCallback()]) {
  try { new Thread({ target: work, args: [make()] }).start(); } catch (e) { print(e.name + ": " + e.message); }
}
const t = new Thread({ target: work, args: [p] }); t.start(); t.join();
try { p.addY(); } catch (e) { print(e.name + ": " + e.message); }
`,
    );
    const [priv, fn, added] = r.stdout.trim().split("\n");
    expect(priv).toMatch(
      /^DataCloneError: cannot send the args of thread '.*'\[0\] to a thread: it is a Secret, whose class uses the private field #key: private fields cannot be shared between threads\. Make it an ordinary field \(this\.key\)$/,
    );
    expect(fn).toMatch(
      /^DataCloneError: cannot share WithCallback\.onDone: it is a function, and a shared object's fields hold data\. Make it a method of the class$/,
    );
    expect(added).toBe("TypeError: Cannot add property y, object is not extensible");
  });
});

const missing = jupyterMissing();
const describeKernel = missing ? describe.skip : describe;
if (missing) process.stderr.write(`test/shared/objects.test.ts: ${missing}\n`);

describeKernel("objects are shared in a notebook", () => {
  let server: Server;
  let k: KernelSession;

  beforeAll(async () => {
    server = await startServer();
    k = await KernelSession.start(server);
    await k.run(`import { Thread, Lock, print } from "threadlab";`);
  }, 120000);

  afterAll(async () => {
    await k?.stop();
    await server?.stop();
  });

  test("a counter object from one cell, incremented by threads started in the next", async () => {
    await k.run(`class Counter {
  lock = new Lock();
  value = 0;
  names: string[] = [];
  increment(name: string) { this.lock.with(() => { this.value += 1; if (!this.names.includes(name)) this.names.push(name); }); }
}
const counter = new Counter();`);
    const b =
      await k.run(`const ts = [1, 2, 3, 4].map((i) => new Thread({ target: () => { for (let n = 0; n < 1000; n++) counter.increment("t" + i); } }));
for (const t of ts) t.start();
for (const t of ts) t.join();
print(counter.value, counter.names.length);`);
    expect(k.of(b.id, "error")).toEqual([]);
    expect(k.text(b.id)).toBe("4000 4\n");
  });
});
