/**
 * Output: every call's text arrives whole, each thread's lines in order,
 * stderr on stderr, from every way a thread can write.
 */
import { runScript } from "../helpers/run-script";

const header = `const { Thread, print, sleep, shutdown } = require("threadlab");\n`;

describe("output", () => {
  test("one call's text is never split by another thread's, and each thread keeps its order", async () => {
    const r = await runScript(
      header +
        `
function chatter(tag, n, width) {
  for (let i = 0; i < n; i++) print(tag + i + ":" + tag.repeat(width));
}
const ts = ["A", "B", "C", "D"].map((tag) => new Thread({ target: chatter, args: [tag, 2000, 3000] }));
ts.forEach((t) => t.start());
sleep(0.01);
print("M" + ":" + "M".repeat(200000)); // bigger than a pipe's buffer
ts.forEach((t) => t.join());
`,
      { timeoutMs: 60000 },
    );
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(8001);
    const next: Record<string, number> = { A: 0, B: 0, C: 0, D: 0 };
    for (const line of lines) {
      const tag = line[0];
      if (tag === "M") {
        expect(line).toBe("M:" + "M".repeat(200000));
        continue;
      }
      expect(line).toBe(`${tag}${next[tag]}:${tag.repeat(3000)}`);
      next[tag]++;
    }
    expect(next).toEqual({ A: 2000, B: 2000, C: 2000, D: 2000 });
  });

  test("console.log, console.error, process.stdout/stderr.write and print, each to its stream", async () => {
    const r = await runScript(
      header +
        `
function talk() {
  console.log("log %d", 1);
  console.error("error", { a: 1 });
  process.stdout.write("raw out\\n");
  process.stderr.write(Buffer.from("raw err\\n"));
  print("100%d", [1, 2]);
}
const t = new Thread({ target: talk });
t.start();
t.join();
`,
    );
    expect(r.stdout).toBe("log 1\nraw out\n100%d [ 1, 2 ]\n");
    expect(r.stderr).toBe("error { a: 1 }\nraw err\n");
  });

  test("shutdown() stops daemon threads, even one in the middle of printing, and output still works", async () => {
    const r = await runScript(
      header +
        `
function spam() { for (let i = 0; ; i++) print("daemon line " + i + " " + "x".repeat(200)); }
new Thread({ target: spam, name: "spammer", daemon: true }).start();
sleep(0.3);
const stopped = shutdown();
function hello() { print("hello from a new thread"); }
const t = new Thread({ target: hello });
t.start();
t.join(10);
process.stderr.write("stopped " + stopped + ", alive " + t.isAlive() + "\\n");
`,
      { timeoutMs: 60000 },
    );
    expect(r.stderr).toBe("stopped 1, alive false\n");
    const lines = r.stdout.trim().split("\n");
    expect(lines[lines.length - 1]).toBe("hello from a new thread");
  });
});
