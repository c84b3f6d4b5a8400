/**
 * The threadlab kernel: starts the I/O thread (hub.ts, which owns the
 * sockets), wires the library into the notebook (notebook.ts) and hands the
 * requests the I/O thread forwards to the handler (handler.ts). Then it
 * warms the compiler and tells the I/O thread it is ready (kernel_info is
 * answered then), and only then starts the thread pool, so the two do not
 * compete for the CPU.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { MessageChannel, Worker } from "worker_threads";
import { createRing, OutputRing, warm } from "../src/host";
import { interruptAwait, warmUp } from "./executor";
import { createHandler, reportAsync } from "./handler";
import { log } from "./log";
import { keepSideModules } from "./modules";
import type { FromMain, ToMain } from "./messages";
import { wireNotebook } from "./notebook";
import { Signer, type ConnectionInfo } from "./wire";

/** Reads and checks a connection file; throws an Error saying what is wrong with it. */
export function readConnection(file: string): ConnectionInfo {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read the connection file ${file}: ${(err as Error).message}`);
  }
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`the connection file ${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof c !== "object" || c === null || Array.isArray(c))
    throw new Error(`the connection file ${file} must hold a JSON object`);
  for (const port of ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]) {
    const v = c[port];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) {
      throw new Error(`the connection file ${file}: ${port} must be a port number (1-65535), got ${JSON.stringify(v)}`);
    }
  }
  c.transport ??= "tcp";
  c.ip ??= "127.0.0.1";
  c.key ??= "";
  c.signature_scheme ??= "hmac-sha256";
  for (const field of ["transport", "ip", "key", "signature_scheme"]) {
    if (typeof c[field] !== "string")
      throw new Error(`the connection file ${file}: ${field} must be a string, got ${JSON.stringify(c[field])}`);
  }
  try {
    new Signer(c.key as string, c.signature_scheme as string);
  } catch (err) {
    throw new Error(`the connection file ${file}: ${(err as Error).message}`);
  }
  return c as unknown as ConnectionInfo;
}

export function startKernel(connectionFile: string): void {
  keepSideModules();
  let connection: ConnectionInfo;
  try {
    connection = readConnection(connectionFile);
  } catch (err) {
    log((err as Error).message);
    process.exit(1);
  }
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
    log(`the I/O thread failed: ${err.stack ?? String(err)}`);
    process.exit(1);
  });
  const handler = createHandler(send, interrupt);
  hub.on("message", (m: ToMain) => handler.onMessage(m));
  // Uncaught errors of the main thread's callbacks go to the cell that started them (the cell
  // context is the callback's here), without the kernel's frames.
  process.on("uncaughtException", (err) => reportAsync(err, "exception"));
  process.on("unhandledRejection", (err) => reportAsync(err, "rejection"));
  // A SIGINT from outside (`kill -INT`, as interrupt_mode "signal" would send) also ends a top-level await.
  process.on("SIGINT", () => {
    if (interruptAwait()) Atomics.store(interrupt, 0, 0);
  });
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
  // Compile something now so that the first cell does not wait for TypeScript to load; the
  // I/O thread has its sockets and answers everything else meanwhile.
  setImmediate(() => {
    try {
      warmUp();
    } catch (err) {
      log(`warming the compiler failed: ${(err as Error)?.stack ?? String(err)}`);
    }
    send({ type: "ready" });
    setImmediate(warm);
  });
}
