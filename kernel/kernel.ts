/**
 * The threadlab kernel: starts the I/O thread (hub.ts, which owns the
 * sockets), wires the library into the notebook (notebook.ts) and hands the
 * requests the I/O thread forwards to the handler (handler.ts).
 */
import { readFileSync } from "fs";
import * as path from "path";
import { MessageChannel, Worker } from "worker_threads";
import { createRing, OutputRing } from "../src/host";
import { warmUp } from "./executor";
import { createHandler } from "./handler";
import type { FromMain, ToMain } from "./messages";
import { wireNotebook } from "./notebook";
import type { ConnectionInfo } from "./wire";

export function startKernel(connectionFile: string): void {
  const connection = JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionInfo;
  const toHub = new MessageChannel();
  const hub = toHub.port1;
  const send = (msg: FromMain) => hub.postMessage(msg);
  const ringBuffer = createRing();
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const io = new Worker(path.join(__dirname, "hub.js"), {
    workerData: { connection, main: toHub.port2, ring: ringBuffer, interrupt: interrupt.buffer },
    transferList: [toHub.port2],
    stdout: false,
    stderr: false,
  });
  io.on("error", (err) => {
    process.stderr.write(`threadlab kernel: the I/O thread failed: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
  const handler = createHandler(send, interrupt);
  hub.on("message", (m: ToMain) => handler.onMessage(m));
  process.on("uncaughtException", (err) => process.stderr.write(`Uncaught ${err.stack ?? String(err)}\n`));
  process.on("unhandledRejection", (err) =>
    process.stderr.write(`Unhandled rejection ${(err as Error)?.stack ?? String(err)}\n`),
  );
  wireNotebook(
    {
      ring: new OutputRing(ringBuffer),
      interrupt,
      cell: () => handler.cell(),
      display: (data, update) =>
        send({
          type: "iopub",
          msgType: update ? "update_display_data" : "display_data",
          content: { metadata: {}, transient: {}, ...data },
          cell: handler.cell(),
        }),
    },
    process.cwd(),
  );
  // Compile something now so that the first cell does not wait for TypeScript to load.
  setImmediate(warmUp);
}
