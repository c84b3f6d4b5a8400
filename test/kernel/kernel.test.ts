/**
 * The kernel through a real Jupyter server and @jupyterlab/services, as
 * JupyterLab drives it: every assertion about routing is by parent msg_id.
 */
import { jupyterMissing, KernelSession, startServer, type Server } from "../helpers/jupyter";

const missing = jupyterMissing();
const describeKernel = missing ? describe.skip : describe;
if (missing) {
  // Outside CI only: say why these tests did not run and how to make them run.
  process.stderr.write(`test/kernel/kernel.test.ts: ${missing}\n`);
}

const imports = `import { Thread, Lock, Value, sleep, print, currentThread } from "threadlab";\n`;

describeKernel("threadlab kernel", () => {
  let server: Server;
  let k: KernelSession;

  beforeAll(async () => {
    server = await startServer();
    k = await KernelSession.start(server);
    await k.run(imports);
  }, 120000);

  afterAll(async () => {
    await k?.stop();
    await server?.stop();
  });

  test("a thread's output goes to the cell that started it, while a later cell runs", async () => {
    const a = await k.run(`
function ticker(n: number) { for (let i = 0; i < n; i++) { print("tick " + i); sleep(0.15); } }
const t1 = new Thread({ target: ticker, args: [6] });
t1.start();
"started"`);
    const b = await k.run(`sleep(0.3); print("cell B"); "B done"`);
    await k.waitFor(() => k.text(a.id).includes("tick 5"));
    expect(k.text(a.id)).toBe(["tick 0", "tick 1", "tick 2", "tick 3", "tick 4", "tick 5", ""].join("\n"));
    expect(k.text(b.id)).toBe("cell B\n");
    expect(k.of(a.id, "execute_result")[0].content.data["text/plain"]).toBe("'started'");
  });

  test("output keeps causal order: what a thread printed before join() returned comes before main's next line", async () => {
    const a = await k.run(`
function say(n: number) { print("thread " + n); }
for (let i = 0; i < 30; i++) {
  const t = new Thread({ target: say, args: [i] });
  t.start();
  t.join();
  print("main " + i);
}`);
    const want = Array.from({ length: 30 }, (_, i) => `thread ${i}\nmain ${i}\n`).join("");
    expect(k.text(a.id)).toBe(want);
  });

  test("thread output streams live into its cell while a later cell busy-loops", async () => {
    const a = await k.run(`
function slow() { for (let i = 0; i < 5; i++) { print("live " + i); sleep(0.2); } }
new Thread({ target: slow }).start();`);
    const b = k.send(`const end = Date.now() + 1500; let spins = 0; while (Date.now() < end) spins++; "busy done"`);
    await b.done;
    const idle = k.messages.find((m) => m.parent === b.id && m.type === "status" && m.content.execution_state === "idle")!;
    const during = k.messages.filter((m) => m.parent === a.id && m.type === "stream" && m.at < idle.at);
    // At least three of the five lines arrived while cell B was still busy, spread out in time.
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(during[during.length - 1].at - during[0].at).toBeGreaterThan(300);
    await k.waitFor(() => k.text(a.id).includes("live 4"));
  });

  test("100,000 lines from four threads all arrive, in order per thread, in batched messages", async () => {
    const a = await k.run(`
function burst(tag: string, n: number) { for (let i = 0; i < n; i++) print(tag + " " + i); }
const bursts = ["a", "b", "c", "d"].map((tag) => new Thread({ target: burst, args: [tag, 25000] }));
bursts.forEach((t) => t.start());
bursts.forEach((t) => t.join());`);
    await k.waitFor(() => k.text(a.id).split("\n").length >= 100001, 60000);
    const lines = k.text(a.id).split("\n").filter(Boolean);
    expect(lines).toHaveLength(100000);
    const next: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    for (const line of lines) {
      const [tag, n] = line.split(" ");
      expect(Number(n)).toBe(next[tag]);
      next[tag]++;
    }
    expect(k.of(a.id, "stream").length).toBeLessThan(5000);
  }, 90000);

  test("an interrupt ends a main-thread join with KeyboardInterrupt; the thread and the kernel go on", async () => {
    const a = k.send(`
function long() { for (let i = 0; i < 8; i++) { print("still running " + i); sleep(0.25); } }
const lt = new Thread({ target: long });
lt.start();
lt.join();
print("not reached");`);
    await k.waitFor(() => k.text(a.id).includes("still running 1"));
    await k.kernel.interrupt();
    await a.done;
    const err = k.of(a.id, "error")[0];
    expect(err.content.ename).toBe("KeyboardInterrupt");
    expect(k.text(a.id)).not.toContain("not reached");
    const b = await k.run(`lt.isAlive()`);
    expect(k.of(b.id, "execute_result")[0].content.data["text/plain"]).toBe("true");
    await k.waitFor(() => k.text(a.id).includes("still running 7"));
  });

  test("an uncaught error in a thread prints Exception in thread NAME on that cell's stderr", async () => {
    const a = await k.run(`
function fails() { throw new Error("thread failed"); }
const ft = new Thread({ target: fails, name: "failing" });
ft.start();
ft.join();`);
    await k.waitFor(() => k.text(a.id, "stderr").includes("thread failed"));
    expect(k.text(a.id, "stderr")).toMatch(/^Exception in thread failing:\nError: thread failed\n/);
    expect(a.reply.content.status).toBe("ok");
  });

  test("notebook names reach threads: functions from earlier cells, data as frozen copies, locks shared", async () => {
    await k.run(
      `function double(x: number) { return x * 2; }\nconst settings = { factor: 3 };\nconst shared = new Value("i", 0);`,
    );
    const b = await k.run(`
function useAll() { shared.value = double(settings.factor); print("got", shared.value); }
const ut = new Thread({ target: useAll });
ut.start();
ut.join();
shared.value`);
    expect(k.text(b.id)).toBe("got 6\n");
    expect(k.of(b.id, "execute_result")[0].content.data["text/plain"]).toBe("6");
  });

  test("a closure's variables reach the thread; a name no scope holds fails at start() naming it", async () => {
    const a = await k.run(`
function outer() { const secret = 5; return () => print("secret + 1 =", secret + 1); }
const inner = outer();
const ti = new Thread({ target: inner });
ti.start();
ti.join();`);
    expect(k.text(a.id)).toBe("secret + 1 = 6\n");
    // (The type checker keeps a cell from naming what does not exist; a function made from text can.)
    const b = await k.run(`
const fromText = new Function("print(nowhere)") as () => void;
new Thread({ target: fromText }).start();`);
    const err = k.of(b.id, "error")[0];
    expect(err.content.ename).toBe("NameError");
    expect(err.content.evalue).toMatch(
      /^name 'nowhere' is not defined: the target of thread 'Thread-\d+ \(anonymous\)' uses 'nowhere', but no scope of the function holds it/,
    );
    expect(b.reply.content.status).toBe("error");
  });

  test("a thread's function that assigns to a notebook name fails at start() naming it, as one assigning a closure's variable", async () => {
    await k.run(`let counter = 0;`);
    // Compiled as `exports.counter += 5`: the thread's notebook names are a frozen copy, so the write would be lost.
    const b = await k.run(`
function bump() { counter += 5; }
const tb = new Thread({ target: bump });
tb.start();`);
    const err = k.of(b.id, "error")[0];
    expect(err.content.ename).toBe("TypeError");
    expect(err.content.evalue).toMatch(
      /^cannot assign to 'counter' in a thread: the target of thread 'Thread-\d+ \(bump\)' assigns to 'counter', a variable outside it/,
    );
    expect(k.text(b.id)).toBe(""); // refused before it ran: no "Exception in thread" later
    const c = await k.run(`counter`);
    expect(k.of(c.id, "execute_result")[0].content.data["text/plain"]).toBe("0");
  });

  test("an earlier cell's function sees a name as it is now, in the main thread and in a thread (as Python's globals)", async () => {
    await k.run(
      `function helper() { return 1; }\nfunction viaHelper() { return helper(); }\nlet total = 0;\nfunction addOne() { total++; }`,
    );
    await k.run(`function helper() { return 2; }\ntotal = 10;\naddOne();`);
    const c = await k.run(`
const tg = new Thread({ target: () => print("thread sees", viaHelper(), total) });
tg.start();
tg.join();
[viaHelper(), total]`);
    expect(k.text(c.id)).toBe("thread sees 2 11\n");
    expect(k.of(c.id, "execute_result")[0].content.data["text/plain"]).toBe("[ 2, 11 ]");
  });

  test("a thread of a function whose program was kept sees a notebook name defined anew", async () => {
    // The program of showTag (it reads exports.tag, a Value: a handle) is kept after its first start;
    // a later cell's new `tag` makes it again.
    await k.run(`const tag = new Value("i", 1);\nfunction showTag() { print("tag", tag.value); }`);
    const once = `for (let n = 0; n < 2; n++) { const ts1 = new Thread({ target: showTag }); ts1.start(); ts1.join(); }`;
    const a = await k.run(once);
    await k.run(`const tag = new Value("i", 2);`);
    const b = await k.run(once);
    expect([k.text(a.id), k.text(b.id)]).toEqual(["tag 1\ntag 1\n", "tag 2\ntag 2\n"]);
  });

  test("the kernel survives a thread that calls process.exit() or runs out of memory", async () => {
    const a = await k.run(`
function quits() { print("bye"); process.exit(1); }
const q = new Thread({ target: quits }); q.start(); q.join();
q.isAlive()`);
    expect(k.text(a.id)).toBe("bye\n");
    expect(k.of(a.id, "execute_result")[0].content.data["text/plain"]).toBe("false");
    const b = await k.run(`
function hog() { const a: number[][] = []; for (;;) a.push(new Array(1e5).fill(Math.random())); }
const h = new Thread({ target: hog, name: "hog" }); h.start(); h.join();
h.isAlive()`);
    expect(k.of(b.id, "execute_result")[0].content.data["text/plain"]).toBe("false");
    expect(k.text(b.id, "stderr")).toMatch(/^Exception in thread hog:\nError \[ERR_WORKER_OUT_OF_MEMORY\]/);
    // A thread that loops forever keeps its worker; the kernel goes on.
    await k.run(`new Thread({ target: () => { for (;;) {} }, daemon: true }).start();`);
    const c = await k.run(`1 + 1`);
    expect(k.of(c.id, "execute_result")[0].content.data["text/plain"]).toBe("2");
  }, 60000);

  test("top-level await, and a last expression as execute_result", async () => {
    const a = await k.run(`const waited = await new Promise<number>((r) => setTimeout(() => r(41), 20));\nwaited + 1`);
    expect(k.of(a.id, "execute_result")[0].content.data["text/plain"]).toBe("42");
  });

  test("errors are error messages with ename, evalue and traceback", async () => {
    const a = await k.run(`throw new RangeError("out of range")`);
    const err = k.of(a.id, "error")[0].content;
    expect(err.ename).toBe("RangeError");
    expect(err.evalue).toBe("out of range");
    // As IPython shows it: a red rule, the name and "Traceback (most recent call last)", the cell's
    // frame with its line, then "Name: message" (test/kernel/details.test.ts has the details).
    const plain = (s: string) => s.replace(new RegExp(String.raw`\u001b\[[0-9;]*m`, "g"), "");
    expect(err.traceback[1].startsWith("\u001b[0;31mRangeError")).toBe(true);
    expect(plain(err.traceback[1])).toMatch(/^RangeError +Traceback \(most recent call last\)$/);
    expect(plain(err.traceback[2])).toMatch(/^Cell In \[\d+\], line 1\n----> 1 throw new RangeError\("out of range"\)\n$/);
    expect(err.traceback[err.traceback.length - 1]).toBe("\x1b[0;31mRangeError\x1b[0m: out of range");
    const b = await k.run(`const n: number = "text";`);
    expect(k.of(b.id, "error")[0].content.ename).toBe("TypeScriptError");
  });
});
