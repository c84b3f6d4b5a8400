/**
 * Runs a small script in a child process and returns what it printed. Scripts
 * are written inside the package (test/.tmp), so `require("threadlab")`
 * resolves to the built package by self-reference, as it would for a user.
 */
import { spawn } from "child_process";
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Each stdout chunk with the time (ms since start) it arrived. */
  chunks: Array<{ at: number; text: string }>;
}

const TMP = path.join(__dirname, "..", ".tmp");
// Jest runs every test file in one process, each with its own copy of this module: the tag keeps one
// file's scripts apart from another's (an import of "./script-…" must not find another test's script).
const TAG = Math.random().toString(36).slice(2, 8);
let n = 0;

export function writeScript(source: string, ext = ".js"): string {
  mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, `script-${process.pid}-${TAG}-${++n}${ext}`);
  writeFileSync(file, source);
  return file;
}

export function runFile(
  file: string,
  options: { env?: Record<string, string>; timeoutMs?: number; nodeArgs?: string[]; runner?: string[] } = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // A runner (e.g. ["taskset", "-c", "0"]) runs node for the script.
    const [cmd, ...args] = [...(options.runner ?? []), process.execPath, ...(options.nodeArgs ?? []), file];
    const child = spawn(cmd, args, {
      cwd: path.join(__dirname, "..", ".."),
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: ScriptResult["chunks"] = [];
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      chunks.push({ at: Date.now() - started, text: d.toString() });
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`script ${file} did not finish in ${options.timeoutMs ?? 30000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, options.timeoutMs ?? 30000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, chunks });
    });
  });
}

/** Writes `source` (CommonJS JavaScript unless `ext` says otherwise) and runs it. */
export function runScript(
  source: string,
  options: { env?: Record<string, string>; timeoutMs?: number; ext?: string; nodeArgs?: string[]; runner?: string[] } = {},
): Promise<ScriptResult> {
  const ts = options.ext === ".ts" ? ["-r", "ts-node/register/transpile-only"] : [];
  return runFile(writeScript(source, options.ext), { ...options, nodeArgs: [...ts, ...(options.nodeArgs ?? [])] });
}
