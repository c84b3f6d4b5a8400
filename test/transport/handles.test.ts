/**
 * threadlab's objects crossing to threads whose workers load the library's
 * modules only as they are first used (worker/bundle.ts): every handle type
 * finds its module, and an API name first read late is still known as one;
 * the parser's packages load from a bundle of their own.
 * Each case is a real script in a child process.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { runFile, runScript, writeScript } from "../helpers/run-script";

const ROOT = path.join(__dirname, "..", "..");

describe("handles and lazily loaded modules", () => {
  test("every kind of threadlab object reaches a fresh worker that had not loaded its module, and works there", async () => {
    const r = await runScript(`
const tl = require("threadlab");
const { Thread, print } = tl;
class Point { constructor(x) { this.x = x; } }
const ex = new tl.ThreadPoolExecutor({ maxWorkers: 1 });
const future = ex.submit(() => 6 * 7);
future.result();
const objects = {
  Lock: new tl.Lock(), RLock: new tl.RLock(), Condition: new tl.Condition(), Semaphore: new tl.Semaphore(2),
  BoundedSemaphore: new tl.BoundedSemaphore(1), Event: new tl.Event(), Barrier: new tl.Barrier(1),
  Value: new tl.Value("i", 5), SharedArray: new tl.SharedArray("d", [1.5, 2.5]), SharedList: new tl.SharedList([1, 2]),
  SharedDict: new tl.SharedDict({ a: 1 }), Queue: new tl.Queue(), LifoQueue: new tl.LifoQueue(), PriorityQueue: new tl.PriorityQueue(),
  SimpleQueue: new tl.SimpleQueue(), local: new tl.local(), Future: future, Thread: tl.currentThread(), Point: new Point(3),
};
objects.Queue.put("q");
// The thread's worker has loaded none of the lazy modules but the executor's when the arguments arrive (the next test shows
// a worker loads only what it is given); each object must bring its module, and work.
function use(o) {
  const out = [];
  for (const [name, v] of Object.entries(o)) out.push(name + ":" + (name in tl ? v instanceof tl[name] : v.constructor.name));
  o.Lock.acquire(); o.Lock.release();
  o.RLock.with(() => o.RLock.with(() => {}));
  o.Condition.with(() => o.Condition.notifyAll());
  o.Semaphore.acquire(); o.BoundedSemaphore.acquire(); o.BoundedSemaphore.release();
  o.Event.set();
  o.Barrier.wait();
  o.Value.value += 1;
  o.SharedArray[0] += 1;
  o.SharedList.append(3);
  o.SharedDict.set("b", 2);
  out.push("q=" + o.Queue.get());
  o.LifoQueue.put(1); o.PriorityQueue.put(2); o.SimpleQueue.put(3);
  o.Point.x += 1;
  out.push("future=" + o.Future.result(), "thread=" + o.Thread.name);
  print(out.join(" "));
}
const t = new Thread({ target: use, args: [objects] });
t.start();
t.join();
ex.shutdown();
print(objects.Event.isSet(), objects.Value.value, objects.SharedArray[0], objects.SharedList.length, objects.SharedDict.get("b"),
  objects.LifoQueue.get(), objects.PriorityQueue.get(), objects.SimpleQueue.get(), objects.Point.x, objects.Semaphore._value ?? "");
`);
    expect(r.stderr).toBe("");
    // Each is an instance of the thread's own class of that name (loaded there for it), a Point is a Point.
    const names =
      "Lock RLock Condition Semaphore BoundedSemaphore Event Barrier Value SharedArray SharedList SharedDict Queue LifoQueue PriorityQueue SimpleQueue local Future Thread"
        .split(" ")
        .map((n) => `${n}:true`)
        .join(" ")
        .concat(" Point:Point");
    expect(r.stdout).toBe(`${names} q=q future=42 thread=MainThread\ntrue 6 2.5 3 2 1 2 3 4 \n`);
  });

  test("a worker loads a lazy module only when a thread needs it: an Event's thread has no Queue module", async () => {
    const r = await runScript(`
const { Thread, Event, Queue, print } = require("threadlab");
const loaded = () => Object.keys(require("module")._cache).filter((f) => /sync\\/event|shared\\/queue/.test(f)).map((f) => f.split("/").pop());
const ev = new Event();
const t = new Thread({ target: (e) => { e.set(); print("event thread:", loaded().join(",")); }, args: [ev] });
t.start();
t.join();
const q = new Queue();
const u = new Thread({ target: (q) => { q.put(1); print("queue thread:", loaded().sort().join(",")); }, args: [q] });
u.start();
u.join();
print("main:", loaded().sort().join(","), ev.isSet(), q.get());
`);
    expect(r.stderr).toBe("");
    // The second thread may run on the first one's worker (which has the Event's module) or a fresh one.
    expect(r.stdout).toMatch(
      /^event thread: event\.js\nqueue thread: (event\.js,)?queue\.js\nmain: event\.js,queue\.js true 1\n$/,
    );
  });

  test("a worker loads Node's modules a plain thread does not need only when a thread first needs them", async () => {
    const r = await runScript(`
const { Thread, Event, Queue, print } = require("threadlab");
const seen = () => process.moduleLoadList.filter((m) => /^NativeModule (v8|os|module|url|perf_hooks|timers\\/promises)$/.test(m)).map((m) => m.slice(13)).sort().join(",") || "none";
const go = new Event();
function plain(e) { e.set(); print("plain thread:", seen()); }
async function needs(q) {
  const value = await require("util").promisify(setTimeout)(5, "late");
  print("needs:", q.get().list.length, value, performance.now() > 0, seen());
}
const q = new Queue();
q.put({ list: [1, 2, 3] });
let t = new Thread({ target: plain, args: [go] });
t.start();
t.join();
t = new Thread({ target: needs, args: [q] });
t.start();
t.join();
`);
    expect(r.stderr).toBe("");
    // The second thread may run on the first one's worker or a fresh one. A queue's items are
    // v8.serialize's bytes; a thread's require is made with the module module's createRequire.
    expect(r.stdout).toBe("plain thread: none\nneeds: 3 late true module,perf_hooks,timers/promises,v8\n");
  });

  test("a worker loads the resolver (and the parser) only once its thread starts a thread", async () => {
    const r = await runScript(`
const { Thread, Lock, print } = require("threadlab");
const resolver = () => Object.keys(require("module")._cache).filter((f) => /transport\\/(resolve|lexical|inspector|scripts)\\.js$|acorn/.test(f)).length;
const lock = new Lock();
function inner() { lock.with(() => print("inner ran")); }
function plain() { lock.with(() => print("plain thread:", resolver())); }
function starter() {
  const before = resolver();
  const t = new Thread({ target: inner });
  t.start();
  t.join();
  print("starter thread:", before, resolver() > 0);
}
for (const target of [plain, starter]) {
  const t = new Thread({ target });
  t.start();
  t.join();
}
print("main:", resolver() > 0);
`);
    expect(r.stderr).toBe("");
    // The starter may run on the plain thread's worker or a fresh one: neither had the resolver before.
    expect(r.stdout).toBe("plain thread: 0\ninner ran\nstarter thread: 0 true\nmain: true\n");
  });

  test("an API name first read after threads have started is known as one: its value is not sent", async () => {
    const r = await runScript(`
const tl = require("threadlab");
const { Thread, print } = tl;
const a = new Thread({ target: () => print("first") });
a.start();
a.join();
// Only now does this process load the Barrier module (the resolver's map of API values is stale).
const { Barrier } = require("threadlab");
function useBarrier() { const b = new Barrier(1); print("barrier parties:", b.parties, Barrier === require("threadlab").Barrier); }
const t = new Thread({ target: useBarrier });
t.start();
t.join();
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("first\nbarrier parties: 1 true\n");
  });

  test("the parser's packages come from the bundle, under their own paths: a user's require of them gets the same copy", async () => {
    const r = await runScript(`
const { Thread, print } = require("threadlab");
const t = new Thread({ target: (n) => print("ran", n), args: [1] });
t.start();
t.join();
const acornFile = require.resolve("acorn");
const bundled = require("module")._cache[acornFile];
const acorn = require("acorn");
const scope = require("eslint-scope");
const ast = acorn.parse("let a = 1; a + 2", { ecmaVersion: "latest" });
print(bundled !== undefined && bundled.exports === acorn, ast.body.length, scope.analyze(ast, { ecmaVersion: 2022 }).scopes.length);
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ran 1\ntrue 2 1\n");
  });

  test("every registered handle type names the module that registers it", async () => {
    const r = await runScript(`
const tl = require("threadlab");
for (const name of Object.keys(tl)) void tl[name]; // loads every module the index re-exports
const handle = require(${JSON.stringify(path.join(ROOT, "dist/src/state/handle.js"))});
const types = handle.registeredHandleTypes().sort();
const missing = types.filter((t) => !(t in handle.HANDLE_MODULES));
const extra = Object.keys(handle.HANDLE_MODULES).filter((t) => !types.includes(t));
console.log(JSON.stringify({ count: types.length, missing, extra }));
`);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ count: 20, missing: [], extra: [] });
  });

  test("pool workers compile from the code caches main read into shared memory: none keeps a copy of its own", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "threadlab-cache-test-"));
    const env = { THREADLAB_CODE_CACHE_DIR: dir };
    const script = writeScript(`
const { Thread, print } = require("threadlab");
const t = new Thread({ target: () => print(process.memoryUsage().arrayBuffers) });
t.start();
t.join();
`);
    try {
      await runFile(script, { env }); // writes the caches
      const r = await runFile(script, { env });
      expect(r.stderr).toBe("");
      // A worker that read the core bundle's cache itself held it (~150 KB) until a full collection.
      expect(Number(r.stdout)).toBeLessThan(64 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a program run with other Node flags keeps its own code caches: neither run rejects and rewrites the other's", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "threadlab-cache-test-"));
    const env = { THREADLAB_CODE_CACHE_DIR: dir };
    const script = writeScript(`
const { Thread, Queue } = require("threadlab");
const q = new Queue();
const t = new Thread({ target: (q) => q.put(6 * 7), args: [q] });
t.start();
t.join();
console.log(q.get());
`);
    const files = () => new Map(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).mtimeMs]));
    try {
      const plain = await runFile(script, { env });
      expect([plain.stdout, plain.stderr]).toEqual(["42\n", ""]);
      const afterPlain = files();
      // Main's cache and a worker's, for each bundle the run loaded (the core and the rest, for the Queue).
      expect([...afterPlain.keys()].filter((f) => f.endsWith("-main.bin")).length).toBeGreaterThanOrEqual(2);
      expect([...afterPlain.keys()].filter((f) => f.endsWith("-worker.bin")).length).toBeGreaterThanOrEqual(2);
      // --stack-size is a V8 flag: under it V8 rejects a cache made without it.
      const flagged = await runFile(script, { env, nodeArgs: ["--stack-size=900"] });
      expect([flagged.stdout, flagged.stderr]).toEqual(["42\n", ""]);
      const afterFlagged = files();
      for (const [f, mtime] of afterPlain) expect([f, afterFlagged.get(f)]).toEqual([f, mtime]);
      expect(afterFlagged.size).toBe(2 * afterPlain.size);
      // Each run again finds its own caches good: nothing is written.
      await runFile(script, { env });
      await runFile(script, { env, nodeArgs: ["--stack-size=900"] });
      expect(files()).toEqual(afterFlagged);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test("a code cache folder that cannot be made costs the cache, never the threads: missing folders are made, /proc fails at once", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "threadlab-cache-test-"));
    const script = writeScript(`
const { Thread, print } = require("threadlab");
const t = new Thread({ target: () => print("ran") });
t.start();
t.join();
`);
    try {
      // Folders that do not exist yet, two deep: made, and the caches are written there.
      const nested = path.join(base, "a", "b");
      const made = await runFile(script, { env: { THREADLAB_CODE_CACHE_DIR: nested } });
      expect([made.stdout, made.stderr]).toEqual(["ran\n", ""]);
      expect(readdirSync(nested).some((f) => f.endsWith("-worker.bin"))).toBe(true);
      // Node's recursive mkdir never returns under /proc: the worker writing its cache hung, and the join with it.
      const proc = await runFile(script, {
        env: { THREADLAB_CODE_CACHE_DIR: "/proc/threadlab-no-such-folder" },
        timeoutMs: 20_000,
      });
      expect([proc.stdout, proc.stderr]).toEqual(["ran\n", ""]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
