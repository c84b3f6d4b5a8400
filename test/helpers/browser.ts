/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (The page.evaluate callbacks below run in the browser, hence the DOM types.)
/**
 * A real browser on real notebook front ends: Debian's Chromium, headless, driven by
 * puppeteer-core, against (a) the classic Notebook 6.4 and (b) the project's JupyterLab notebook
 * page served by Debian's jupyter_server — each with the threadlab kernelspec installed in a
 * private prefix, each driven the way a user drives it: clicks on cells, buttons and menus, keys
 * typed into the cell editors, outputs read from the page.
 *
 * Outside CI, a suite whose tools are missing skips with how to install them; in CI (CI=true) a
 * missing tool is a failure.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import puppeteer, { type Browser, type ElementHandle, type Page } from "puppeteer-core";
import { jupyterServerVersion, labPageMissing, labPageUrl, serveLabPage } from "../../kernel/lab-server";
import { installKernelspec, JUPYTER, startServer } from "./jupyter";

export const CHROMIUM = "/usr/bin/chromium";

export type FrontEndKind = "notebook" | "jupyterlab";

/** Why the browser suite for `kind` cannot run here, or undefined. Throws in CI, and when the page is not built. */
export function browserSuiteMissing(kind: FrontEndKind): string | undefined {
  const lacks: string[] = [];
  const packages: string[] = [];
  if (!existsSync(CHROMIUM)) {
    lacks.push(`Chromium (${CHROMIUM})`);
    packages.push("chromium");
  }
  if (kind === "notebook" && !existsSync(JUPYTER)) {
    lacks.push(`the classic Notebook (${JUPYTER})`);
    packages.push("jupyter-notebook");
  }
  if (kind === "jupyterlab") {
    if (!jupyterServerVersion()) {
      lacks.push("jupyter_server (python3 -m jupyter_server)");
      packages.push("python3-jupyter-server");
    }
    // The page is the project's own build: not having it is a failure, not a reason to skip.
    const notBuilt = labPageMissing();
    if (notBuilt) throw new Error(`the browser tests need ${notBuilt}`);
  }
  if (lacks.length === 0) return undefined;
  const how = `install with: apt-get install -y ${packages.join(" ")}`;
  if (process.env.CI) throw new Error(`the browser tests need ${lacks.join(" and ")}, missing in CI; ${how}`);
  return `skipped: ${lacks.join(" and ")} not installed; ${how}`;
}

/** Headless Chromium with a fresh profile; close() also removes the profile. */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), "threadlab-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
    ],
    defaultViewport: { width: 1280, height: 900 },
    protocolTimeout: 60000,
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The server behind a front end, serving `dir`. */
export interface FrontEndServer {
  /** The page's URL for a notebook of `dir`. */
  notebookUrl(file: string): string;
  stop(): Promise<void>;
}

export async function startFrontEndServer(kind: FrontEndKind, dir: string): Promise<FrontEndServer> {
  if (kind === "notebook") {
    const server = await startServer(dir);
    const base = server.settings.baseUrl;
    return {
      notebookUrl: (file) => `${base}notebooks/${encodeURIComponent(file)}?token=${server.settings.token}`,
      stop: () => server.stop(),
    };
  }
  const server = await serveLabPage({
    root: dir,
    jupyterPath: [installKernelspec()],
    port: 20000 + Math.floor(Math.random() * 20000),
    env: { JUPYTER_RUNTIME_DIR: mkdtempSync(path.join(os.tmpdir(), "jrt-")), THREADLAB_WORKER_MAX_OLD_MB: "256" },
    log: process.env.THREADLAB_SERVER_LOG ? (t) => process.stderr.write(t) : undefined,
  });
  return { notebookUrl: (file) => labPageUrl(server, file), stop: () => server.stop() };
}

/** A cell's state as the page shows it. */
export interface CellView {
  /** What the input prompt holds: "" (never run), "*" (queued or running) or the execution count. */
  prompt: string;
  /** The text of every output. */
  text: string;
  /** The text of stderr streams and errors (JupyterLab renders both the same way). */
  stderr: string;
  /** The source in the editor. */
  source: string;
}

/**
 * How a user works a notebook front end. Cell indexes count every cell (markdown too), from 0.
 * Each DOM query runs in the page; every wait is on something the page shows.
 */
export abstract class FrontEnd {
  constructor(readonly page: Page) {}
  abstract readonly kind: FrontEndKind;
  /** Navigates to the notebook and waits until its kernel is idle. */
  abstract open(url: string): Promise<void>;
  abstract kernelIdle(): Promise<boolean>;
  /** Every cell, in the page's order. */
  abstract cells(): Promise<CellView[]>;
  protected abstract cellPromptSelector: string;
  protected abstract editorSelector: string;
  /** A visible list of completions. */
  protected abstract completerSelector: string;
  protected abstract cellSelector: string;
  abstract runAll(): Promise<void>;
  abstract interrupt(): Promise<void>;
  /** Restart through the toolbar button and its confirmation dialog. */
  abstract restart(): Promise<void>;

  async cell(i: number): Promise<CellView> {
    const all = await this.cells();
    if (i >= all.length) throw new Error(`${this.kind}: no cell ${i} (the notebook has ${all.length})`);
    return all[i];
  }

  async waitForKernelIdle(timeoutMs = 60000): Promise<void> {
    await this.until(() => this.kernelIdle(), timeoutMs, "the kernel to be idle");
  }

  /** Polls `pred` (which reads the page) until it holds. */
  async until(pred: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await pred()) return;
      if (Date.now() > end) {
        // THREADLAB_BROWSER_SHOTS=DIR keeps a screenshot of the page at each timeout, for debugging.
        if (process.env.THREADLAB_BROWSER_SHOTS) {
          const shot = path.join(process.env.THREADLAB_BROWSER_SHOTS, `${this.kind}-${Date.now()}.png`) as `${string}.png`;
          await this.page.screenshot({ path: shot }).catch(() => undefined);
        }
        const cells = await this.cells().catch(() => []);
        throw new Error(
          `${this.kind}: timed out after ${timeoutMs / 1000} s waiting for ${what}; cells: ${JSON.stringify(cells, null, 1).slice(0, 4000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async waitForCell(i: number, pred: (c: CellView) => boolean, what: string, timeoutMs = 30000): Promise<CellView> {
    let last: CellView | undefined;
    await this.until(
      async () => {
        last = (await this.cells())[i];
        return !!last && pred(last);
      },
      timeoutMs,
      `cell ${i} ${what}`,
    );
    return last!;
  }

  protected async cellHandle(i: number): Promise<ElementHandle<Element>> {
    const all = await this.page.$$(this.cellSelector);
    if (!all[i]) throw new Error(`${this.kind}: no cell ${i} (the notebook has ${all.length})`);
    return all[i];
  }

  /** Clicks a cell's input prompt: the cell is selected, in command mode. */
  async select(i: number): Promise<void> {
    const cell = await this.cellHandle(i);
    await cell.evaluate((el) => el.scrollIntoView({ block: "center" }));
    const prompt = await cell.$(this.cellPromptSelector);
    if (!prompt) throw new Error(`${this.kind}: cell ${i} has no input prompt`);
    await prompt.click();
  }

  async press(key: "Enter" | "b", modifier?: "Shift" | "Control"): Promise<void> {
    if (modifier) await this.page.keyboard.down(modifier);
    await this.page.keyboard.press(key);
    if (modifier) await this.page.keyboard.up(modifier);
  }

  /**
   * Types `code` into a new code cell at the end of the notebook (or into the last cell, when it
   * is an empty one), as a user does: select the last cell, B (insert below), click into its
   * editor, then the text. Returns the cell's index.
   */
  async addCell(code: string): Promise<number> {
    let cells = await this.cells();
    const last = cells.length - 1;
    await this.select(last);
    if (cells[last].source.trim() !== "" || cells[last].prompt !== "" || cells[last].text !== "") {
      await this.press("b");
      await this.until(async () => (await this.cells()).length === cells.length + 1, 10000, "a new cell");
      cells = await this.cells();
    }
    const at = cells.length - 1;
    // Into the editor: a click there is edit mode in both front ends.
    const cell = await this.cellHandle(at);
    const editor = await cell.$(this.editorSelector);
    if (!editor) throw new Error(`${this.kind}: cell ${at} has no editor`);
    await editor.click();
    await this.until(
      () =>
        cell.evaluate(
          (el, sel) => !!document.activeElement && !!el.querySelector(sel)?.contains(document.activeElement),
          this.editorSelector,
        ),
      10000,
      `the editor of cell ${at} to have the focus`,
    );
    // Sent as text input, as a paste is: no auto-indent or bracket closing changes it.
    await this.page.keyboard.sendCharacter(code);
    await this.waitForCell(at, (c) => c.source.trim() === code.trim(), "to hold the typed code", 10000);
    return at;
  }

  /** Selects cell `i` and presses Shift+Enter `times` times (each runs a cell and moves to the next). */
  async run(i: number, times = 1): Promise<void> {
    await this.select(i);
    for (let k = 0; k < times; k++) await this.press("Enter", "Shift");
  }

  /**
   * Tab in the editor of cell `i`: completion from the kernel. A single match is inserted at once
   * (classic Notebook) or listed (JupyterLab): then Enter takes it, as a user does.
   */
  async complete(i: number): Promise<void> {
    const before = (await this.cell(i)).source;
    await this.page.keyboard.press("Tab");
    let listed = false;
    await this.until(
      async () => {
        listed = await this.page.evaluate((sel) => !!document.querySelector(sel), this.completerSelector);
        return listed || (await this.cell(i)).source !== before;
      },
      15000,
      "completions",
    );
    if (listed) await this.page.keyboard.press("Enter");
  }

  /** Ctrl+S. */
  async save(): Promise<void> {
    await this.select(0);
    await this.page.keyboard.down("Control");
    await this.page.keyboard.press("s");
    await this.page.keyboard.up("Control");
  }

  async screenshot(file: string, cellToShow: number): Promise<void> {
    const cell = await this.cellHandle(cellToShow);
    await cell.evaluate((el) => el.scrollIntoView({ block: "center" }));
    await new Promise((r) => setTimeout(r, 300));
    await this.page.screenshot({ path: file });
  }
}

const textOf = (el: Element | null | undefined) => (el ? (el as HTMLElement).innerText : "");

/** Classic Notebook 6.4 (its own server, CodeMirror 5, Bootstrap menus). */
export class ClassicNotebook extends FrontEnd {
  readonly kind = "notebook" as const;
  protected cellSelector = "#notebook-container > .cell";
  protected cellPromptSelector = ".input_prompt";
  protected editorSelector = ".CodeMirror";
  protected completerSelector = ".completions select";

  async open(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: "load" });
    await this.page.waitForSelector(this.cellSelector, { timeout: 30000 });
    await this.waitForKernelIdle();
  }

  async kernelIdle(): Promise<boolean> {
    return this.page.evaluate(() => !!document.querySelector("#kernel_indicator_icon.kernel_idle_icon"));
  }

  async cells(): Promise<CellView[]> {
    return this.page.$$eval(this.cellSelector, (els) =>
      els.map((el) => {
        const t = (e: Element | null) => (e ? (e as HTMLElement).innerText : "");
        const prompt = /\[(.*?)\]/.exec(t(el.querySelector(".input_prompt")))?.[1] ?? "";
        const outputs = [...el.querySelectorAll(".output_area .output_subarea")];
        return {
          prompt: prompt.replace(/\u00a0/g, "").trim(),
          text: outputs.map(t).join(""),
          stderr: outputs
            .filter((o) => o.matches(".output_stderr, .output_error"))
            .map(t)
            .join(""),
          source: [...el.querySelectorAll(".CodeMirror-code .CodeMirror-line")]
            .map(t)
            .join("\n")
            .replace(/\u200b/g, ""),
        };
      }),
    );
  }

  async runAll(): Promise<void> {
    await this.page.click("#celllink");
    await this.page.waitForSelector("#run_all_cells > a", { visible: true });
    await this.page.click("#run_all_cells > a");
  }

  async interrupt(): Promise<void> {
    await this.page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
  }

  async restart(): Promise<void> {
    await this.page.click('button[data-jupyter-action="jupyter-notebook:confirm-restart-kernel"]');
    const confirm = await this.page.waitForSelector(".modal-dialog .modal-footer button.btn-danger", { visible: true });
    if (!confirm || !/restart/i.test(await confirm.evaluate(textOf)))
      throw new Error("notebook: no Restart button in the restart dialog");
    await confirm.click();
    // The dialog is removed when it has closed; its closing puts the notebook in command mode.
    await this.page.waitForFunction(() => document.querySelectorAll(".modal, .modal-backdrop").length === 0, { timeout: 10000 });
  }
}

/** The project's JupyterLab notebook page (kernel/lab/): NotebookPanel, its toolbar, menus and shortcuts. */
export class JupyterLabPage extends FrontEnd {
  readonly kind = "jupyterlab" as const;
  protected cellSelector = ".jp-Notebook .jp-Cell";
  protected cellPromptSelector = ".jp-InputPrompt";
  protected editorSelector = ".cm-editor";
  protected completerSelector = ".jp-Completer:not(.lm-mod-hidden) .jp-Completer-item";

  async open(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: "load" });
    await this.page.waitForFunction(() => document.body.dataset.pageState !== "loading", { timeout: 30000 });
    const state = await this.page.evaluate(() => [
      document.body.dataset.pageState,
      document.getElementById("tl-error")?.textContent ?? "",
    ]);
    if (state[0] !== "ready") throw new Error(`jupyterlab: the page did not load: ${state[1]}`);
    await this.page.waitForSelector(this.cellSelector, { timeout: 30000 });
    await this.waitForKernelIdle();
  }

  async kernelIdle(): Promise<boolean> {
    // The kernel's status is the toolbar's execution indicator's, and the body's data-kernel-status.
    return this.page.evaluate(() => document.body.dataset.kernelStatus === "idle");
  }

  async cells(): Promise<CellView[]> {
    return this.page.$$eval(this.cellSelector, (els) =>
      els.map((el) => {
        const t = (e: Element | null) => (e ? (e as HTMLElement).innerText : "");
        const prompt = /\[(.*?)\]/.exec(t(el.querySelector(".jp-InputPrompt")))?.[1] ?? "";
        const outputs = [...el.querySelectorAll(".jp-OutputArea-output")];
        const stderr = outputs.filter((o) => o.getAttribute("data-mime-type") === "application/vnd.jupyter.stderr");
        return {
          prompt: prompt.trim(),
          text: outputs.map(t).join(""),
          stderr: stderr.map(t).join(""),
          source: [...el.querySelectorAll(".cm-content .cm-line")]
            .map(t)
            .join("\n")
            .replace(/\u200b/g, ""),
        };
      }),
    );
  }

  /** Run → Run All Cells, from the menu bar. */
  async runAll(): Promise<void> {
    await this.page.click("#tl-menubar .lm-MenuBar-item:nth-child(3)");
    const item = await this.page.waitForSelector('.lm-Menu [data-command="notebook:run-all-cells"]', { visible: true });
    await item!.click();
  }

  async interrupt(): Promise<void> {
    await this.page.click('.jp-Toolbar [data-command="notebook:interrupt-kernel"]');
  }

  async restart(): Promise<void> {
    await this.page.click('.jp-Toolbar [data-command="notebook:restart-kernel"]');
    const accept = await this.page.waitForSelector(".jp-Dialog .jp-Dialog-button.jp-mod-accept", { visible: true });
    if (!/restart/i.test(await accept!.evaluate(textOf))) throw new Error("jupyterlab: no Restart button in the restart dialog");
    await accept!.click();
    await this.page.waitForSelector(".jp-Dialog", { hidden: true });
  }
}

export function frontEnd(kind: FrontEndKind, page: Page): FrontEnd {
  return kind === "notebook" ? new ClassicNotebook(page) : new JupyterLabPage(page);
}

/** The version of jupyter_server or Notebook in use, for the test's log. */
export function frontEndVersion(kind: FrontEndKind): string {
  if (kind === "jupyterlab") return `jupyter_server ${jupyterServerVersion() ?? "?"}`;
  const r = spawnSync(JUPYTER, ["--version"], { encoding: "utf8" });
  return `notebook ${r.stdout.trim()}`;
}
