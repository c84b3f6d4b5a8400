/**
 * `npm start`: with Jupyter, the lessons open in a notebook server with the
 * kernel registered in a folder of the project; without it, the lessons run
 * in the terminal through the kernel.
 */
import { spawn } from "child_process";
import * as path from "path";
import { jupyterMissing } from "../helpers/jupyter";

const ROOT = path.join(__dirname, "..", "..");
const missing = jupyterMissing();
if (missing) process.stderr.write(`test/kernel/start.test.ts: ${missing}\n`);

(missing ? test.skip : test)(
  "threadlab start serves notebooks/ with the threadlab kernel and prints the URL",
  async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "start"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 60000);
        const on = (d: Buffer) => {
          out += d.toString();
          const m = /Open the lessons: (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        child.stdout.on("data", on);
        child.stderr.on("data", on);
      });
      const u = new URL(url);
      const token = u.searchParams.get("token")!;
      const specs = (await (await fetch(`${u.origin}/api/kernelspecs?token=${token}`)).json()) as {
        kernelspecs: Record<string, { spec: { display_name: string; interrupt_mode: string } }>;
      };
      expect(specs.kernelspecs.threadlab.spec.display_name).toBe("TypeScript (threadlab)");
      expect(specs.kernelspecs.threadlab.spec.interrupt_mode).toBe("message");
      const tree = (await (await fetch(`${u.origin}/api/contents?token=${token}`)).json()) as {
        content: Array<{ name: string }>;
      };
      expect(tree.content.map((c) => c.name)).toEqual(expect.arrayContaining(["01-basics.ipynb", "06-thread-local.ipynb"]));
    } finally {
      child.kill("SIGINT");
      child.kill("SIGTERM");
    }
  },
  90000,
);

test("without Jupyter, the lessons run in the terminal through the kernel, cell by cell", async () => {
  const { runNotebooks } = require("../../dist/kernel/run-notebooks") as typeof import("../../kernel/run-notebooks");
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (s: string) => {
    chunks.push(String(s));
    return true;
  };
  let failed: number;
  try {
    failed = await runNotebooks([path.join(ROOT, "notebooks", "04-locks.ipynb")], path.join(ROOT, "notebooks"));
  } finally {
    process.stdout.write = write;
  }
  const out = chunks.join("");
  expect(failed).toBe(0);
  expect(out).toContain("━━ 04-locks.ipynb ━━");
  expect(out).toMatch(/^1000$/m);
  expect(out).toMatch(/^\d+ of 8000000 - updates were lost$/m);
}, 120000);
