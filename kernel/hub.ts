/**
 * The kernel's I/O thread (as ipykernel's IOPub thread): a worker that owns
 * every ZeroMQ socket. Its event loop is never blocked by cell code, so
 * - thread output, posted straight here by each pool worker, streams to the
 *   cell that started the thread while the main thread blocks or busy-loops;
 * - kernel_info, comm_info, history, heartbeat and interrupt are answered at
 *   once, even while the kernel starts up or a cell runs;
 * - all IOPub traffic leaves through one queue, one send at a time (zeromq
 *   refuses a send while one is in flight: tslab lost output that way).
 * Requests that need the main thread (execute, complete, inspect,
 * is_complete) are forwarded to it; it posts back replies and outputs.
 */
import { parentPort, workerData, type MessagePort } from "worker_threads";
import * as zmq from "zeromq";
import { decode, encode, type ConnectionInfo, type Header, type Message } from "./wire";
import { kernelInfo } from "./info";
import type { FromMain, OutputChunk, ToMain } from "./messages";
import { OutputRing } from "../src/output/ring";

interface Setup {
  connection: ConnectionInfo;
  main: MessagePort;
  ring: SharedArrayBuffer;
  interrupt: SharedArrayBuffer;
}

const setup = workerData as Setup;
const conn = setup.connection;
const key = conn.key;
const session = `threadlab-${process.pid}`;
const interrupt = new Int32Array(setup.interrupt);
const url = (port: number) => `${conn.transport}://${conn.ip}:${port}`;

const shell = new zmq.Router();
const control = new zmq.Router();
const stdin = new zmq.Router();
const iopub = new zmq.Publisher();
const heartbeat = new zmq.Reply();

// ---- IOPub: one queue, batched streams ----------------------------------------------------

const queue: Buffer[][] = [];
let pumping = false;
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length) await iopub.send(queue.shift()!);
  } finally {
    pumping = false;
  }
}

const cells = new Map<number, { header: Header }>();
interface Pending {
  cell: number;
  name: "stdout" | "stderr";
  text: string;
}
const pending: Pending[] = [];
let flushTimer: NodeJS.Timeout | undefined;
let pendingBytes = 0;
const FLUSH_MS = 5;
const FLUSH_BYTES = 256 * 1024;

function publish(msgType: string, content: unknown, parent?: Header): void {
  queue.push(encode(key, session, msgType, content, parent ? { header: parent } : undefined));
  void pump();
}

/** Sends buffered stream text, merged per cell and stream, in arrival order. */
function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  pendingBytes = 0;
  const batch = pending.splice(0);
  for (let i = 0; i < batch.length;) {
    let j = i + 1;
    let text = batch[i].text;
    while (j < batch.length && batch[j].cell === batch[i].cell && batch[j].name === batch[i].name) text += batch[j++].text;
    const header = cells.get(batch[i].cell)?.header;
    publish("stream", { name: batch[i].name, text }, header);
    i = j;
  }
}

function addOutput(chunk: OutputChunk): void {
  pending.push({ cell: chunk.cell, name: chunk.name, text: chunk.text });
  pendingBytes += chunk.text.length;
  if (pendingBytes >= FLUSH_BYTES) flush();
  else flushTimer ??= setTimeout(flush, FLUSH_MS);
}

// ---- requests ---------------------------------------------------------------------------

function reply(sock: zmq.Router, req: Message, msgType: string, content: unknown): Promise<void> {
  return sock.send(encode(key, session, msgType, content, req));
}

function status(state: "busy" | "idle" | "starting", parent?: Header): void {
  flush();
  publish("status", { execution_state: state }, parent);
}

/** The inputs of this kernel's session: [session, line, input, output text]. */
const history: Array<[number, number, string, string | null]> = [];
const SESSION = 1;

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );
}

/** history_request as IPython answers it: tail, range or search (with unique and n). */
function historyReply(c: Record<string, any>): unknown[] {
  let items = history.slice();
  if (c.hist_access_type === "range") {
    const start = Number(c.start ?? 0);
    const stop = c.stop === undefined || c.stop === null ? Infinity : Number(c.stop);
    items = items.filter(
      ([s, line]) => (c.session === undefined || c.session === s || c.session === 0) && line >= start && line < stop,
    );
  } else if (c.hist_access_type === "search") {
    const re = globToRegExp(String(c.pattern ?? "*"));
    items = items.filter(([, , input]) => re.test(input));
    if (c.unique) items = items.filter((h, i) => !items.slice(i + 1).some((later) => later[2] === h[2]));
    if (c.n) items = items.slice(-Number(c.n));
  } else if (c.hist_access_type === "tail") {
    items = items.slice(-Number(c.n ?? 10));
  }
  return items.map(([s, line, input, output]) => (c.output ? [s, line, [input, output]] : [s, line, input]));
}

async function answerHere(sock: zmq.Router, msg: Message): Promise<boolean> {
  const type = msg.header.msg_type;
  switch (type) {
    case "kernel_info_request":
      status("busy", msg.header);
      await reply(sock, msg, "kernel_info_reply", kernelInfo());
      status("idle", msg.header);
      return true;
    case "comm_info_request":
      await reply(sock, msg, "comm_info_reply", { status: "ok", comms: {} });
      return true;
    case "history_request":
      await reply(sock, msg, "history_reply", { status: "ok", history: historyReply(msg.content) });
      return true;
    case "interrupt_request":
      // The main thread's wait hooks turn this flag into KeyboardInterrupt; code that does not
      // wait (a busy loop) is stopped by SIGINT, which ends the cell's script (breakOnSigint).
      Atomics.store(interrupt, 0, 1);
      setTimeout(() => {
        if (Atomics.load(interrupt, 0) === 1) process.kill(process.pid, "SIGINT");
      }, 100);
      await reply(sock, msg, "interrupt_reply", { status: "ok" });
      return true;
    case "shutdown_request":
      await reply(sock, msg, "shutdown_reply", { status: "ok", restart: !!msg.content.restart });
      flush();
      await pump();
      // Close the sockets here, in their own thread, before the process exits.
      for (const sock of [shell, control, stdin, iopub, heartbeat]) sock.close();
      post({ type: "shutdown" });
      return true;
    case "comm_open":
    case "comm_msg":
    case "comm_close":
      return true; // no comms: ignored, as the spec allows
  }
  return false;
}

function post(msg: ToMain): void {
  setup.main.postMessage(msg);
}

async function serve(sock: zmq.Router, name: "shell" | "control"): Promise<void> {
  for await (const frames of sock) {
    let msg: Message;
    try {
      msg = decode(key, frames);
    } catch (err) {
      process.stderr.write(`threadlab kernel: dropped a ${name} message: ${(err as Error).message}\n`);
      continue;
    }
    if (await answerHere(sock, msg)) continue;
    post({ type: "request", socket: name, msg });
  }
}

// ---- what main sends ------------------------------------------------------------------------

setup.main.on("message", (m: FromMain) => {
  // What main wrote to the ring before it sent this message goes out first.
  readRing();
  switch (m.type) {
    case "cell":
      cells.set(m.cell, { header: m.header });
      if (m.code !== undefined) history.push([SESSION, m.count, m.code, null]);
      break;
    case "iopub":
      flush();
      if (m.msgType === "execute_result") {
        const entry = history.find((h) => h[1] === (m.content as { execution_count: number }).execution_count);
        const text = (m.content as { data?: Record<string, unknown> }).data?.["text/plain"];
        if (entry) entry[3] = typeof text === "string" ? text : "";
      }
      publish(m.msgType, m.content, m.cell === undefined ? undefined : (cells.get(m.cell)?.header ?? m.parent));
      break;
    case "status":
      status(m.state, m.parent);
      break;
    case "reply": {
      const sock = m.socket === "control" ? control : shell;
      // Outputs of the cell go out before its reply.
      flush();
      void reply(sock, m.request, m.msgType, m.content);
      break;
    }
  }
});

// Every thread's output, the main thread's included, arrives through the shared ring, in order.
const ring = new OutputRing(setup.ring);
const NAMES = ["stdout", "stderr"] as const;
function readRing(): void {
  ring.drain((cell, stream, text) => addOutput({ cell, name: NAMES[stream], text }));
}
async function ringLoop(): Promise<void> {
  for (;;) {
    await ring.whenWritten();
    readRing();
  }
}

async function heartbeatLoop(): Promise<void> {
  for await (const [ping] of heartbeat) await heartbeat.send(ping);
}

async function main(): Promise<void> {
  await Promise.all([
    shell.bind(url(conn.shell_port)),
    control.bind(url(conn.control_port)),
    stdin.bind(url(conn.stdin_port)),
    iopub.bind(url(conn.iopub_port)),
    heartbeat.bind(url(conn.hb_port)),
  ]);
  status("starting");
  void serve(shell, "shell");
  void serve(control, "control");
  void heartbeatLoop();
  void ringLoop();
  parentPort!.postMessage({ type: "bound" });
}

void main();
