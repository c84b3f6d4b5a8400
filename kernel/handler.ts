/**
 * The protocol side of the kernel's main thread, as tslab's JupyterHandler:
 * one request in, its replies and IOPub messages out through `send`. Requests
 * are handled one at a time, in order. Cells run in executor.ts; the sockets
 * belong to the I/O thread (hub.ts).
 */
import { inspect } from "util";
import { complete, inspectAt, isComplete, runCell } from "./executor";
import type { FromMain, ToMain } from "./messages";
import type { Message } from "./wire";

export interface Handler {
  /** The id of the cell running now, or of the last one (output of threads started there goes there). */
  cell(): number;
  /** Takes a message from the I/O thread. */
  onMessage(m: ToMain): void;
}

export function createHandler(send: (msg: FromMain) => void, interrupt: Int32Array): Handler {
  let cell = 0;
  let count = 0; // execution_count

  const busyIdle = (req: Message, msgType: string, content: unknown) => {
    send({ type: "status", state: "busy", parent: req.header });
    send({ type: "reply", socket: "shell", request: req, msgType, content });
    send({ type: "status", state: "idle", parent: req.header });
  };

  async function execute(req: Message): Promise<void> {
    const code = typeof req.content.code === "string" ? req.content.code : "";
    const silent = !!req.content.silent;
    const store = !silent && req.content.store_history !== false;
    if (store) count++;
    cell++;
    send({ type: "cell", cell, header: req.header, count, code: store ? code : undefined });
    send({ type: "status", state: "busy", parent: req.header });
    if (!silent) send({ type: "iopub", msgType: "execute_input", content: { code, execution_count: count }, cell });
    const outcome = await runCell(code, `<cell ${count}>`, () => Atomics.store(interrupt, 0, 0));
    if (outcome.ok) {
      if (outcome.hasValue && !silent) {
        const data = { "text/plain": inspect(outcome.value, { colors: false }) };
        send({ type: "iopub", msgType: "execute_result", content: { execution_count: count, data, metadata: {} }, cell });
      }
      const content = { status: "ok", execution_count: count, user_expressions: {}, payload: [] };
      send({ type: "reply", socket: "shell", request: req, msgType: "execute_reply", content });
    } else {
      const error = outcome.error!;
      if (!silent) send({ type: "iopub", msgType: "error", content: error, cell });
      send({
        type: "reply",
        socket: "shell",
        request: req,
        msgType: "execute_reply",
        content: { status: "error", execution_count: count, ...error },
      });
    }
    send({ type: "status", state: "idle", parent: req.header });
  }

  function handle(req: Message): Promise<void> | void {
    const code = typeof req.content.code === "string" ? req.content.code : "";
    const pos = typeof req.content.cursor_pos === "number" ? req.content.cursor_pos : code.length;
    switch (req.header.msg_type) {
      case "execute_request":
        return execute(req);
      case "complete_request": {
        const info = complete(code, pos);
        return busyIdle(req, "complete_reply", {
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
        return busyIdle(req, "inspect_reply", content);
      }
      case "is_complete_request": {
        const r = isComplete(code);
        return busyIdle(
          req,
          "is_complete_reply",
          r.completed ? { status: "complete" } : { status: "incomplete", indent: r.indent ?? "" },
        );
      }
      default:
        // Unknown requests get no reply (the spec's advice); say so on the kernel's log.
        process.stderr.write(`threadlab kernel: unsupported request ${req.header.msg_type}\n`);
    }
  }

  let chain: Promise<unknown> = Promise.resolve();
  return {
    cell: () => cell,
    onMessage(m: ToMain): void {
      if (m.type === "shutdown") {
        setTimeout(() => process.exit(0), 50);
        return;
      }
      chain = chain
        .then(() => handle(m.msg))
        .catch((err) => process.stderr.write(`threadlab kernel: ${(err as Error)?.stack ?? String(err)}\n`));
    },
  };
}
