#!/usr/bin/env node
/**
 * Writes the lesson notebooks from notebooks/lessons.js and runs each one
 * top to bottom through the threadlab kernel (with nbclient), saving the
 * outputs it produces. Where /usr/bin/python3 is present, each program marked
 * `cpython: true` is also run by CPython (its steps' Python, as one program),
 * and what CPython printed is saved after the program's last cell, so that a
 * reader sees both.
 *
 * Usage: node notebooks/build.js [--no-run] [NN-topic.ipynb...]
 *   --no-run: write the notebooks, do not run the kernel; file names: build only those lessons
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");
const lessons = require("./lessons");

const ROOT = path.join(__dirname, "..");
const PYTHON = "/usr/bin/python3";
const lines = (text) => text.split("\n").map((l, i, all) => (i < all.length - 1 ? l + "\n" : l));
const programs = (lesson) => lesson.parts.filter((p) => p.program);

/** The Python program a part's steps make up (the `end` steps only stand for its end). */
function pythonProgram(part) {
  return (
    part.steps
      .filter((s) => !s.end)
      .map((s) => s.python)
      .join("\n\n\n") + "\n"
  );
}

/** The CPython version and a function that runs a program with it, or undefined without python3. */
function cpython() {
  if (!fs.existsSync(PYTHON)) return undefined;
  const v = spawnSync(PYTHON, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" });
  if (v.status !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-cpython-"));
  return {
    version: v.stdout.trim(),
    run(name, source) {
      const file = path.join(dir, `${name}.py`);
      fs.writeFileSync(file, source);
      const r = spawnSync(PYTHON, [file], { cwd: dir, encoding: "utf8", timeout: 120000 });
      if (r.status !== 0 || r.stderr)
        throw new Error(`CPython failed on ${name} (status ${r.status}, ${r.signal ?? "no signal"}):\n${r.stdout}${r.stderr}`);
      return r.stdout;
    },
  };
}

/**
 * The notebook for `lesson`. `python` (from cpython()) adds, after each
 * `cpython: true` program, a markdown cell with what CPython printed for it.
 */
function notebook(lesson, python) {
  let counter = 0;
  const id = () => `${path.basename(lesson.file, ".ipynb")}-${++counter}`;
  const markdown = (text, metadata = {}) => ({ cell_type: "markdown", id: id(), metadata, source: lines(text) });
  const cells = [markdown(`# ${lesson.title}\n\n${lesson.intro}`)];
  for (const part of lesson.parts) {
    if (!part.program) {
      cells.push(markdown(part.text));
      continue;
    }
    part.steps.forEach((step, i) => {
      const from = i === 0 && part.tutorial ? ` (the tutorial's program, \`restored/${part.tutorial}\`)` : "";
      cells.push(markdown(`${step.note ? step.note + "\n\n" : ""}**Python**${from}\n\n\`\`\`python\n${step.python}\n\`\`\``));
      cells.push({
        cell_type: "code",
        id: id(),
        metadata: { threadlab: { program: part.program } },
        execution_count: null,
        outputs: [],
        source: lines(step.ts),
      });
    });
    if (part.cpython && python) {
      const printed = python.run(part.program, pythonProgram(part));
      const what = part.tutorial ? `the Python cells above as one program, \`restored/${part.tutorial}\`` : "the Python above";
      // Markdown cells have no outputs to collapse (nbformat 4.5 gives them only jupyter.source_hidden):
      // the cell is left shown, so that CPython's output is in view beside the TypeScript cell's.
      cells.push(
        markdown(`**CPython ${python.version} prints** (${what}):\n\n\`\`\`text\n${printed.replace(/\n$/, "")}\n\`\`\``, {
          jupyter: { source_hidden: false },
          tags: ["cpython-output"],
          threadlab: { program: part.program, cpython: python.version },
        }),
      );
    }
    if (part.after) cells.push(markdown(part.after));
  }
  return {
    cells,
    metadata: {
      kernelspec: { name: "threadlab", display_name: "TypeScript (threadlab)", language: "typescript" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Installs the threadlab kernelspec into a temporary prefix; returns the JUPYTER_PATH to use it. */
function kernelspecPath() {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-kernelspec-"));
  const cli = path.join(ROOT, require("../package.json").bin.threadlab);
  const r = spawnSync(process.execPath, [cli, "install", "--prefix", prefix], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return path.join(prefix, "share", "jupyter");
}

// nbclient, except that output which reaches the kernel's client after its cell has finished (a
// thread still running when the cell that started it ends, as after \`t.start()\` in its own cell) is
// kept in that cell, where the kernel sends it, instead of being dropped.
const RUN = `
import sys, nbformat, nbclient
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async

class Client(nbclient.NotebookClient):
    cells_by_msg = {}

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self.cells_by_msg[parent_msg_id] = (cell, cell_index)
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            parent = msg["parent_header"].get("msg_id")
            if parent == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return
            elif parent in self.cells_by_msg and msg["msg_type"] in ("stream", "display_data"):
                self.process_message(msg, *self.cells_by_msg[parent])

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
client = Client(nb, kernel_name="threadlab", timeout=300, resources={"metadata": {"path": sys.argv[2]}})
try:
    client.execute()
finally:
    nbformat.write(nb, path)
`;

/** Runs `file` in place through the kernel (nbclient); returns its exit status. */
function execute(file, jupyterPath) {
  const r = spawnSync(PYTHON, ["-c", RUN, file, path.dirname(file)], {
    cwd: path.dirname(file),
    env: { ...process.env, JUPYTER_PATH: jupyterPath },
    encoding: "utf8",
  });
  if (r.status !== 0) process.stderr.write(r.stdout + r.stderr);
  return r.status;
}

if (require.main === module) {
  const run = !process.argv.includes("--no-run");
  const jupyterPath = run ? kernelspecPath() : "";
  const python = cpython();
  if (!python) process.stdout.write(`${PYTHON} is missing: the notebooks are written without CPython's output\n`);
  // Lessons that were renamed or removed leave no stale notebook behind.
  const keep = new Set(lessons.map((l) => l.file));
  for (const f of fs.readdirSync(__dirname)) {
    if (/^\d\d-.*\.ipynb$/.test(f) && !keep.has(f)) fs.rmSync(path.join(__dirname, f));
  }
  let failed = 0;
  const only = process.argv.slice(2).filter((a) => a.endsWith(".ipynb"));
  for (const lesson of lessons.filter((l) => only.length === 0 || only.includes(l.file))) {
    const file = path.join(__dirname, lesson.file);
    fs.writeFileSync(file, JSON.stringify(notebook(lesson, python), null, 1) + "\n");
    if (run) {
      const status = execute(file, jupyterPath);
      process.stdout.write(`${lesson.file}: ${status === 0 ? "ran" : "FAILED"}\n`);
      if (status !== 0) failed++;
    } else process.stdout.write(`${lesson.file}: written\n`);
  }
  process.exitCode = failed ? 1 : 0;
}

module.exports = { notebook, pythonProgram, programs, cpython, kernelspecPath, execute, PYTHON };
