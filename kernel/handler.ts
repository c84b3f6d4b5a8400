/**
 * The protocol side of the kernel's main thread, as tslab's JupyterHandler:
 * one request in, its replies and IOPub messages out through `send`, the
 * reply on the socket the request came on. Requests are handled one at a
 * time, in order; the I/O thread (hub.ts) has checked their fields already.
 * Cells run in executor.ts; the sockets belong to the I/O thread.
 */
import { inspect } from "util";
import { cellContext } from "./context";
import { complete, errorOf, inspectAt, interruptAwait, isComplete, runCell } from "./executor";
import { log } from "./log";
import type { FromMain, ToMain } from "./messages";
import { dumpAsked, tslabGlobal } from "./notebook";
import type { Message } from "./wire";

export interface Handler {
  /**
   * The id of the cell the running code belongs to: the cell running now, or
   * the one whose timer or promise callback this is; outside any, the last cell.
   */
  cell(): number;
  /** The id of the cell that ran last (or runs now). */
  lastCell(): number;
  /** Takes a message from the I/O thread. */
  onMessage(m: ToMain): void;
}

type Socket = "shell" | "control";

/** `exit`, `quit`, `exit()`, `quit()` (IPython's ExitAutocall), unless a cell defined that name. */
function exitCommand(code: string): boolean {
  const m = /^\s*(exit|quit)\s*(\(\s*\))?\s*;?\s*$/.exec(code);
  if (!m) return false;
  const exports = tslabGlobal()?.exports;
  return !(exports && m[1] in exports);
}

export function createHandler(send: (msg: FromMain) => void, interrupt: Int32Array): Handler {
  let cell = 0;
  let count = 0; // execution_count

  const busyIdle = (req: Message, socket: Socket, msgType: string, content: unknown) => {
    send({ type: "status", state: "busy", parent: req.header });
    send({ type: "reply", socket, request: req, msgType, content });
    send({ type: "status", state: "idle", parent: req.header });
  };

  async function execute(req: Message, socket: Socket): Promise<void> {
    const code = req.content.code as string;
    const silent = !!req.content.silent;
    const store = !silent && req.content.store_history !== false;
    if (store) count++;
    cell++;
    const id = cell;
    send({ type: "cell", cell: id, header: req.header, count, code: store ? code : undefined });
    send({ type: "status", state: "busy", parent: req.header });
    if (!silent) send({ type: "iopub", msgType: "execute_input", content: { code, execution_count: count }, cell: id });
    if (exitCommand(code)) {
      // As IPython: the reply carries the ask_exit payload, then the kernel ends.
      const content = {
        status: "ok",
        execution_count: count,
        user_expressions: {},
        payload: [{ source: "ask_exit", keepkernel: false }],
      };
      send({ type: "reply", socket, request: req, msgType: "execute_reply", content });
      send({ type: "status", state: "idle", parent: req.header });
      send({ type: "exit" });
      return;
    }
    const outcome = await runCell(code, {
      // A silent cell keeps the count of the last one: it gets a name of its own, so that the
      // positions and lines of the cell it would share a name with stay that cell's.
      filename: store ? `<cell ${count}>` : `<cell ${count} silent ${id}>`,
      count,
      cell: id,
      beforeRun: () => Atomics.store(interrupt, 0, 0),
      onLateRejection: (err) => cellContext.run(id, () => reportAsync(err, "rejection")),
    });
    if (outcome.ok) {
      if (outcome.hasValue && !silent) {
        const data = { "text/plain": inspect(outcome.value, { colors: false }) };
        send({ type: "iopub", msgType: "execute_result", content: { execution_count: count, data, metadata: {} }, cell: id });
      }
      const content = { status: "ok", execution_count: count, user_expressions: {}, payload: [] };
      send({ type: "reply", socket, request: req, msgType: "execute_reply", content });
    } else {
      const error = outcome.error!;
      if (!silent) send({ type: "iopub", msgType: "error", content: error, cell: id });
      send({
        type: "reply",
        socket,
        request: req,
        msgType: "execute_reply",
        content: { status: "error", execution_count: count, user_expressions: {}, payload: [], ...error },
      });
    }
    send({ type: "status", state: "idle", parent: req.header });
  }

  function handle(req: Message, socket: Socket): Promise<void> | void {
    const code = req.content.code as string;
    const pos = typeof req.content.cursor_pos === "number" ? req.content.cursor_pos : code?.length;
    switch (req.header.msg_type) {
      case "execute_request":
        return execute(req, socket);
      case "complete_request": {
        const info = complete(code, pos);
        return busyIdle(req, socket, "complete_reply", {
          status: "ok",
          matches: info.candidates,
          cursor_start: info.start,
          cursor_end: info.end,
          metadata: {},
        });
      }
      case "inspect_request": {
        const text = inspectAt(code, pos);
        const content =
          text === undefined
            ? { status: "ok", found: false, data: {}, metadata: {} }
            : { status: "ok", found: true, data: { "text/plain": text }, metadata: {} };
        return busyIdle(req, socket, "inspect_reply", content);
      }
      case "is_complete_request": {
        const r = isComplete(code);
        return busyIdle(
          req,
          socket,
          "is_complete_reply",
          r.completed ? { status: "complete" } : { status: "incomplete", indent: r.indent ?? "" },
        );
      }
      default:
        log(`unsupported request ${req.header.msg_type}`, "unsupported");
    }
  }

  /** A request that failed inside the kernel still gets a reply (an error one), and the kernel goes on. */
  function failed(req: Message, socket: Socket, err: unknown): void {
    log(`${req.header.msg_type} failed: ${(err as Error)?.stack ?? String(err)}`, "failed");
    const { ename, evalue, traceback } = errorOf(err);
    const type = req.header.msg_type;
    const replyType = type.replace(/_request$/, "_reply");
    const content: Record<string, unknown> = { status: "error", ename, evalue, traceback };
    if (type === "execute_request") Object.assign(content, { execution_count: count, user_expressions: {}, payload: [] });
    send({ type: "reply", socket, request: req, msgType: replyType, content });
    send({ type: "status", state: "idle", parent: req.header });
  }

  let chain: Promise<unknown> = Promise.resolve();
  return {
    cell: () => cellContext.getStore() ?? cell,
    lastCell: () => cell,
    onMessage(m: ToMain): void {
      switch (m.type) {
        case "shutdown":
          setTimeout(() => process.exit(0), 50);
          return;
        case "exit-now":
          process.exit(m.code ?? 1);
          return;
        case "interrupt":
          // A second one, while the first did not end the cell: the threads' state, unless a wait
          // of the main thread has printed it already (notebook.ts).
          if (m.dump) dumpAsked(interrupt);
          // A cell waiting in a top-level await: the interrupt ends it (a wait or a busy loop is
          // ended by the shared flag or by SIGINT instead).
          else if (interruptAwait()) Atomics.store(interrupt, 0, 0);
          return;
        case "request": {
          const { msg, socket } = m;
          chain = chain.then(() => handle(msg, socket)).catch((err) => failed(msg, socket, err));
        }
      }
    },
  };
}

/** Reports an uncaught error (or unhandled rejection) of async work on the stderr of the cell it belongs to. */
export function reportAsync(err: unknown, kind: "exception" | "rejection"): void {
  const { traceback } = errorOf(err);
  // Outside any cell's context it may be the kernel's own failure: the kernel's log gets it too.
  if (cellContext.getStore() === undefined)
    log(`${kind === "rejection" ? "unhandled rejection" : "uncaught exception"}: ${(err as Error)?.stack ?? String(err)}`);
  const what = kind === "rejection" ? "Unhandled promise rejection" : "Exception in a callback";
  process.stderr.write(`${what}:\n${traceback.join("\n")}\n`);
}
