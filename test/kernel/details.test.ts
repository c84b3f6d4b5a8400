/**
 * The kernel details a user coming from ipykernel notices (issue 13), on a
 * real kernel over raw ZeroMQ frames: errors as IPython shows them, output
 * and errors of main-thread callbacks in the cell that started them, inspect
 * inside a call's parentheses, `exit`/`quit`, and no Out for an assignment;
 * and issue 14's: a deadlock reported in the threads' cell, a second
 * interrupt that prints every thread's state into the cell; a cell run again
 * unchanged reuses its compiled form, unless what it was compiled against changed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { RawKernel } from "./raw-kernel";
import type { Message } from "../../kernel/wire";

const ESC = "\x1b";
const plain = (s: string) => s.replace(new RegExp(String.raw`\u001b\[[0-9;]*m`, "g"), "");

describe("one kernel", () => {
  let k: RawKernel;
  beforeAll(async () => {
    k = await RawKernel.start();
    await k.execute(`import { Thread, sleep, print, currentThread } from "threadlab";`);
  }, 90000);
  afterAll(() => k?.stop());

  const errorOf = (id: string) => k.of(id, "error")[0].content as { ename: string; evalue: string; traceback: string[] };

  /** Starts running `code` in a cell and waits until it runs; `replied` is its execute_reply. */
  async function startCell(code: string): Promise<{ id: string; replied: Promise<Message> }> {
    const frames = k.frames("execute_request", { code, silent: false, store_history: true });
    const replied = k.sendAndWait(frames, "shell", 30000);
    const id = JSON.parse(frames[2].toString()).msg_id as string;
    await k.until(() => k.of(id, "execute_input").length > 0, 10000, "the cell to start");
    await new Promise((r) => setTimeout(r, 500));
    return { id, replied };
  }

  test("a runtime error: IPython's traceback, outermost frame first, on the cell's own lines, coloured, nothing internal", async () => {
    const { id, reply } = await k.execute(`function fail() {\n  throw new TypeError("x");\n}\nfail();`);
    const n = reply.content.execution_count as number;
    expect(reply.content).toMatchObject({ status: "error", ename: "TypeError", evalue: "x" });
    const tb = errorOf(id).traceback;
    expect(tb[0]).toBe(`${ESC}[0;31m${"-".repeat(75)}${ESC}[0m`);
    expect(tb[1]).toBe(`${ESC}[0;31mTypeError${ESC}[0m${" ".repeat(33)}Traceback (most recent call last)`);
    expect(plain(tb[2])).toBe(`Cell In [${n}], line 4\n      2   throw new TypeError("x");\n      3 }\n----> 4 fail();\n`);
    expect(tb[2]).toContain(`${ESC}[0;32m----> 4${ESC}[0m ${ESC}[43mfail()${ESC}[49m;`);
    expect(plain(tb[3])).toBe(
      `Cell In [${n}], line 2, in fail()\n      1 function fail() {\n----> 2   throw new TypeError("x");\n      3 }\n      4 fail();\n`,
    );
    expect(tb[4]).toBe(`${ESC}[0;31mTypeError${ESC}[0m: x`);
    expect(tb).toHaveLength(5);
    expect(tb.join("\n")).not.toMatch(/node:|dist\/|kernel\/|threadlab\/src/);
    expect(tb[tb.length - 1]).not.toMatch(/\n$/);
  });

  test("a frame in an earlier cell names that cell; a cause chain shows as Python's 'direct cause'", async () => {
    const first = await k.execute(`function inner(v: number) {\n  if (v > 1) throw new RangeError("too big: " + v);\n}`);
    const n1 = first.reply.content.execution_count as number;
    // A silent cell keeps the execution count: it must not take over cell n1's lines.
    const silent = await k.request("execute_request", {
      code: "let quiet1 = 1;\nlet quiet2 = 2;",
      silent: true,
      store_history: false,
    });
    expect(silent.content).toMatchObject({ status: "ok", execution_count: n1 });
    const { id, reply } = await k.execute(`try {\n  inner(5);\n} catch (e) {\n  throw new Error("wrapped", { cause: e });\n}`);
    const n2 = reply.content.execution_count as number;
    const text = plain(errorOf(id).traceback.join("\n"));
    expect(text).toContain(`Cell In [${n2}], line 2\n`);
    expect(text).toContain(
      `Cell In [${n1}], line 2, in inner(v)\n      1 function inner(v: number) {\n----> 2   if (v > 1) throw`,
    );
    expect(text).toContain("RangeError: too big: 5\n\nThe above exception was the direct cause of the following exception:\n");
    expect(text).toMatch(/Error: wrapped$/);
  });

  test("a compile error shows the source line and a caret under the column", async () => {
    const { id, reply } = await k.execute(`const ok = 1;\n  const n: number = "text";`);
    const n = reply.content.execution_count as number;
    const err = errorOf(id);
    expect(err.ename).toBe("TypeScriptError");
    expect(err.evalue).toBe(`Type 'string' is not assignable to type 'number'. (<cell ${n}>, line 2)`);
    expect(plain(err.traceback[0])).toBe(
      `  Cell In [${n}], line 2\n    const n: number = "text";\n          ^\nTypeScriptError: Type 'string' is not assignable to type 'number'.`,
    );
    expect(err.traceback[0]).toContain(`${ESC}[0;31mTypeScriptError${ESC}[0m`);
  });

  test("a KeyboardInterrupt in a 10-line cell points at the cell's own lines", async () => {
    const code = [
      "let a1 = 1;",
      "let a2 = 2;",
      "function waits() {",
      "  sleep(30);",
      "}",
      "let a3 = 3;",
      "waits();",
      "let a4 = 4;",
      "let a5 = 5;",
      "let a6 = 6;",
    ].join("\n");
    const { id, replied } = await startCell(code);
    await k.request("interrupt_request", {}, "control");
    expect((await replied).content.ename).toBe("KeyboardInterrupt");
    await k.idle(id);
    const text = plain(errorOf(id).traceback.join("\n"));
    expect(text).toMatch(/Cell In \[\d+\], line 7\n/);
    expect(text).toMatch(/Cell In \[\d+\], line 4, in waits\(\)\n/);
    expect(text).toMatch(/----> 4 {3}sleep\(30\);/);
    expect(text).toMatch(/KeyboardInterrupt: $/);
  });

  test("a timer's output goes to the cell that set it, even while another cell runs", async () => {
    const a = await k.execute(`setTimeout(() => print("late from A"), 300);\n"A done"`);
    const b = await k.execute(`sleep(0.8);\nprint("B printed");`);
    // The timer is due while B sleeps and runs as B's code ends: its line may come just after B's idle
    // status (seen: within 1-20 ms), and it lands in A's cell all the same.
    await k.until(() => k.text(a.id) !== "", 2000, "A's late line").catch(() => undefined);
    expect(k.text(a.id)).toBe("late from A\n");
    expect(k.text(b.id)).toBe("B printed\n");
  });

  test("a thread started by a callback goes to the callback's cell", async () => {
    const a = await k.execute(`setTimeout(() => new Thread({ target: () => print("thread from A's timer") }).start(), 200);`);
    const b = await k.execute(`sleep(0.8);`);
    await k.until(() => k.text(a.id).includes("thread from A's timer"), 5000, "the thread's line in A");
    expect(k.text(b.id)).toBe("");
  });

  test("an uncaught error in a timer goes to its cell's stderr, once, without internal frames", async () => {
    const a = await k.execute(`setTimeout(() => {\n  throw new Error("from the timer");\n}, 200);`);
    const b = await k.execute(`sleep(0.8);\n"B"`);
    await k.until(() => k.text(a.id, "stderr").includes("from the timer"), 5000, "the error in A");
    const err = plain(k.text(a.id, "stderr"));
    expect(err.match(/from the timer/g)).toHaveLength(2); // the code line and `Error: from the timer`
    expect(err).toMatch(
      /^Exception in a callback:\n-{75}\nError {37}Traceback \(most recent call last\)\nCell In \[\d+\], line 2, in <lambda>\(\)\n/,
    );
    expect(err).not.toMatch(/node:|dist\/|kernel\//);
    expect(k.text(b.id, "stderr")).toBe("");
    expect(b.reply.content.status).toBe("ok");
  });

  test("a rejected promise as the last expression is the cell's one error; nothing lands in the next cell", async () => {
    const a = await k.execute(`Promise.reject(new RangeError("no such thing"))`);
    expect(a.reply.content).toMatchObject({ status: "error", ename: "RangeError", evalue: "no such thing" });
    expect(k.of(a.id, "execute_result")).toEqual([]);
    expect(plain(errorOf(a.id).traceback.join("\n"))).not.toMatch(/node:|dist\/|kernel\/|vm/);
    const b = await k.execute(`sleep(0.3);\n1`);
    expect(k.text(b.id, "stderr")).toBe("");
    expect(k.text(a.id, "stderr")).toBe("");
    // A pending one shows as pending; its later rejection goes to its cell's stderr once.
    const c = await k.execute(`new Promise((_, reject) => setTimeout(() => reject(new Error("later")), 200))`);
    expect(k.of(c.id, "execute_result")[0].content.data).toEqual({ "text/plain": "Promise { <pending> }" });
    const d = await k.execute(`sleep(0.6);`);
    await k.until(() => plain(k.text(c.id, "stderr")).includes("Error: later"), 5000, "the rejection in C");
    expect(plain(k.text(c.id, "stderr")).match(/Error: later/g)).toHaveLength(1);
    expect(k.text(d.id, "stderr")).toBe("");
  });

  test("inspect inside a call's parentheses shows the called function's signature and doc comment", async () => {
    for (const [code, pos] of [
      ["sleep(", 6],
      ["sleep(1, ", 9],
      ["print(sleep(", 12],
    ] as Array<[string, number]>) {
      const r = await k.request("inspect_request", { code, cursor_pos: pos, detail_level: 0 });
      expect(r.content.found).toBe(true);
      const text = (r.content.data as Record<string, string>)["text/plain"];
      expect(text).toMatch(/sleep\(seconds: number\): void/);
      expect(text).toContain("Suspends the calling thread for `seconds` seconds");
    }
    const outer = await k.request("inspect_request", { code: "print(sleep(1), ", cursor_pos: 16, detail_level: 0 });
    expect((outer.content.data as Record<string, string>)["text/plain"]).toMatch(/print\(\.\.\.args: unknown\[\]\): void/);
    const method = await k.request("inspect_request", { code: "currentThread().join(", cursor_pos: 21, detail_level: 0 });
    expect((method.content.data as Record<string, string>)["text/plain"]).toMatch(/join\(timeout\?: number/);
  });

  test("an assignment as the last statement shows no Out; an expression still does", async () => {
    const a = await k.execute(`const d = { daemon: false };\nd.daemon = true;`);
    expect(a.reply.content.status).toBe("ok");
    expect(k.of(a.id, "execute_result")).toEqual([]);
    const b = await k.execute(`let total = 1;\ntotal += 41`);
    expect(k.of(b.id, "execute_result")).toEqual([]);
    const c = await k.execute(`d.daemon`);
    expect(k.of(c.id, "execute_result")[0].content.data).toEqual({ "text/plain": "true" });
  });

  test("a deadlock between two threads is reported on the stderr of their cell", async () => {
    const { id } = await k.execute(
      [
        `import { Lock } from "threadlab";`,
        `const a = new Lock({ name: "a" });`,
        `const b = new Lock({ name: "b" });`,
        `function worker() {`,
        `  a.acquire();`,
        `  while (!b.locked()) sleep(0.01);`,
        `  sleep(0.2);`,
        `  b.acquire();`,
        `}`,
        `function other() {`,
        `  b.acquire();`,
        `  while (!a.locked()) sleep(0.01);`,
        `  a.acquire();`,
        `}`,
        `new Thread({ target: worker, daemon: true, name: "w1" }).start();`,
        `new Thread({ target: other, daemon: true, name: "w2" }).start();`,
        `sleep(1.5);`,
      ].join("\n"),
    );
    const lines = k.text(id, "stderr").trimEnd().split("\n");
    expect(lines[0]).toBe("Deadlock: w1 waits for Lock 'b' held by w2, which waits for Lock 'a' held by w1");
    expect(lines[1]).toMatch(/^ {2}w1 waits at worker \(.*:8:\d+\)$/);
    expect(lines[2]).toMatch(/^ {2}w2 waits at other \(.*:13:\d+\)$/);
    expect(lines).toHaveLength(3);
  }, 40000);

  test("a second interrupt while the first has not ended the cell prints every thread's state into it", async () => {
    const { id, replied } = await startCell(
      [
        `import { Lock } from "threadlab";`,
        `const held = new Lock({ name: "held" });`,
        `held.acquire();`,
        `new Thread({ target: () => held.acquire(), daemon: true, name: "stuck" }).start();`,
        `print("sleeping");`,
        `try {`,
        `  sleep(30);`,
        `} catch (e) {`,
        `  print("caught", String(e));`,
        `}`,
        `sleep(2);`,
        `print("after");`,
      ].join("\n"),
    );
    // Interrupted once it sleeps in the try (a slow compile on a busy machine takes longer than startCell's wait).
    await k.until(() => k.text(id).includes("sleeping"), 20000, "the cell to sleep");
    await k.request("interrupt_request", {}, "control");
    await k.until(() => k.text(id).includes("caught"), 10000, "the first interrupt");
    await k.request("interrupt_request", {}, "control");
    expect((await replied).content.status).toBe("ok");
    await k.idle(id);
    const out = k.text(id);
    expect(out).toMatch(/^sleeping\ncaught KeyboardInterrupt\nThreads \(\d+ alive\):\n/);
    expect(out).toMatch(/\nThread \d+ "MainThread": running \(calling dumpThreads\(\)\)\n/);
    expect(out).toMatch(/\nThread \d+ "stuck" \(daemon\): waiting for Lock 'held' held by MainThread for \d+\.\d s\n/);
    expect(out).toMatch(/\nafter\n$/);
  }, 40000);

  test("a cell run again unchanged runs again (its compiled form is kept), and is compiled anew once the declarations it sees change", async () => {
    await k.execute(`import { Value } from "threadlab";\nconst hits = new Value("i", 0);\nlet seen: number = 1;`);
    const cell = `hits.value += 1;\nconst copy: number = seen;\nhits.value`;
    const outs: unknown[] = [];
    for (let n = 0; n < 3; n++) {
      const r = await k.execute(cell);
      expect(r.reply.content.status).toBe("ok");
      outs.push(k.of(r.id, "execute_result")[0]?.content.data);
    }
    expect(outs).toEqual([{ "text/plain": "1" }, { "text/plain": "2" }, { "text/plain": "3" }]);
    // `seen` is a string now: the same cell no longer type-checks.
    await k.execute(`let seen: string = "s";`);
    const again = await k.execute(cell);
    expect(again.reply.content).toMatchObject({ status: "error" });
    expect(plain(errorOf(again.id).traceback.join("\n"))).toMatch(/Type 'string' is not assignable to type 'number'/);
  });

  test("exit and quit end the kernel as in IPython (ask_exit payload, then exit), unless a cell defined the name", async () => {
    const shadow = await k.execute(`const quit = "my quit";\nquit`);
    expect(k.of(shadow.id, "execute_result")[0].content.data).toEqual({ "text/plain": "'my quit'" });
    const { reply } = await k.execute(`exit()`);
    expect(reply.content).toMatchObject({ status: "ok", payload: [{ source: "ask_exit", keepkernel: false }] });
    expect(await k.waitExit(10000)).toBe(true);
    expect(k.exited?.code).toBe(0);
  });
});

test("a bare `exit` ends the kernel too", async () => {
  const k = await RawKernel.start();
  try {
    const { reply } = await k.execute("exit");
    expect(reply.content).toMatchObject({ status: "ok", payload: [{ source: "ask_exit", keepkernel: false }] });
    expect(await k.waitExit(10000)).toBe(true);
  } finally {
    await k.stop();
  }
}, 60000);

test("a cell that imports the user's own .ts files runs them, in threads too, and is compiled every time it runs: a file may have changed", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "threadlab-cell-"));
  const writeMod = (body: string) =>
    writeFileSync(
      path.join(dir, "mod.ts"),
      `import { print, currentThread } from "threadlab";\nimport { label } from "./util";\n${body}\n`,
    );
  writeFileSync(path.join(dir, "util.ts"), "export const label = (n: number): string => `n=${n}`;\n");
  writeMod(
    "export const v: number = 1;\nexport function work(n: number): number { print(currentThread().name, label(n)); return n * 2; }",
  );
  const k = await RawKernel.start({ cwd: dir });
  const stdout = (id: string) =>
    k
      .of(id, "stream")
      .map((m) => (m.content as { text: string }).text)
      .join("");
  try {
    const cell = `import { v, work } from "./mod";\nimport { Thread, print } from "threadlab";\nconst w: number = v;\nconst t = new Thread({ target: () => print(work(21)), name: "w" });\nt.start();\nt.join();\nw`;
    const first = await k.execute(cell);
    expect([first.reply.content, k.of(first.id, "error")[0]?.content]).toEqual([
      expect.objectContaining({ status: "ok" }),
      undefined,
    ]);
    expect(stdout(first.id)).toBe("w n=21\n42\n");
    expect(k.of(first.id, "execute_result")[0].content.data).toEqual({ "text/plain": "1" });
    writeMod('export const v: string = "changed";\nexport function work(n: number): number { return n; }');
    await new Promise((r) => setTimeout(r, 300)); // the compiler watches the file: let it see the change
    const second = await k.execute(cell);
    expect(second.reply.content).toMatchObject({ status: "error" });
    const traceback = (k.of(second.id, "error")[0].content as { traceback: string[] }).traceback.join("\n");
    expect(plain(traceback)).toMatch(/Type 'string' is not assignable to type 'number'/);
    // Fixed: the new file runs, in the main thread and in the thread (whose worker loaded the old one).
    writeMod(
      "export const v: number = 2;\nexport function work(n: number): number { print(currentThread().name, label(n)); return n * 3; }",
    );
    await new Promise((r) => setTimeout(r, 300));
    const third = await k.execute(cell);
    expect(stdout(third.id)).toBe("w n=21\n63\n");
    expect(k.of(third.id, "execute_result")[0].content.data).toEqual({ "text/plain": "2" });
  } finally {
    await k.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60000);
