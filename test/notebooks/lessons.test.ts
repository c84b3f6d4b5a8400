/**
 * Every lesson notebook runs top to bottom through the threadlab kernel with
 * no error, and says what the lesson is about; the committed notebooks carry
 * the outputs running them produces.
 */
import { copyFileSync, mkdtempSync, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { jupyterMissing } from "../helpers/jupyter";

const build = require("../../notebooks/build.js") as {
  kernelspecPath(): string;
  execute(file: string, jupyterPath: string): number;
};

const lessons = require("../../notebooks/lessons.js") as Array<{ file: string }>;

const NOTEBOOKS = path.join(__dirname, "..", "..", "notebooks");
const missing = jupyterMissing();
if (missing) process.stderr.write(`test/notebooks/lessons.test.ts: ${missing}\n`);

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string[];
  outputs?: Output[];
}

function read(file: string): Cell[] {
  return JSON.parse(readFileSync(file, "utf8")).cells;
}

function stdout(cells: Cell[]): string {
  return cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => (Array.isArray(o.text) ? o.text.join("") : o.text))
    .join("");
}

const expected: Record<string, (out: string) => void> = {
  "01-basics.ipynb": (out) => expect(out).toBe("Hello, threads!\nthe thread has finished\nThread-1 (greet) false\n"),
  "02-full-example.ipynb": (out) => {
    const lines = out.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("counter:"))).toEqual([
      "counter: 1",
      "counter: 2",
      "counter: 3",
      "counter: 4",
      "counter: 5",
    ]);
    // The main thread printed while the counter ran: its lines sit between the counter's.
    const first = lines.indexOf("counter: 1");
    const last = lines.indexOf("counter: 5");
    expect(lines.slice(first, last).some((l) => l === "main: still working")).toBe(true);
    expect(lines[lines.length - 1]).toBe("main: done");
  },
  "03-multiple-threads.ipynb": (out) => {
    const lines = out.trim().split("\n");
    // All three started before any finished: they ran at the same time.
    expect(lines.slice(0, 3).sort()).toEqual(["worker 0 starting", "worker 1 starting", "worker 2 starting"]);
    expect(lines[lines.length - 1]).toBe("all workers done");
  },
  "04-locks.ipynb": (out) => {
    expect(out.split("\n")[0]).toBe("1000");
    const m = /^(\d+) of 8000000 - updates were lost$/m.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(8000000);
  },
  "05-daemon-threads.ipynb": (out) => {
    expect(out).toContain("daemon: tick\n");
    expect(out).toContain("shutdown() stopped 1 daemon thread(s); alive: false\n");
  },
  "06-thread-local.ipynb": (out) =>
    expect(out).toBe(
      [
        "MainThread: No value yet",
        "MainThread: value = 1000",
        "Thread-1 (worker): No value yet",
        "Thread-1 (worker): value = 0",
        "Thread-2 (worker): No value yet",
        "Thread-2 (worker): value = 1",
        "MainThread: value = 1000",
        "",
      ].join("\n"),
    ),
  "07-event-and-condition.ipynb": (out) => {
    const lines = out.trim().split("\n");
    expect(lines.indexOf("main: set")).toBeLessThan(lines.indexOf("A: got it"));
    expect(lines.filter((l) => l === "bought one; left: 0")).toHaveLength(3);
  },
  "08-producer-consumer.ipynb": (out) => {
    const handled = out
      .split("\n")
      .filter((l) => / handled \d$/.test(l))
      .map((l) => Number(l.slice(-1)));
    expect(handled.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out.trim().split("\n").pop()).toBe("all items handled");
  },
  "09-semaphore-and-barrier.ipynb": (out) => {
    expect(out).toContain("at most 2 threads inside at once\n");
    const lines = out.trim().split("\n");
    const here = lines.indexOf("everyone is here");
    expect(lines.slice(0, here).filter((l) => l.endsWith("arrived"))).toHaveLength(3);
    expect(lines.slice(here).filter((l) => l.endsWith("goes on"))).toHaveLength(3);
  },
  "10-thread-pool-executor.ipynb": (out) => {
    expect(out.startsWith("144\n")).toBe(true);
    expect(out).toContain("finished: 0.1\nfinished: 0.2\nfinished: 0.3\n");
  },
};

describe("lesson notebooks", () => {
  test("there is one notebook per tutorial section, each code cell beside the Python it translates", () => {
    expect(lessons.map((l) => l.file)).toEqual(Object.keys(expected));
    for (const { file } of lessons) {
      const cells = read(path.join(NOTEBOOKS, file));
      cells.forEach((cell, i) => {
        if (cell.cell_type !== "code" || i === 0) return;
        expect(cells[i - 1].source.join("")).toContain("```python");
      });
    }
  });

  test("the committed notebooks are saved with their outputs and no errors", () => {
    for (const { file } of lessons) {
      const cells = read(path.join(NOTEBOOKS, file)).filter((c) => c.cell_type === "code");
      expect(cells.flatMap((c) => c.outputs ?? []).some((o) => o.output_type === "error")).toBe(false);
      expected[file](stdout(read(path.join(NOTEBOOKS, file))));
    }
  });

  (missing ? test.skip : test)(
    "each notebook runs top to bottom through the kernel with no error, and prints what it teaches",
    () => {
      const jupyterPath = build.kernelspecPath();
      const dir = mkdtempSync(path.join(os.tmpdir(), "threadlab-lessons-"));
      for (const { file } of lessons) {
        const copy = path.join(dir, file);
        copyFileSync(path.join(NOTEBOOKS, file), copy);
        expect(build.execute(copy, jupyterPath)).toBe(0);
        const cells = read(copy);
        const errors = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "error");
        expect(errors).toEqual([]);
        expected[file](stdout(cells));
      }
    },
    300000,
  );
});
