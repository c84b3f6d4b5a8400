/**
 * The kernel's I/O thread (as ipykernel's IOPub thread): a worker that owns
 * every ZeroMQ socket. Its event loop is never blocked by cell code, so
 * - thread output, posted straight here by each pool worker, streams to the
 *   cell that started the thread while the main thread blocks or busy-loops;
 * - comm_info, history, heartbeat and interrupt are answered at once, even
 *   while a cell runs; kernel_info as soon as the compiler is warm (the
 *   request is taken at once, even during start-up);
 * - all IOPub traffic leaves through one queue, one send at a time (zeromq
 *   refuses a send while one is in flight: tslab lost output that way);
 * - every message is checked here (wire.ts: signature, replay, frames;
 *   requests.ts: the content's fields) and a malformed request gets an error
 *   reply; what cannot be answered is logged to the kernel's stderr;
 * - the kernel ends when the process that started it dies (JPY_PARENT_PID,
 *   as ipykernel; without it, its stdin pipe closing), even while a cell busy-loops.
 * Requests that need the main thread (execute, complete, inspect,
 * is_complete) are forwarded to it; it posts back replies and outputs.
 */
import { fstatSync } from "fs";
import * as net from "net";
import { parentPort, workerData, type MessagePort } from "worker_threads";
import * as zmq from "zeromq";
import { compileGlob, globMatch } from "./glob";
import { kernelInfo } from "./info";
import { log } from "./log";
import type { FromMain, OutputChunk, ToMain } from "./messages";
import { checkRequest, replyType, REQUESTS } from "./requests";
import { decode, encode, ReplayGuard, Signer, WireError, type ConnectionInfo, type Header, type Message } from "./wire";
import { OutputRing } from "../src/output/ring";

interface Setup {
  connection: ConnectionInfo;
  main: MessagePort;
  ring: SharedArrayBuffer;
  interrupt: SharedArrayBuffer;
}

const setup = workerData as Setup;
const conn = setup.connection;
const signer = new Signer(conn.key, conn.signature_scheme || "hmac-sha256");
const replays = new ReplayGuard();
const session = `threadlab-${process.pid}`;
const interrupt = new Int32Array(setup.interrupt);
const url = (port: number) => `${conn.transport}://${conn.ip}:${port}`;

const shell = new zmq.Router();
const control = new zmq.Router();
const stdin = new zmq.Router();
const iopub = new zmq.Publisher();
const heartbeat = new zmq.Reply();
let closed = false;

// ---- IOPub: one queue, batched streams ----------------------------------------------------

const queue: Buffer[][] = [];
let pumping = false;
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length && !closed) await iopub.send(queue.shift()!);
  } catch (err) {
    if (!closed) log(`IOPub send failed: ${(err as Error).message}`, "iopub");
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
  try {
    queue.push(encode(signer, session, msgType, content, parent ? { header: parent } : undefined));
  } catch (err) {
    // A parent header that JSON cannot write back (nested too deep): nothing can carry it.
    log(`could not publish ${msgType}: ${(err as Error).message}`, "publish");
    return;
  }
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

async function reply(sock: zmq.Router, req: Message, msgType: string, content: unknown): Promise<void> {
  if (closed) return;
  try {
    await sock.send(encode(signer, session, msgType, content, req));
  } catch (err) {
    log(`could not send ${msgType}: ${(err as Error).message}`, "send");
  }
}

function status(state: "busy" | "idle" | "starting", parent?: Header): void {
  flush();
  publish("status", { execution_state: state }, parent);
}

/** The inputs of this kernel's session: [session, line, input, output text]. */
const history: Array<[number, number, string, string | null]> = [];
const SESSION = 1;
/** The execution count of the last cell (a malformed execute_request is answered with it). */
let executionCount = 0;
/** Whether main runs a request now (between its busy and idle), and whether an interrupt came during it. */
let busy = false;
let interruptedBusy = false;

/** history_request as IPython answers it: tail, range or search (with unique and n). */
function historyReply(c: Record<string, unknown>): unknown[] {
  let items = history.slice();
  const n = typeof c.n === "number" ? c.n : undefined;
  if (c.hist_access_type === "range") {
    const start = typeof c.start === "number" ? c.start : 0;
    const stop = typeof c.stop === "number" ? c.stop : Infinity;
    const s = c.session;
    items = items.filter(([hs, line]) => (typeof s !== "number" || s === hs || s === 0) && line >= start && line < stop);
  } else if (c.hist_access_type === "search") {
    const glob = compileGlob(typeof c.pattern === "string" ? c.pattern : "*");
    items = items.filter(([, , input]) => globMatch(glob, input));
    if (c.unique) {
      // One entry per input: its last, in the order of those last entries.
      const last = new Map<string, number>();
      items.forEach((h, i) => last.set(h[2], i));
      items = items.filter((h, i) => last.get(h[2]) === i);
    }
    if (n !== undefined) items = n > 0 ? items.slice(-n) : [];
  } else if (c.hist_access_type === "tail") {
    const count = n ?? 10;
    items = count > 0 ? items.slice(-count) : [];
  }
  return items.map(([s, line, input, output]) => (c.output ? [s, line, [input, output]] : [s, line, input]));
}

/** Answers a malformed request with an error reply (and, for execute, the error in the cell), between busy and idle. */
async function errorReply(sock: zmq.Router, msg: Message, ename: string, evalue: string): Promise<void> {
  const type = msg.header.msg_type;
  log(`answered a malformed ${type} with an error: ${ename}: ${evalue}`, "malformed");
  const traceback = [`\x1b[0;31m${ename}\x1b[0m: ${evalue}`];
  status("busy", msg.header);
  const content: Record<string, unknown> = { status: "error", ename, evalue, traceback };
  if (type === "execute_request") {
    content.execution_count = executionCount;
    content.user_expressions = {};
    content.payload = [];
    publish("error", { ename, evalue, traceback }, msg.header);
  }
  flush();
  await reply(sock, msg, replyType(type), content);
  status("idle", msg.header);
}

/** kernel_info requests that came before the compiler was warm: answered once it is. */
let ready = false;
const heldInfo: Array<{ sock: zmq.Router; msg: Message }> = [];
const READY_AT_THE_LATEST_MS = 30000;

async function answerInfo(sock: zmq.Router, msg: Message): Promise<void> {
  status("busy", msg.header);
  await reply(sock, msg, "kernel_info_reply", kernelInfo());
  status("idle", msg.header);
}

function becomeReady(): void {
  if (ready) return;
  ready = true;
  for (const { sock, msg } of heldInfo.splice(0)) void answerInfo(sock, msg);
}

async function answerHere(sock: zmq.Router, msg: Message): Promise<boolean> {
  switch (msg.header.msg_type) {
    case "kernel_info_request":
      if (ready) await answerInfo(sock, msg);
      else heldInfo.push({ sock, msg });
      return true;
    case "comm_info_request":
      await reply(sock, msg, "comm_info_reply", { status: "ok", comms: {} });
      return true;
    case "history_request":
      await reply(sock, msg, "history_reply", { status: "ok", history: historyReply(msg.content) });
      return true;
    case "interrupt_request":
      // The main thread's wait hooks turn this flag into KeyboardInterrupt, and the message ends a
      // top-level await; code that neither waits nor awaits (a busy loop) is stopped by SIGINT,
      // which ends the cell's script (breakOnSigint).
      // A second interrupt while the first has not ended the cell (it caught KeyboardInterrupt, or
      // a thread it waits for does not end): main prints dumpThreads() into the cell (flag 2).
      if (interruptedBusy) {
        Atomics.store(interrupt, 0, 2);
        post({ type: "interrupt", dump: true });
        await reply(sock, msg, "interrupt_reply", { status: "ok" });
        return true;
      }
      interruptedBusy = busy;
      Atomics.store(interrupt, 0, 1);
      post({ type: "interrupt" });
      setTimeout(() => {
        if (Atomics.load(interrupt, 0) === 1) process.kill(process.pid, "SIGINT");
      }, 100);
      await reply(sock, msg, "interrupt_reply", { status: "ok" });
      return true;
    case "shutdown_request":
      await reply(sock, msg, "shutdown_reply", { status: "ok", restart: !!msg.content.restart });
      await shutdown();
      return true;
  }
  return false;
}

function post(msg: ToMain): void {
  setup.main.postMessage(msg);
}

/** Sends what is queued, closes the sockets here, in their own thread, and tells main to exit. */
async function shutdown(): Promise<void> {
  if (closed) return;
  flush();
  await pump();
  closed = true;
  for (const sock of [shell, control, stdin, iopub, heartbeat]) sock.close();
  post({ type: "shutdown" });
}

async function onFrames(sock: zmq.Router, name: "shell" | "control", frames: Buffer[]): Promise<void> {
  let msg: Message;
  try {
    msg = decode(signer, frames, replays);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    log(`dropped a ${name} message: ${err.message}`, `dropped ${name} ${err.message}`);
    return;
  }
  const type = msg.header.msg_type;
  if (!REQUESTS.has(type)) {
    if (type.startsWith("comm_")) return; // no comms: comm_open/msg/close are ignored, as the spec allows
    log(`unknown message type '${type}' on ${name}`, "unknown");
    if (type.endsWith("_request")) await errorReply(sock, msg, "NotImplementedError", `threadlab does not handle ${type}`);
    return;
  }
  const problem = checkRequest(msg);
  if (problem) return errorReply(sock, msg, problem.ename, problem.evalue);
  if (await answerHere(sock, msg)) return;
  try {
    post({ type: "request", socket: name, msg });
  } catch (err) {
    // The structured clone to the main thread failed (a value nested too deep): say so.
    return errorReply(sock, msg, "ValueError", `${type}: the message cannot be passed on: ${(err as Error).message}`);
  }
}

async function serve(sock: zmq.Router, name: "shell" | "control"): Promise<void> {
  try {
    for await (const frames of sock) {
      try {
        await onFrames(sock, name, frames);
      } catch (err) {
        log(`failed on a ${name} message: ${(err as Error)?.stack ?? String(err)}`, "failed");
      }
    }
  } catch (err) {
    if (!closed) log(`the ${name} socket failed: ${(err as Error).message}`);
  }
}

// ---- what main sends ------------------------------------------------------------------------

setup.main.on("message", (m: FromMain) => {
  // What main wrote to the ring before it sent this message goes out first.
  readRing();
  switch (m.type) {
    case "cell":
      cells.set(m.cell, { header: m.header });
      executionCount = m.count;
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
      busy = m.state === "busy";
      if (!busy) interruptedBusy = false;
      status(m.state, m.parent);
      break;
    case "reply": {
      const sock = m.socket === "control" ? control : shell;
      // Outputs of the cell go out before its reply.
      flush();
      void reply(sock, m.request, m.msgType, m.content);
      break;
    }
    case "ready":
      becomeReady();
      break;
    case "exit":
      // `exit` in a cell: its reply and idle status are queued already.
      void shutdown();
      break;
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
  try {
    for await (const frames of heartbeat) await heartbeat.send(frames);
  } catch (err) {
    if (!closed) log(`the heartbeat socket failed: ${(err as Error).message}`);
  }
}

// ---- the parent ---------------------------------------------------------------------------

/** Ends the whole process (this thread cannot exit it): main exits at once if it is free, else SIGKILL. */
function parentGone(why: string): void {
  log(`${why}: shutting down.`);
  post({ type: "exit-now" });
  setTimeout(() => process.kill(process.pid, "SIGKILL"), 1000).unref();
}

/**
 * As ipykernel's ParentPollerUnix: with JPY_PARENT_PID set (jupyter_client sets it), the kernel
 * ends when that process is gone or this one is reparented. Without it, when the kernel's stdin
 * is a pipe, it ends when the pipe closes: a parent that started the kernel with a pipe (as
 * Node's spawn does) holds its end until it dies. (jupyter_client closes the kernel's stdin
 * right after it starts it, so there the pid is what tells.)
 */
function watchParent(): void {
  const parent = Number(process.env.JPY_PARENT_PID ?? 0);
  if (Number.isSafeInteger(parent) && parent > 1) {
    const ppid = process.ppid;
    const timer = setInterval(() => {
      let gone = process.ppid !== ppid;
      try {
        process.kill(parent, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ESRCH") gone = true;
      }
      if (gone) {
        clearInterval(timer);
        parentGone(`Parent appears to have exited (JPY_PARENT_PID ${parent})`);
      }
    }, 1000);
    timer.unref();
    return;
  }
  let stat;
  try {
    stat = fstatSync(0);
  } catch {
    return;
  }
  if (!stat.isFIFO() && !stat.isSocket()) return; // a terminal or /dev/null: nothing to watch
  const input = new net.Socket({ fd: 0, readable: true, writable: false });
  input.on("data", () => undefined); // nothing is read from stdin; it only tells that the parent lives
  input.on("end", () => parentGone("stdin closed (the parent appears to have exited)"));
  input.on("error", () => undefined);
  input.unref();
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
  watchParent();
  setTimeout(becomeReady, READY_AT_THE_LATEST_MS).unref();
  parentPort!.postMessage({ type: "bound" });
}

main().catch((err) => {
  log(`could not bind the kernel's sockets: ${(err as Error).message}`);
  post({ type: "exit-now", code: 1 });
});
