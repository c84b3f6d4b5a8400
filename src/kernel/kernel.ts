/**
 * The threadlab kernel's main thread: runs cells (compiled by tslab's
 * converter), and connects the library to the notebook. The sockets belong
 * to the I/O thread (hub.ts); this thread never touches them.
 *
 * - A thread's output sink is the cell running when it starts.
 * - Threads see the notebook's top-level names (tslab keeps them in
 *   `__tslab__.exports`; later cells refer to them as `exports.NAME`).
 * - An interrupt ends a main-thread wait with KeyboardInterrupt.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { inspect } from "util";
import * as vm from "vm";
import { MessageChannel, Worker, type MessagePort } from "worker_threads";
import { KeyboardInterrupt } from "../errors";
import { isInternalFrame } from "../paths";
import { addMainWaitHook } from "../sync/wait";
import { setSinkChooser } from "../output/sink";
import { setMainPrint } from "../output/print";
import { cellSink } from "../output/cell-sink";
import { addResolver } from "../transport/resolve";
import { parseImports, type ImportedName } from "../transport/imports";
import { setOutputRing, warm } from "../worker/pool";
import { createRing, OutputRing } from "../output/ring";
import { cellRequire, forwardThreadlabTypes } from "./modules";
import type { FromMain, ToMain } from "./messages";
import type { ConnectionInfo, Header, Message } from "./wire";

interface Converted {
  output?: string;
  declOutput?: string;
  diagnostics: Array<{ start: { line: number; character: number }; messageText: string; code: number }>;
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
}
interface Converter {
  convert(prevDecl: string, src: string): Converted;
  inspect(prevDecl: string, src: string, position: number): unknown;
  complete(prevDecl: string, src: string, position: number): { start: number; end: number; candidates: string[] };
  close(): void;
}

const cwd = process.cwd();
let hub: MessagePort;
let ring: OutputRing;
let cell = 0; // id of the cell running now, or of the last one
let count = 0; // execution_count
let prevDecl = "";
let converter: Converter | undefined;
const interrupt = new Int32Array(new SharedArrayBuffer(4));
const cellImports = new Map<string, ImportedName>();

function send(msg: FromMain): void {
  hub.postMessage(msg);
}

// ---- the notebook's names, for threads ---------------------------------------------------

interface TslabGlobal {
  __tslab__: { exports: Record<string, unknown>; require: NodeJS.Require };
}
const tslab = globalThis as unknown as TslabGlobal;

addResolver((name) => {
  const exports = tslab.__tslab__?.exports;
  if (!exports) return undefined;
  if (name === "exports") {
    return { members: (prop) => (prop in exports ? { value: exports[prop] } : undefined) };
  }
  if (Object.prototype.hasOwnProperty.call(exports, name)) return { value: exports[name] };
  const imported = cellImports.get(name);
  if (imported) return { binding: { kind: "module", name, request: imported.request, prop: imported.prop, interop: imported.interop } };
  return undefined;
});

// ---- running a cell -------------------------------------------------------------------------

interface Outcome {
  ok: boolean;
  value?: unknown;
  hasValue?: boolean;
  error?: { ename: string; evalue: string; traceback: string[] };
}

function errorOf(err: unknown): Outcome["error"] {
  if (err instanceof Error) {
    let ename = err.name;
    let evalue = err.message;
    if (/Script execution was interrupted by `SIGINT`/.test(err.message)) {
      ename = "KeyboardInterrupt";
      evalue = "";
    }
    const stack = (err.stack ?? `${ename}: ${evalue}`).split("\n").filter((l) => !isInternalFrame(l) && !/node:vm|runInThisContext/.test(l));
    if (ename === "KeyboardInterrupt") stack.splice(0, 1, "KeyboardInterrupt");
    return { ename, evalue, traceback: stack };
  }
  return { ename: typeof err, evalue: String(err), traceback: [`Uncaught ${inspect(err)}`] };
}

async function run(code: string): Promise<Outcome> {
  converter ??= loadConverter();
  const converted = converter.convert(prevDecl, code);
  if (converted.diagnostics.length > 0) {
    const lines = converted.diagnostics.map((d) => `${d.start.line + 1}:${d.start.character + 1} - ${d.messageText}`);
    return { ok: false, error: { ename: "TypeScriptError", evalue: lines[0], traceback: ["TypeScriptError: the cell does not compile", ...lines] } };
  }
  for (const [k, v] of parseImports(code, path.join(cwd, "cell.ts"))) cellImports.set(k, v);
  if (!converted.output) {
    prevDecl = converted.declOutput ?? "";
    return { ok: true };
  }
  const prefix = converted.hasToplevelAwait ? "(async function(exports, require) { " : "(function(exports, require) { ";
  const wrapped = `${prefix}${converted.output}\n})(__tslab__.exports, __tslab__.require)`;
  // The cell's declarations stand even if it fails part way, as in Python: what ran before the
  // error (or the interrupt) has been assigned, and later cells may use it.
  prevDecl = converted.declOutput ?? "";
  try {
    Atomics.store(interrupt, 0, 0);
    const ret = vm.runInThisContext(wrapped, { breakOnSigint: true, displayErrors: false, filename: `<cell ${count}>` });
    if (converted.hasToplevelAwait) await ret;
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
  const exports = tslab.__tslab__.exports;
  if (converted.lastExpressionVar && converted.lastExpressionVar in exports) {
    const value = exports[converted.lastExpressionVar];
    delete exports[converted.lastExpressionVar];
    if (value !== undefined) return { ok: true, value, hasValue: true };
  }
  return { ok: true };
}

function loadConverter(): Converter {
  forwardThreadlabTypes(cwd);
   
  const { createConverter } = require("tslab/dist/converter");
  return createConverter({ isJS: false, isBrowser: false });
}

async function execute(req: Message): Promise<void> {
  const code: string = req.content.code ?? "";
  const silent = !!req.content.silent;
  const store = !silent && req.content.store_history !== false;
  if (store) count++;
  cell++;
  send({ type: "cell", cell, header: req.header as Header, count, code: store ? code : undefined });
  send({ type: "status", state: "busy", parent: req.header as Header });
  if (!silent) send({ type: "iopub", msgType: "execute_input", content: { code, execution_count: count }, cell });
  const outcome = await run(code);
  if (outcome.ok) {
    if (outcome.hasValue && !silent) {
      send({
        type: "iopub",
        msgType: "execute_result",
        content: { execution_count: count, data: { "text/plain": inspect(outcome.value, { colors: false }) }, metadata: {} },
        cell,
      });
    }
    send({ type: "reply", socket: "shell", request: req, msgType: "execute_reply", content: { status: "ok", execution_count: count, user_expressions: {}, payload: [] } });
  } else {
    const error = outcome.error!;
    if (!silent) send({ type: "iopub", msgType: "error", content: error, cell });
    send({ type: "reply", socket: "shell", request: req, msgType: "execute_reply", content: { status: "error", execution_count: count, ...error } });
  }
  send({ type: "status", state: "idle", parent: req.header as Header });
}

function simple(req: Message, msgType: string, content: unknown): void {
  send({ type: "status", state: "busy", parent: req.header as Header });
  send({ type: "reply", socket: "shell", request: req, msgType, content });
  send({ type: "status", state: "idle", parent: req.header as Header });
}

function complete(req: Message): void {
  converter ??= loadConverter();
  const code: string = req.content.code;
  const pos: number = req.content.cursor_pos ?? code.length;
  const info = converter.complete(prevDecl, code, pos);
  simple(req, "complete_reply", { status: "ok", matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} });
}

function inspectRequest(req: Message): void {
  converter ??= loadConverter();
  const code: string = req.content.code;
  const info = converter.inspect(prevDecl, code, req.content.cursor_pos ?? code.length);
   
  const { printQuickInfo } = require("tslab/dist/inspect");
  if (!info) return simple(req, "inspect_reply", { status: "ok", found: false, data: {}, metadata: {} });
  simple(req, "inspect_reply", { status: "ok", found: true, data: { "text/plain": printQuickInfo(info) }, metadata: {} });
}

function isComplete(req: Message): void {
   
  const { isCompleteCode } = require("tslab/dist/converter");
  const r = isCompleteCode(req.content.code);
  simple(req, "is_complete_reply", r.completed ? { status: "complete" } : { status: "incomplete", indent: r.indent ?? "" });
}

// ---- requests arrive one at a time, in order ---------------------------------------------

let chain: Promise<unknown> = Promise.resolve();
function onMessage(m: ToMain): void {
  if (m.type === "shutdown") {
    setTimeout(() => process.exit(0), 50);
    return;
  }
  chain = chain.then(() => handle(m.msg)).catch((err) => process.stderr.write(`threadlab kernel: ${err?.stack ?? err}\n`));
}

async function handle(req: Message): Promise<void> {
  switch (req.header.msg_type) {
    case "execute_request":
      return execute(req);
    case "complete_request":
      return complete(req);
    case "inspect_request":
      return inspectRequest(req);
    case "is_complete_request":
      return isComplete(req);
    default:
      // Unknown requests get no reply (the spec's advice); say so on the kernel's log.
      process.stderr.write(`threadlab kernel: unsupported request ${req.header.msg_type}\n`);
  }
}

// ---- output of the main thread, and display -------------------------------------------------

function captureMainOutput(): void {
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
      if (text) ring.write(cell, name === "stdout" ? 0 : 1, text);
      const callback = typeof encoding === "function" ? encoding : cb;
      if (typeof callback === "function") process.nextTick(callback as () => void);
      return true;
    }) as typeof stream.write;
  }
  try {
    // tslab's `display` API writes through this hook.
     
    const jupyter = require("tslab/dist/jupyter");
    jupyter.lastWriteDisplayData = (data: { data: unknown; metadata?: unknown; transient?: unknown }, update: boolean) =>
      send({ type: "iopub", msgType: update ? "update_display_data" : "display_data", content: { metadata: {}, transient: {}, ...data }, cell });
  } catch {
    /* tslab's display is not available */
  }
}

export function startKernel(connectionFile: string): void {
  const connection = JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionInfo;
  const toMain = new MessageChannel();
  hub = toMain.port1;
  const ringBuffer = createRing();
  ring = new OutputRing(ringBuffer);
  const io = new Worker(path.join(__dirname, "hub.js"), {
    workerData: { connection, main: toMain.port2, ring: ringBuffer, interrupt: interrupt.buffer },
    transferList: [toMain.port2],
    stdout: false,
    stderr: false,
  });
  io.on("error", (err) => {
    process.stderr.write(`threadlab kernel: the I/O thread failed: ${err.stack ?? err}\n`);
    process.exit(1);
  });
  hub.on("message", onMessage);
  setOutputRing(ringBuffer);
  warm();
  setSinkChooser(() => cellSink(cell));
  addMainWaitHook(() => {
    if (Atomics.compareExchange(interrupt, 0, 1, 0) === 1) throw new KeyboardInterrupt("");
  });
  // SIGINT (sent by the I/O thread for an interrupt while a cell busy-loops) ends the cell's
  // script through breakOnSigint; the kernel itself stays up.
  process.on("SIGINT", () => Atomics.store(interrupt, 0, 0));
  process.on("uncaughtException", (err) => process.stderr.write(`Uncaught ${err.stack ?? err}\n`));
  process.on("unhandledRejection", (err) => process.stderr.write(`Unhandled rejection ${(err as Error)?.stack ?? err}\n`));
  vm.runInThisContext("(x) => { globalThis.__tslab__ = x; }")({ exports: exportsProxy(), require: cellRequire(cwd) });
  captureMainOutput();
  setMainPrint((text) => ring.write(cell, 0, text));
  // Compile something now so that the first cell does not wait for TypeScript to load.
  setImmediate(() => (converter ??= loadConverter()));
}

/** tslab's exports object: named imports are defined as getters; keep them plain and rewritable. */
function exportsProxy(): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  return new Proxy(target, {
    defineProperty(_t, prop, attrs) {
      if (prop === "__esModule") return true;
      target[prop as string] = attrs.get ? attrs.get() : attrs.value;
      return true;
    },
  });
}
