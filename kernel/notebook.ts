/**
 * The library, wired into the notebook (the kernel's main thread):
 * - a thread's output goes to the cell whose code starts it (the running
 *   cell, or the cell that started the timer or promise callback that starts it);
 * - the main thread's own output goes to the cell its code belongs to (the
 *   same: context.ts), through the same shared ring as every thread's, so
 *   the order holds across threads;
 * - threads see the notebook's top-level names (tslab keeps them in
 *   `__tslab__.exports`; later cells refer to them as `exports.NAME`) and the
 *   cells' imports;
 * - an interrupt ends a main-thread wait with KeyboardInterrupt.
 */
import * as vm from "vm";
import { KeyboardInterrupt } from "../src/errors";
import {
  addMainWaitHook,
  addResolver,
  addValueResolver,
  cellSink,
  dumpThreads,
  OutputRing,
  patchWrite,
  setMainPrint,
  setMainDisplay,
  setOutputRing,
  setSinkChooser,
  type ImportedName,
  type Resolved,
} from "../src/host";
import { cellRequire } from "./modules";

interface TslabState {
  exports: Record<string, unknown>;
  require: NodeJS.Require;
}

/** What tslab's compiled cells refer to as `__tslab__`. */
export function tslabGlobal(): TslabState {
  return (globalThis as unknown as { __tslab__: TslabState }).__tslab__;
}

const cellImports = new Map<string, ImportedName>();

/** Records the imports a cell declared, so that threads resolve their compiled names (`threadlab_1`). */
export function noteCellImports(imports: Map<string, ImportedName>): void {
  for (const [k, v] of imports) cellImports.set(k, v);
}

/** The notebook's top-level names, as a cell's code reads them: each member used travels by itself. */
function notebookMembers(exports: Record<string, unknown>): Resolved {
  return { members: (prop) => importBinding(prop) ?? (prop in exports ? { value: exports[prop] } : undefined) };
}

/** A cell's import (`import * as path from "path"` is `exports.path` to later cells): a fresh import in the thread. */
function importBinding(name: string): Resolved | undefined {
  const imported = cellImports.get(name);
  if (!imported) return undefined;
  return { binding: { kind: "module", name, request: imported.request, prop: imported.prop, interop: imported.interop } };
}

/** A cell's `exports` (the notebook's names), found in a function's scope. */
function notebookExports(value: unknown): Resolved | undefined {
  const exports = tslabGlobal()?.exports;
  return exports && value === exports ? notebookMembers(exports) : undefined;
}

/** Names no scope of a function holds: the notebook's top-level names and the cells' imports. */
function notebookNames(name: string): Resolved | undefined {
  const exports = tslabGlobal()?.exports;
  if (!exports) return undefined;
  if (name === "exports") return notebookMembers(exports);
  return importBinding(name) ?? (Object.prototype.hasOwnProperty.call(exports, name) ? { value: exports[name] } : undefined);
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

export interface NotebookWiring {
  ring: OutputRing;
  /** The shared interrupt flag the I/O thread sets. */
  interrupt: Int32Array;
  /** The id of the cell the running code belongs to (a callback's cell; else the last one). */
  cell: () => number;
  /** Sends tslab's `display` output (display_data / update_display_data) for the running cell. */
  display: (data: { data: unknown; metadata?: unknown; transient?: unknown }, update: boolean) => void;
}

/**
 * Whether a second interrupt came while the first had not ended the cell (the I/O thread set the
 * flag to 2): then every thread's state is printed into the cell, as `py-spy dump` would show it.
 */
export function dumpAsked(interrupt: Int32Array): boolean {
  if (Atomics.compareExchange(interrupt, 0, 2, 0) !== 2) return false;
  dumpThreads();
  return true;
}

/** Connects the library to the notebook; call once, before the first thread starts (and before the pool's warm()). */
export function wireNotebook(w: NotebookWiring, cwd: string): void {
  setOutputRing(w.ring.sab);
  setSinkChooser(() => cellSink(w.cell()));
  addValueResolver(notebookExports);
  addResolver(notebookNames);
  addMainWaitHook(() => {
    if (dumpAsked(w.interrupt)) return;
    if (Atomics.compareExchange(w.interrupt, 0, 1, 0) === 1) throw new KeyboardInterrupt("");
  });
  // SIGINT (sent by the I/O thread for an interrupt while a cell busy-loops) ends the cell's
  // script through breakOnSigint; the kernel itself stays up.
  process.on("SIGINT", () => Atomics.store(w.interrupt, 0, 0));
  // Set in this context through vm, as the cells see their globals.
  const setTslab = vm.runInThisContext("(x) => { globalThis.__tslab__ = x; }") as (x: TslabState) => void;
  setTslab({ exports: exportsProxy(), require: cellRequire(cwd) });
  const decoder = new TextDecoder();
  for (const [name, stream] of [
    ["stdout", 0],
    ["stderr", 1],
  ] as const) {
    patchWrite(process[name], (data) => w.ring.write(w.cell(), stream, typeof data === "string" ? data : decoder.decode(data)));
  }
  setMainPrint((text) => w.ring.write(w.cell(), 0, text));
  setMainDisplay((bundle) => w.display({ data: bundle }, false));
  try {
    // tslab's `display` API writes through this hook.
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: NotebookWiring["display"] };
    jupyter.lastWriteDisplayData = w.display;
  } catch {
    /* tslab's display is not available */
  }
}
