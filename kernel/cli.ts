#!/usr/bin/env node
/**
 * The `threadlab` command.
 *
 *   threadlab start                     the lessons in JupyterLab's notebook (or Notebook; without Jupyter, through the kernel here)
 *   threadlab examples                  run the tutorial's example scripts in this terminal
 *   threadlab run FILE.ts               run a script (TypeScript through ts-node, or JavaScript)
 *   threadlab install [--user | --sys-prefix | --prefix DIR]   write the Jupyter kernelspec
 *   threadlab kernel -f CONNECTION_FILE  the kernel itself (what kernel.json runs)
 */
import { spawnSync } from "child_process";
import { existsSync, readdirSync } from "fs";
import { createRequire } from "module";
import * as path from "path";
import { PACKAGE_ROOT as ROOT } from "../src/host";
import { foundAbove } from "./modules";

const EXAMPLES = path.join(ROOT, "examples");

function usage(code: number): never {
  (code === 0 ? process.stdout : process.stderr).write(
    [
      "usage: threadlab <command>",
      "",
      "commands:",
      "  start          open the lessons (notebooks/) in JupyterLab's notebook with the threadlab kernel, printing",
      "                 the URL (JupyterLab if installed, else its notebook page on jupyter_server, else Notebook);",
      "                 without Jupyter, run them here through the kernel, cell by cell",
      "  examples       run the tutorial's examples (examples/*.ts) as scripts in this terminal",
      "  run FILE       run a threadlab script (.ts through ts-node, .js/.mjs with node)",
      "  install [--user | --sys-prefix | --prefix DIR]",
      "                 write the Jupyter kernelspec 'threadlab' (no Python needed)",
      "  kernel -f CONNECTION_FILE",
      "                 run the kernel (Jupyter does this, from kernel.json)",
      "  help           show this help",
      "",
    ].join("\n"),
  );
  process.exit(code);
}

/** ts-node's register hook: the project's own, else the one installed beside threadlab. */
function tsNodeHook(from: string): string {
  for (const base of [from, ROOT]) {
    try {
      return createRequire(path.join(base, "noop.js")).resolve("ts-node/register/transpile-only");
    } catch {
      /* try the next place */
    }
  }
  throw new Error("running a .ts file needs ts-node: npm install --save-dev ts-node typescript");
}

/** Runs one script in a child process with the terminal as its stdout/stderr; returns its exit code. */
function runScript(file: string, cwd: string): number {
  // threadlab is found from any folder (find-threadlab.ts), as in a notebook.
  const find = ["-r", path.join(__dirname, "find-threadlab.js")];
  const args = /\.[cm]?tsx?$/.test(file) ? [...find, "-r", tsNodeHook(cwd), file] : [...find, file];
  const env = { ...process.env };
  // A script with no tsconfig.json above it: ts-node's defaults for this Node (module NodeNext with
  // an older moduleResolution) fail with TS5109; compile it as CommonJS, as a notebook's cells are.
  if (!foundAbove(path.dirname(file), "tsconfig.json") && env.TS_NODE_COMPILER_OPTIONS === undefined) {
    env.TS_NODE_COMPILER_OPTIONS = JSON.stringify({ module: "commonjs", moduleResolution: "node", esModuleInterop: true });
  }
  const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd, env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function examples(): number {
  if (!existsSync(EXAMPLES)) {
    process.stderr.write(`threadlab examples: no examples folder at ${EXAMPLES}\n`);
    return 1;
  }
  const files = readdirSync(EXAMPLES)
    .filter((f) => /^\d\d-.*\.ts$/.test(f))
    .sort();
  let failed = 0;
  for (const f of files) {
    const title = f
      .replace(/^\d\d-/, "")
      .replace(/\.ts$/, "")
      .replace(/-/g, " ");
    process.stdout.write(`\n━━ ${f} — ${title} ━━\n`);
    const t0 = Date.now();
    const code = runScript(path.join(EXAMPLES, f), ROOT);
    process.stdout.write(`── exit ${code} in ${((Date.now() - t0) / 1000).toFixed(2)} s\n`);
    if (code !== 0) failed++;
  }
  process.stdout.write(
    `\n${files.length - failed} of ${files.length} examples ran cleanly. ` +
      `Their sources are in examples/; run one with: npx threadlab run examples/01-basics.ts\n`,
  );
  return failed === 0 ? 0 : 1;
}

const NOTEBOOKS = path.join(ROOT, "notebooks");

/**
 * The main job: the lessons in a browser where Jupyter is installed (JupyterLab; else the
 * project's JupyterLab notebook page on Debian's jupyter_server; else the classic Notebook: see
 * kernel/lab-server.ts); otherwise the lessons run here, through the kernel, cell by cell.
 */
async function start(): Promise<number> {
  const { openLessons } = require("./lab-server") as typeof import("./lab-server");
  const code = await openLessons(NOTEBOOKS, path.join(ROOT, ".jupyter-env"));
  if (code !== undefined) return code;
  const lessons = readdirSync(NOTEBOOKS)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort();
  process.stdout.write("Jupyter is not installed: running the lessons here, through the threadlab kernel.\n");
  const { runNotebooks } = require("./run-notebooks") as typeof import("./run-notebooks");
  const failed = await runNotebooks(
    lessons.map((f) => path.join(NOTEBOOKS, f)),
    NOTEBOOKS,
  );
  process.stdout.write(
    `\n${failed ? `${failed} cell(s) failed.` : "All lessons ran."} For the browser UI, install Jupyter ` +
      "(Debian: apt-get install python3-jupyter-server, or jupyter-notebook; or pip install jupyterlab) and run npm start again.\n",
  );
  return failed ? 1 : 0;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      void start().then((code) => (process.exitCode = code));
      return -1;
    case "examples":
      return examples();
    case "run":
      if (rest.length !== 1) usage(2);
      if (!existsSync(rest[0])) {
        process.stderr.write(`threadlab run: no such file: ${rest[0]}\n`);
        return 2;
      }
      return runScript(path.resolve(rest[0]), process.cwd());
    case "install": {
      const o: { user?: boolean; sysPrefix?: boolean; prefix?: string } = {};
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--user") o.user = true;
        else if (rest[i] === "--sys-prefix") o.sysPrefix = true;
        else if (rest[i] === "--prefix" && rest[i + 1]) o.prefix = rest[++i];
        else if (rest[i].startsWith("--prefix=")) o.prefix = rest[i].slice("--prefix=".length);
        else {
          process.stderr.write(
            `threadlab install: unexpected argument '${rest[i]}' (expected --user, --sys-prefix or --prefix DIR)\n`,
          );
          return 2;
        }
      }

      const dir = (require("./install") as typeof import("./install")).install(o);
      process.stdout.write(`Installed the kernelspec threadlab ("TypeScript (threadlab)") in ${dir}\n`);
      return 0;
    }
    case "kernel": {
      const at = rest.findIndex((a) => a === "-f" || a === "--connection-file");
      const file = at >= 0 ? rest[at + 1] : rest.find((a) => a.startsWith("--connection-file="))?.split("=")[1];
      if (!file) {
        process.stderr.write("threadlab kernel: expected -f CONNECTION_FILE\n");
        return 2;
      }
      // The kernel gives the pool its output hub before the first worker starts.
      process.env.THREADLAB_LAZY_POOL = "1";

      (require("./kernel") as typeof import("./kernel")).startKernel(file);
      return -1; // keeps running
    }
    case "help":
    case "--help":
    case "-h":
      return usage(0);
    default:
      process.stderr.write(command ? `threadlab: unknown command '${command}'\n` : "threadlab: a command is needed\n");
      return usage(2);
  }
}

const code = main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
