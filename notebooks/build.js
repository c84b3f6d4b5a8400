#!/usr/bin/env node
/**
 * Writes the lesson notebooks from notebooks/lessons.js and runs each one
 * top to bottom through the threadlab kernel (with nbclient), saving
 * the outputs it produces. Usage: node notebooks/build.js [--no-run]
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");
const lessons = require("./lessons");

const ROOT = path.join(__dirname, "..");
const lines = (text) => text.split("\n").map((l, i, all) => (i < all.length - 1 ? l + "\n" : l));
let counter = 0;
const id = (file) => `${path.basename(file, ".ipynb")}-${++counter}`;

function notebook(lesson) {
  counter = 0;
  const cells = [
    { cell_type: "markdown", id: id(lesson.file), metadata: {}, source: lines(`# ${lesson.title}\n\n${lesson.intro}`) },
  ];
  for (const step of lesson.steps) {
    const text = `${step.note ? step.note + "\n\n" : ""}**Python**\n\n\`\`\`python\n${step.python}\n\`\`\``;
    cells.push({ cell_type: "markdown", id: id(lesson.file), metadata: {}, source: lines(text) });
    cells.push({
      cell_type: "code",
      id: id(lesson.file),
      metadata: {},
      execution_count: null,
      outputs: [],
      source: lines(step.ts),
    });
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

function kernelspecPath() {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-kernelspec-"));
  const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "install", "--prefix", prefix], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return path.join(prefix, "share", "jupyter");
}

const RUN = `
import sys, nbformat, nbclient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
client = nbclient.NotebookClient(nb, kernel_name="threadlab", timeout=300, resources={"metadata": {"path": sys.argv[2]}})
try:
    client.execute()
finally:
    nbformat.write(nb, path)
`;

/** Runs \`file\` in place through the kernel (nbclient); returns its exit status. */
function execute(file, jupyterPath) {
  const r = spawnSync("/usr/bin/python3", ["-c", RUN, file, path.dirname(file)], {
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
  let failed = 0;
  for (const lesson of lessons) {
    const file = path.join(__dirname, lesson.file);
    fs.writeFileSync(file, JSON.stringify(notebook(lesson), null, 1) + "\n");
    if (run) {
      const status = execute(file, jupyterPath);
      process.stdout.write(`${lesson.file}: ${status === 0 ? "ran" : "FAILED"}\n`);
      if (status !== 0) failed++;
    } else process.stdout.write(`${lesson.file}: written\n`);
  }
  process.exitCode = failed ? 1 : 0;
}

module.exports = { notebook, kernelspecPath, execute };
