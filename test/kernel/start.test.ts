/**
 * `npm start`: where JupyterLab itself is not installed but Debian's jupyter_server is, the
 * lessons open in the project's JupyterLab notebook page served by jupyter_server, with the
 * kernel registered in a folder of the project; without Jupyter, the lessons run in the terminal
 * through the kernel.
 */
import { spawn } from "child_process";
import { existsSync } from "fs";
import * as path from "path";
import { browserSuiteMissing, launchBrowser } from "../helpers/browser";
import { chooseFrontEnd } from "../../kernel/lab-server";

const ROOT = path.join(__dirname, "..", "..");

function labPageMissing(): string | undefined {
  const missing = browserSuiteMissing("jupyterlab");
  if (missing) return missing;
  const ui = chooseFrontEnd();
  if (ui?.kind === "lab-page") return undefined;
  const why = `threadlab start opens ${ui?.kind ?? "no front end"} here, not the JupyterLab page`;
  if (process.env.CI)
    throw new Error(`${why}: in CI (which installs python3-jupyter-server and builds the page) it must serve the page`);
  return `skipped: ${why}`;
}
const missing = labPageMissing();
if (missing) process.stderr.write(`test/kernel/start.test.ts: ${missing}\n`);

(missing ? test.skip : test)(
  "threadlab start serves the JupyterLab notebook page on notebooks/ with the threadlab kernel and prints its URL",
  async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "start"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let out = "";
    let origin = "";
    const browser = await launchBrowser();
    try {
      const url = await new Promise<string>((resolve, reject) => {
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
        child.once("exit", (code) => reject(new Error(`threadlab start exited (${code}) before printing a URL:\n${out}`)));
      });
      expect(out).toMatch(/Kernel "TypeScript \(threadlab\)" registered in .*\.jupyter-env/);
      expect(existsSync(path.join(ROOT, ".jupyter-env", "share", "jupyter", "kernels", "threadlab", "kernel.json"))).toBe(true);
      const u = new URL(url);
      origin = u.origin;
      expect(u.pathname).toBe("/static/index.html");
      const token = u.searchParams.get("token")!;
      expect(token).toMatch(/^[0-9a-f]{48}$/);

      // The server answers: the kernelspec is there, the lessons are its folder, the API wants the token.
      const specs = (await (await fetch(`${u.origin}/api/kernelspecs?token=${token}`)).json()) as {
        kernelspecs: Record<string, { spec: { display_name: string; interrupt_mode: string } }>;
      };
      expect(specs.kernelspecs.threadlab.spec.display_name).toBe("TypeScript (threadlab)");
      expect(specs.kernelspecs.threadlab.spec.interrupt_mode).toBe("message");
      const tree = (await (await fetch(`${u.origin}/api/contents?token=${token}`)).json()) as {
        content: Array<{ name: string }>;
      };
      expect(tree.content.map((c) => c.name)).toEqual(expect.arrayContaining(["02-basics.ipynb", "07-thread-local.ipynb"]));
      expect((await fetch(`${u.origin}/api/contents`)).status).toBe(403);
      // The server's own address leads to the page, the token kept.
      const home = await fetch(`${u.origin}/?token=${token}`, { redirect: "manual" });
      expect(home.status).toBe(302);
      expect(home.headers.get("location")).toBe(`/static/index.html?token=${token}`);

      // The page loads in a browser: the list of lessons, each a link to the notebook page.
      const page = await browser.browser.newPage();
      await page.goto(url, { waitUntil: "load" });
      await page.waitForFunction(() => document.body.dataset.pageState !== "loading", { timeout: 30000 });
      expect(await page.evaluate(() => document.body.dataset.pageState)).toBe("ready");
      const links = await page.$$eval(".tl-listing a", (as) => as.map((a) => [a.textContent, a.href]));
      expect(links.map((l) => l[0])).toEqual(
        expect.arrayContaining(["02-basics.ipynb", "05-locks.ipynb", "11-thread-pool-executor.ipynb"]),
      );
      const lesson = new URL(links.find((l) => l[0] === "05-locks.ipynb")![1]);
      expect(lesson.searchParams.get("path")).toBe("05-locks.ipynb");
      expect(lesson.searchParams.get("token")).toBe(token);
    } finally {
      await browser.close();
      child.kill("SIGINT");
    }
    // Ctrl-C stops the server with the command.
    expect(await exited).toBe(0);
    await expect(fetch(`${origin}/api`)).rejects.toThrow();
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
    failed = await runNotebooks([path.join(ROOT, "notebooks", "05-locks.ipynb")], path.join(ROOT, "notebooks"));
  } finally {
    process.stdout.write = write;
  }
  const out = chunks.join("");
  expect(failed).toBe(0);
  expect(out).toContain("━━ 05-locks.ipynb ━━");
  expect(out).toMatch(/^1000$/m);
  expect(out).toMatch(/^\d+ of 8000000$/m);
}, 120000);
