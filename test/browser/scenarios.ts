/**
 * What a user does in a notebook front end with the threadlab kernel, checked in the page:
 * the same scenarios for the classic Notebook and for the JupyterLab page (notebook.test.ts,
 * jupyterlab.test.ts). One server, one browser and one page per front end; a lesson notebook,
 * then one scratch notebook whose cells are typed in, run, interrupted and restarted.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser } from "puppeteer-core";
import {
  browserSuiteMissing,
  frontEnd,
  frontEndVersion,
  launchBrowser,
  startFrontEndServer,
  type FrontEnd,
  type FrontEndKind,
  type FrontEndServer,
} from "../helpers/browser";

const ROOT = path.join(__dirname, "..", "..");
const DOCS = path.join(ROOT, "docs");

interface NotebookJson {
  cells: Array<{
    cell_type: string;
    source: string | string[];
    outputs?: Array<Record<string, unknown>>;
    execution_count?: number | null;
  }>;
  metadata: Record<string, unknown>;
}

const METADATA = {
  kernelspec: { name: "threadlab", display_name: "TypeScript (threadlab)", language: "typescript" },
  language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
};

/** A lesson without its saved outputs: whatever shows up in the page was produced by this run. */
function copyLessonWithoutOutputs(lesson: string, dir: string): void {
  const nb = JSON.parse(readFileSync(path.join(ROOT, "notebooks", lesson), "utf8")) as NotebookJson;
  for (const c of nb.cells) {
    if (c.cell_type === "code") {
      c.outputs = [];
      c.execution_count = null;
    }
  }
  writeFileSync(path.join(dir, lesson), JSON.stringify(nb, null, 1));
}

function writeScratch(dir: string, name: string): void {
  const nb = {
    cells: [{ cell_type: "code", id: "first", metadata: {}, execution_count: null, outputs: [], source: [] }],
    metadata: METADATA,
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(path.join(dir, name), JSON.stringify(nb, null, 1));
}

function savedOutputs(file: string): Array<Record<string, unknown>> {
  const nb = JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
  return nb.cells.flatMap((c) => c.outputs ?? []);
}

const lines = (text: string, re: RegExp) => text.split("\n").filter((l) => re.test(l));

export function frontEndSuite(kind: FrontEndKind, title: string): void {
  const missing = browserSuiteMissing(kind);
  if (missing) process.stderr.write(`test/browser (${kind}): ${missing}\n`);
  const it = missing ? test.skip : test;

  describe(title, () => {
    let dir: string;
    let server: FrontEndServer;
    let closeBrowser: () => Promise<void>;
    let browser: Browser;
    let ui: FrontEnd;
    const errors: string[] = [];

    beforeAll(async () => {
      if (missing) return;
      dir = mkdtempSync(path.join(os.tmpdir(), `threadlab-browser-${kind}-`));
      copyLessonWithoutOutputs("05-locks.ipynb", dir);
      writeScratch(dir, "scratch.ipynb");
      server = await startFrontEndServer(kind, dir);
      const b = await launchBrowser();
      closeBrowser = () => b.close();
      browser = b.browser;
      const page = await b.browser.newPage();
      // Leaving a page with unsaved changes asks first: the tests leave on purpose.
      page.on("dialog", (d) => void d.accept());
      page.on("pageerror", (e) => errors.push(String(e)));
      ui = frontEnd(kind, page);
      process.stderr.write(`test/browser (${kind}): ${frontEndVersion(kind)}, Chromium ${await b.browser.version()}\n`);
    }, 90000);

    afterAll(async () => {
      await closeBrowser?.();
      await server?.stop();
    }, 30000);

    it("Run All runs a lesson: 1000 under the lock, lost updates without it; Ctrl+S saves the outputs", async () => {
      await ui.open(server.notebookUrl("05-locks.ipynb"));
      const before = await ui.cells();
      expect(before.some((c) => /^1000$/m.test(c.text))).toBe(false);
      // The cell that prints the total under the lock, and the one that runs the race without it.
      const locked = before.findIndex((c) => c.source.includes("print(num.value);"));
      const racy = before.findIndex((c) => c.source.includes('print(num.value, "of", 8 * 1_000_000);'));
      expect(locked).toBeGreaterThan(0);
      expect(racy).toBeGreaterThan(locked);

      await ui.runAll();
      const withLock = await ui.waitForCell(
        locked,
        (c) => /^\d+$/.test(c.prompt) && c.text !== "",
        "to run (with the lock)",
        60000,
      );
      expect(withLock.text.trim()).toBe("1000");
      const without = await ui.waitForCell(
        racy,
        (c) => /^\d+$/.test(c.prompt) && c.text !== "",
        "to run (without the lock)",
        60000,
      );
      const m = /^(\d+) of 8000000$/.exec(without.text.trim());
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeLessThan(8000000);
      await ui.waitForKernelIdle();
      // No cell failed: nothing on stderr anywhere.
      expect((await ui.cells()).map((c) => c.stderr).join("")).toBe("");

      await ui.save();
      const file = path.join(dir, "05-locks.ipynb");
      await ui.until(
        () => Promise.resolve(savedOutputs(file).some((o) => JSON.stringify(o.text ?? "").includes("1000"))),
        15000,
        "the saved file to hold the outputs",
      );

      // The picture in the README (docs/): the lesson as it ran here.
      mkdirSync(DOCS, { recursive: true });
      await ui.screenshot(path.join(DOCS, kind === "notebook" ? "lesson-notebook.png" : "lesson-jupyterlab.png"), locked);
    }, 120000);

    it("A thread's output lands in the cell that started it: live while another cell busy-loops, and after both ended", async () => {
      await ui.open(server.notebookUrl("scratch.ipynb"));
      await ui.addCell('import { Thread, sleep, print } from "threadlab";');
      await ui.run(0);
      await ui.waitForCell(0, (c) => /^\d+$/.test(c.prompt), "to run");

      const a = await ui.addCell(
        [
          "const ticker = new Thread({",
          "  target: () => { for (let i = 1; i <= 10; i++) { print(`tick ${i}`); sleep(0.2); } },",
          '  name: "ticker",',
          "});",
          "ticker.start();",
          'print("A: started");',
        ].join("\n"),
      );
      const b = await ui.addCell(
        ["const t0 = Date.now();", "while (Date.now() - t0 < 1500) { /* the main thread is busy */ }", 'print("B: done");'].join(
          "\n",
        ),
      );
      expect(b).toBe(a + 1);
      await ui.run(a, 2); // Shift+Enter twice: A, then B

      // A has finished (its own line is there) and B runs: the main thread is busy-looping.
      await ui.waitForCell(a, (c) => c.text.includes("A: started"), "to finish");
      await ui.waitForCell(b, (c) => c.prompt === "*", "to be running");
      const atStart = lines((await ui.cell(a)).text, /^tick \d+$/).length;
      let grewWhileBusy = false;
      await ui.until(
        async () => {
          const [ca, cb] = [(await ui.cells())[a], (await ui.cells())[b]];
          if (cb.prompt !== "*" || cb.text.includes("B: done")) return true; // B ended first: checked below
          grewWhileBusy = lines(ca.text, /^tick \d+$/).length > atStart;
          return grewWhileBusy;
        },
        10000,
        "A's output to grow while B runs",
      );
      expect(grewWhileBusy).toBe(true);

      const bDone = await ui.waitForCell(b, (c) => c.text.includes("B: done"), "to finish", 10000);
      const ticksWhenBEnded = lines((await ui.cell(a)).text, /^tick \d+$/).length;
      expect(ticksWhenBEnded).toBeLessThan(10); // the thread runs 2 s, B 1.5 s
      const aDone = await ui.waitForCell(a, (c) => c.text.includes("tick 10"), "to show the thread's last line", 10000);
      // Every line, once, in order, in A — the late ones too; none in B.
      expect(lines(aDone.text, /^tick \d+$/)).toEqual(Array.from({ length: 10 }, (_, i) => `tick ${i + 1}`));
      expect(bDone.text.trim()).toBe("B: done");
      expect((await ui.cell(b)).text).not.toMatch(/tick/);
    }, 90000);

    it("Tab completes a name from the kernel", async () => {
      const c = await ui.addCell("ticker.isAl");
      await ui.complete(c);
      await ui.waitForCell(c, (v) => v.source.trim() === "ticker.isAlive", "to hold the completed name", 15000);
      await ui.page.keyboard.sendCharacter("()");
      await ui.run(c);
      const cell = await ui.waitForCell(c, (v) => /^\d+$/.test(v.prompt) && v.text !== "", "to run");
      expect(cell.text.trim()).toBe("false");
    }, 60000);

    it("a thread's uncaught error shows in the cell that started it", async () => {
      const c = await ui.addCell(
        'new Thread({ target: () => { throw new Error("boom from a thread"); }, name: "doomed" }).start();\nprint("started the doomed thread");',
      );
      await ui.run(c);
      const cell = await ui.waitForCell(c, (v) => v.stderr.includes("boom from a thread"), "to show the thread's error");
      expect(cell.stderr).toContain("Exception in thread doomed");
      expect(cell.text).toContain("started the doomed thread");
    }, 60000);

    it("a TypeScript type error shows as an error output", async () => {
      const c = await ui.addCell('const wrong: number = "not a number";');
      await ui.run(c);
      const cell = await ui.waitForCell(c, (v) => v.stderr !== "", "to show the compile error");
      expect(cell.stderr).toMatch(/Type 'string' is not assignable to type 'number'/);
      // An error output, as the kernel sent it (what the page saves).
      await ui.save();
      const file = path.join(dir, "scratch.ipynb");
      await ui.until(
        () =>
          Promise.resolve(
            savedOutputs(file).some(
              (o) => o.output_type === "error" && JSON.stringify(o).includes("is not assignable to type 'number'"),
            ),
          ),
        15000,
        "the saved notebook to hold an error output",
      );
    }, 60000);

    it("the interrupt button ends a join() of a long thread with KeyboardInterrupt; the kernel goes on", async () => {
      const c = await ui.addCell(
        [
          'const sleeper = new Thread({ target: () => sleep(30), name: "sleeper", daemon: true });',
          "sleeper.start();",
          'print("joining");',
          "sleeper.join();",
          'print("joined");',
        ].join("\n"),
      );
      await ui.run(c);
      await ui.waitForCell(c, (v) => v.text.includes("joining") && v.prompt === "*", "to be in join()");
      await ui.interrupt();
      const cell = await ui.waitForCell(c, (v) => v.text.includes("KeyboardInterrupt"), "to show KeyboardInterrupt", 15000);
      // (The traceback shows the cell's lines around the join, `print("joined");` among them: no output line says it.)
      expect(cell.text.split("\n")).not.toContain("joined");
      const next = await ui.addCell('print("after the interrupt, sleeper alive:", sleeper.isAlive());');
      await ui.run(next);
      const after = await ui.waitForCell(next, (v) => v.text !== "", "to run");
      expect(after.text.trim()).toBe("after the interrupt, sleeper alive: true");
    }, 60000);

    it("the interrupt button stops a busy loop of the main thread; the kernel goes on", async () => {
      const c = await ui.addCell(['print("spinning");', "let spins = 0;", "while (true) { spins++; }"].join("\n"));
      await ui.run(c);
      await ui.waitForCell(c, (v) => v.text.includes("spinning") && v.prompt === "*", "to be spinning");
      await ui.interrupt();
      await ui.waitForCell(c, (v) => v.text.includes("KeyboardInterrupt"), "to show KeyboardInterrupt", 15000);
      const next = await ui.addCell('print("spun:", spins > 0);');
      await ui.run(next);
      const after = await ui.waitForCell(next, (v) => v.text !== "", "to run");
      expect(after.text.trim()).toBe("spun: true");
    }, 60000);

    it("restart while a thread prints: a new cell runs in the fresh kernel and no stray line appears", async () => {
      const c = await ui.addCell(
        [
          "const chatter = new Thread({",
          "  target: () => { for (let i = 0; i < 1000; i++) { print(`chatter ${i}`); sleep(0.05); } },",
          "  daemon: true,",
          "});",
          "chatter.start();",
        ].join("\n"),
      );
      await ui.run(c);
      await ui.waitForCell(c, (v) => lines(v.text, /^chatter \d+$/).length >= 3, "to show the thread's lines");
      await ui.restart();
      const next = await ui.addCell('import { print } from "threadlab";\nprint("after the restart:", 6 * 7);');
      await ui.run(next);
      // Its output may show before its reply sets the prompt (the prompt is "*" until then).
      const after = await ui.waitForCell(next, (v) => v.text !== "" && v.prompt !== "*", "to run in the new kernel", 60000);
      expect(after.text.trim()).toBe("after the restart: 42");
      expect(after.prompt).toBe("1"); // a fresh kernel counts from 1
      await ui.waitForKernelIdle();
      const count = async () => (await ui.cells()).reduce((n, v) => n + lines(v.text, /chatter \d+/).length, 0);
      const settled = await count();
      // Nothing can show that a line will never come but time: the thread printed every 50 ms.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await count()).toBe(settled);
      expect((await ui.cell(next)).text).not.toMatch(/chatter/);
      expect(lines((await ui.cell(c)).text, /^chatter \d+$/).length).toBeLessThan(1000);
    }, 90000);

    if (kind === "jupyterlab") {
      it("the page says what is wrong with its address: not a notebook, no such notebook, a wrong token", async () => {
        // A fresh browser context each time: no login cookie from the pages before.
        const problem = async (change: (u: URL) => void) => {
          const u = new URL(server.notebookUrl("scratch.ipynb"));
          change(u);
          const context = await browser.createBrowserContext();
          try {
            const page = await context.newPage();
            await page.goto(u.href, { waitUntil: "load" });
            await page.waitForFunction(() => document.body.dataset.pageState !== "loading", { timeout: 30000 });
            const found = await page.evaluate(() => [
              document.body.dataset.pageState,
              document.getElementById("tl-error")?.textContent ?? "",
            ]);
            const links = await page.$$eval(".tl-listing a", (as) => as.map((a) => a.textContent));
            return [...found, links] as [string, string, string[]];
          } finally {
            await context.close();
          }
        };
        expect((await problem((u) => u.searchParams.set("path", "notes.txt"))).slice(0, 2)).toEqual([
          "error",
          "path must name a notebook (a .ipynb file) relative to the server's folder, got 'notes.txt'",
        ]);
        expect((await problem((u) => u.searchParams.set("path", "no-such-lesson.ipynb"))).slice(0, 2)).toEqual([
          "error",
          "opening 'no-such-lesson.ipynb': not found on the server (404).",
        ]);
        const [state, message] = await problem((u) => u.searchParams.set("token", "not-the-token"));
        expect(state).toBe("error");
        expect(message).toMatch(
          /^opening 'scratch\.ipynb': the server refused \(403\)\. The token in the address is not this server's/,
        );
        const [noTokenState, noToken] = await problem((u) => u.searchParams.delete("token"));
        expect(noTokenState).toBe("error");
        expect(noToken).toMatch(/The address has no token: open the URL the server printed/);
        // Without a path: the folder's notebooks, each linking to the page with its path.
        const [listed, , links] = await problem((u) => u.searchParams.delete("path"));
        expect(listed).toBe("ready");
        expect(links).toEqual(["05-locks.ipynb", "scratch.ipynb"]);
      }, 60000);
    }

    it("the page raised no uncaught error", () => {
      expect(errors).toEqual([]);
    });
  });
}
