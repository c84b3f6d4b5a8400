/**
 * The lessons in a browser: which Jupyter front end `threadlab start` opens, and serving the
 * project's own JupyterLab notebook page (kernel/lab/, built into dist/lab/) with Debian's
 * jupyter_server where the full JupyterLab is not installed.
 *
 * In order of preference:
 *   1. JupyterLab (`jupyter-lab`), where it is installed;
 *   2. the project's JupyterLab notebook page, served as static files by jupyter_server
 *      (`python3 -m jupyter_server --ServerApp.extra_static_paths=dist/lab
 *      --ServerApp.default_url=/static/index.html`): JupyterLab's NotebookPanel, toolbar,
 *      shortcuts and output rendering, without the rest of JupyterLab;
 *   3. the classic Notebook (`jupyter-notebook`);
 *   4. none: the caller runs the lessons in the terminal.
 * The kernelspec is written into a folder of the project first, and the server is told about it
 * through JUPYTER_PATH.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import { existsSync } from "fs";
import * as path from "path";
import { PACKAGE_ROOT as ROOT } from "../src/host";

/** Where `npm run build:lab` (and so `npm install`) puts the page. */
export const LAB_PAGE_DIR = path.join(ROOT, "dist", "lab");
/** The page's address below the server's base URL: jupyter_server serves extra static paths under static/. */
export const LAB_PAGE_PATH = "static/index.html";

const PYTHON = process.env.THREADLAB_PYTHON ?? "/usr/bin/python3";
const JUPYTER_LAB = ["/usr/bin/jupyter-lab", "/usr/local/bin/jupyter-lab"];
const JUPYTER_NOTEBOOK = ["/usr/bin/jupyter-notebook", "/usr/local/bin/jupyter-notebook"];

/** jupyter_server's version as `python3` imports it, or undefined when it cannot. */
export function jupyterServerVersion(python = PYTHON): string | undefined {
  if (!existsSync(python)) return undefined;
  const r = spawnSync(python, ["-c", "import jupyter_server; print(jupyter_server.__version__)"], {
    encoding: "utf8",
    timeout: 30000,
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Why the page cannot be served as built, or undefined when it can. */
export function labPageMissing(): string | undefined {
  for (const f of ["index.html", "threadlab-lab.js"]) {
    if (!existsSync(path.join(LAB_PAGE_DIR, f)))
      return `the JupyterLab page is not built (${path.join(LAB_PAGE_DIR, f)} is missing): run npm run build:lab`;
  }
  return undefined;
}

export interface LabServerOptions {
  /** The folder the server serves (its contents API root). */
  root: string;
  /** JUPYTER_PATH entries to put first (where the threadlab kernelspec was installed). */
  jupyterPath?: string[];
  /** Default: 8888, or the next free one. */
  port?: number;
  /** Default: a fresh random token. */
  token?: string;
  /** Extra environment for the server (and so for the kernels it starts). */
  env?: NodeJS.ProcessEnv;
  /** Receives everything the server prints. */
  log?: (text: string) => void;
  python?: string;
  timeoutMs?: number;
}

export interface LabServer {
  /** The page's URL with the token: open it in a browser. */
  url: string;
  /** The server's base URL (http://127.0.0.1:PORT/). */
  baseUrl: string;
  token: string;
  child: ChildProcess;
  /** Stops the server (and its kernels) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The page's URL for a notebook (or, without one, for the list of notebooks). */
export function labPageUrl(server: Pick<LabServer, "baseUrl" | "token">, notebook?: string): string {
  const q = new URLSearchParams({ token: server.token });
  if (notebook) q.set("path", notebook);
  return `${server.baseUrl}${LAB_PAGE_PATH}?${q.toString()}`;
}

/** Starts jupyter_server serving `root`, with the JupyterLab page as its default URL. */
export async function serveLabPage(o: LabServerOptions): Promise<LabServer> {
  const python = o.python ?? PYTHON;
  const missing = labPageMissing();
  if (missing) throw new Error(`cannot serve the JupyterLab page: ${missing}`);
  if (!existsSync(o.root)) throw new Error(`cannot serve the JupyterLab page: no such folder ${o.root}`);
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port > 0 && o.port < 65536)) {
    throw new Error(`serveLabPage: port must be an integer from 1 to 65535, got ${String(o.port)}`);
  }
  const token = o.token ?? randomBytes(24).toString("hex");
  if (!/^[\w-]+$/.test(token))
    throw new Error(`serveLabPage: the token may hold letters, digits, '_' and '-' only, got '${token}'`);
  const args = [
    "-m",
    "jupyter_server",
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${o.port ?? 8888}`,
    "--ServerApp.port_retries=50",
    `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${path.resolve(o.root)}`,
    `--ServerApp.extra_static_paths=${LAB_PAGE_DIR}`,
    `--ServerApp.default_url=/${LAB_PAGE_PATH}`,
  ];
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
  const jupyterPath = [...(o.jupyterPath ?? []), ...(process.env.JUPYTER_PATH ? [process.env.JUPYTER_PATH] : [])].join(
    path.delimiter,
  );
  const child = spawn(python, args, {
    env: { ...process.env, ...o.env, ...(jupyterPath ? { JUPYTER_PATH: jupyterPath } : {}) },
    // Without a terminal on its stdin, Ctrl-C stops the server at once (no "Shutdown? (y/[n])").
    stdio: ["ignore", "pipe", "pipe"],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`jupyter_server did not say where it listens within ${(o.timeoutMs ?? 60000) / 1000} s:\n${out}`));
    }, o.timeoutMs ?? 60000);
    const onData = (d: Buffer) => {
      const text = d.toString();
      o.log?.(text);
      out += text;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)\S*/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeListener("exit", onExit);
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`jupyter_server exited (${signal ?? code}) before serving:\n${out}`));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${python}: ${e.message}`));
    });
    child.once("exit", onExit);
  });
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once("exit", () => (exited = true));
  return {
    url: labPageUrl({ baseUrl, token }),
    baseUrl,
    token,
    child,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Which front end `threadlab start` would open here. */
export type FrontEnd =
  { kind: "jupyterlab"; bin: string } | { kind: "lab-page"; python: string; version: string } | { kind: "notebook"; bin: string };

export function chooseFrontEnd(notes: string[] = []): FrontEnd | undefined {
  const lab = JUPYTER_LAB.find((p) => existsSync(p));
  if (lab) return { kind: "jupyterlab", bin: lab };
  const version = jupyterServerVersion();
  if (version) {
    const missing = labPageMissing();
    if (!missing) return { kind: "lab-page", python: PYTHON, version };
    notes.push(`jupyter_server ${version} is installed but ${missing}.`);
  }
  const notebook = JUPYTER_NOTEBOOK.find((p) => existsSync(p));
  if (notebook) return { kind: "notebook", bin: notebook };
  return undefined;
}

/**
 * `threadlab start`: opens `notebooksDir` in the best front end there is (the kernelspec written
 * into `prefix` first) and runs until the server stops; resolves with its exit code, or with
 * undefined when no Jupyter is installed (the caller then runs the lessons in the terminal).
 */
export async function openLessons(notebooksDir: string, prefix: string): Promise<number | undefined> {
  const notes: string[] = [];
  const ui = chooseFrontEnd(notes);
  for (const n of notes) process.stdout.write(`${n}\n`);
  if (!ui) return undefined;

  const { install } = require("./install") as typeof import("./install");
  install({ prefix });
  const jupyterPath = path.join(prefix, "share", "jupyter");
  const announce = (url: string, what: string) =>
    process.stdout.write(`\n  Open the lessons: ${url}\n  (${what}; Ctrl-C stops the server.)\n\n`);

  if (ui.kind === "lab-page") {
    process.stdout.write(
      `Kernel "TypeScript (threadlab)" registered in ${prefix}; serving the JupyterLab notebook page with jupyter_server ${ui.version} on notebooks/ ...\n`,
    );
    const server = await serveLabPage({ root: notebooksDir, jupyterPath: [jupyterPath], log: (t) => process.stderr.write(t) });
    announce(server.url, "JupyterLab's notebook, served by jupyter_server");
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void server.stop());
    if (server.child.exitCode !== null) return server.child.exitCode;
    return new Promise((resolve) => server.child.on("exit", (code) => resolve(code ?? 0)));
  }

  // JupyterLab or the classic Notebook: their own server, on the folder.
  const args = ["--no-browser", `--notebook-dir=${notebooksDir}`];
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
  process.stdout.write(
    `Kernel "TypeScript (threadlab)" registered in ${prefix}; starting ${path.basename(ui.bin)} on notebooks/ ...\n`,
  );
  const child = spawn(ui.bin, args, {
    env: { ...process.env, JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) },
    stdio: ["inherit", "pipe", "pipe"],
  });
  let shown = false;
  const relay = (out: NodeJS.WriteStream) => (d: Buffer) => {
    out.write(d);
    const m = /(http:\/\/(?:localhost|127\.0\.0\.1):\d+\/\S*\?token=\w+)/.exec(d.toString());
    if (m && !shown) {
      shown = true;
      announce(m[1], ui.kind === "jupyterlab" ? "JupyterLab" : "the classic Notebook");
    }
  };
  // Stopping this command stops the server too.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
  child.stdout.on("data", relay(process.stdout));
  child.stderr.on("data", relay(process.stderr));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 0)));
}
