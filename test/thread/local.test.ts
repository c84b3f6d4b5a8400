/** local and the excepthook. */
import { inspect } from "util";
import { AttributeError, SharedList, Thread, local, setExcepthook, getExcepthook, excepthook, sleep } from "threadlab";
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
