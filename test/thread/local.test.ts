/** local and the excepthook. */
import { inspect } from "util";
import { AttributeError, Barrier, SharedList, Thread, local, setExcepthook, getExcepthook, excepthook, sleep } from "threadlab";
import { runScript } from "../helpers/run-script";

describe("local", () => {
  test("reading a name this thread never set throws AttributeError with Python's wording", () => {
    const data = new local();
    expect(() => data.value).toThrow(AttributeError);
    expect(() => data.value).toThrow("'local' object has no attribute 'value'");
    data.value = 1;
    expect(data.value).toBe(1);
    expect("value" in data).toBe(true);
    delete data.value;
    expect(() => data.value).toThrow(AttributeError);
    expect(() => delete data.other).toThrow("'local' object has no attribute 'other'");
  });

  test("a local can be awaited, shown and inspected without tripping AttributeError", async () => {
    const data = new local();
    data.x = 1;
    expect(await Promise.resolve(data)).toBe(data);
    expect(data.toString()).toMatch(/^<threadlab\.local object \d+>$/);
    expect(inspect(data)).toMatch(/^<local object \d+ \{ x \}>$/);
  });

  test("each thread sees only its own values, and a thread reusing a worker starts with none", () => {
    const data = new local();
    data.value = "main";
    const seen = new SharedList<string>();
    function setAndRead(name: string, data: local, seen: SharedList<string>) {
      let before = "none";
      try {
        before = data.value;
      } catch {
        /* never set in this thread: AttributeError */
      }
      data.value = name;
      sleep(0.05); // the other thread sets its own value meanwhile
      seen.append(`${name}: before=${before} after=${data.value}`);
    }
    // Two rounds: the second round's threads run on the workers the first round used.
    for (const round of [1, 2]) {
      const ts = ["a", "b"].map((n) => new Thread({ target: setAndRead, args: [`${n}${round}`, data, seen] }));
      ts.forEach((t) => t.start());
      ts.forEach((t) => t.join());
    }
    expect(seen.toArray().sort()).toEqual([
      "a1: before=none after=a1",
      "a2: before=none after=a2",
      "b1: before=none after=b1",
      "b2: before=none after=b2",
    ]);
    expect(data.value).toBe("main");
  });
});

describe("local memory", () => {
  test("a local that comes back to the thread that made it (a Barrier action run there) is the same object", () => {
    const data = new local();
    data.x = "mine";
    const seen = new SharedList<string>();
    const b = new Barrier(1, () => seen.append(data.x));
    b.wait();
    expect(seen.toArray()).toEqual(["mine"]);
    const L = local as unknown as new (...a: unknown[]) => local;
    expect(() => new L(5)).toThrow(TypeError);
    expect(() => new L(5)).toThrow("Initialization arguments are not supported");
  });

  // 100,000 locals that each hold 1 kB in this thread, dropped: after GC, their values must be gone too.
  const dropMany = `
function dropMany(n) {
  for (let i = 0; i < n; i++) {
    const data = new local();
    data.payload = String(i).padEnd(1000, "x"); // a string of its own per local, 1 kB
    data.self = data; // a value that refers back to its local is no reason to keep it
  }
}
function heapAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}`;
  test("a dropped local's values are freed when it is garbage collected, in the main thread and in a thread", async () => {
    const r = await runScript(
      `
const { Thread, local, Value, print } = require("threadlab");
${dropMany}
dropMany(1000);
let before = heapAfterGc();
dropMany(100000);
print("main MiB", ((heapAfterGc() - before) / 2 ** 20).toFixed(1));
function inThread(out) {
  dropMany(1000);
  const before = heapAfterGc();
  dropMany(100000);
  out.value = (heapAfterGc() - before) / 2 ** 20;
}
const out = new Value("d", -1);
const t = new Thread({ target: inThread, args: [out] });
t.start();
t.join();
print("thread MiB", out.value.toFixed(1));
`,
      { nodeArgs: ["--expose-gc"], timeoutMs: 60000 },
    );
    expect(r.stderr).toBe("");
    const [, main, thread] = /main MiB (-?[\d.]+)\nthread MiB (-?[\d.]+)/.exec(r.stdout) ?? [];
    // Kept, they would take over 100 MiB (100,000 × 1 kB strings and their maps).
    expect(Number(main)).toBeLessThan(20);
    expect(Number(thread)).toBeLessThan(20);
  });

  test("a local still held keeps its values across garbage collections", async () => {
    const r = await runScript(
      `
const { local, print } = require("threadlab");
const kept = Array.from({ length: 1000 }, (_, i) => { const d = new local(); d.i = i; return d; });
for (let i = 0; i < 3; i++) globalThis.gc();
print(kept.every((d, i) => d.i === i));
`,
      { nodeArgs: ["--expose-gc"] },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true\n");
  });
});

describe("excepthook", () => {
  test("the default is Python's: Exception in thread NAME, then the stack, on stderr", async () => {
    const r = await runScript(`
const { Thread } = require("threadlab");
function fails() { throw new RangeError("out of range"); }
function throwsString() { throw "just a string"; }
for (const target of [fails, throwsString]) { const t = new Thread({ target, name: target.name }); t.start(); t.join(); }
`);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Exception in thread fails:\nRangeError: out of range\n {4}at fails \(/);
    expect(r.stderr).toContain("Exception in thread throwsString:\nUncaught 'just a string'\n");
    expect(r.stderr).not.toContain("dist/src/worker"); // threadlab's own frames are left out
  });

  test("a custom hook runs in the thread with ExceptHookArgs", async () => {
    const r = await runScript(`
const { Thread, setExcepthook, print } = require("threadlab");
setExcepthook((args) => print("hook:", args.excType, args.excValue.message, args.thread.name, typeof args.excTraceback));
function fails() { throw new TypeError("bad"); }
const t = new Thread({ target: fails, name: "worker" });
t.start();
t.join();
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hook: TypeError bad worker string\n");
  });

  test("setExcepthook checks its argument and null restores the default", () => {
    expect(() => setExcepthook(5 as never)).toThrow("setExcepthook() expected `hook` to be a function or null, got `5` (number)");
    const hook = () => {};
    setExcepthook(hook);
    expect(getExcepthook()).toBe(hook);
    setExcepthook(null);
    expect(getExcepthook()).toBe(excepthook);
    expect(new Thread().name).toMatch(/^Thread-\d+$/);
  });
});
