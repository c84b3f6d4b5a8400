/**
 * Runs notebooks in the terminal through a real threadlab kernel, cell by
 * cell, printing each output the moment the kernel sends it (thread output
 * included). It speaks the Jupyter protocol over ZeroMQ, as a notebook
 * front end does, so what you see is what a notebook would get.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as zmq from "zeromq";
import { decode, encode, type ConnectionInfo, type Message } from "./wire";

/** A TCP port free on loopback now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
/** A traceback as the kernel coloured it (as IPython does) on a terminal; plain text elsewhere. */
const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, "g");
const plain = (s: string) => (process.stderr.isTTY ? s : s.replace(ANSI, ""));

/** Runs every code cell of each notebook, each in a fresh kernel; returns the number of cells that failed. */
export async function runNotebooks(files: string[], cwd: string): Promise<number> {
  let failed = 0;
  for (const file of files) failed += await runNotebook(file, cwd);
  return failed;
}

/**
 * A connection file for a kernel on loopback (free ports, a fresh key), as a front end writes one:
 * readable by its owner only (0600, as jupyter_client writes it), in a folder of its own;
 * `remove()` deletes both.
 */
export async function newConnectionFile(): Promise<{ conn: ConnectionInfo; file: string; remove: () => void }> {
  const conn: ConnectionInfo = {
    transport: "tcp",
    ip: "127.0.0.1",
    key: randomBytes(16).toString("hex"),
    signature_scheme: "hmac-sha256",
    shell_port: await freePort(),
    iopub_port: await freePort(),
    stdin_port: await freePort(),
    control_port: await freePort(),
    hb_port: await freePort(),
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), "threadlab-conn-"));
  const file = path.join(dir, "kernel.json");
  writeFileSync(file, JSON.stringify(conn), { mode: 0o600 });
  return { conn, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function runNotebook(file: string, cwd: string): Promise<number> {
  const { conn, file: connFile, remove } = await newConnectionFile();
  const kernel = spawn(process.execPath, [path.join(__dirname, "cli.js"), "kernel", "-f", connFile], {
    cwd,
    stdio: ["ignore", "inherit", "inherit"],
  });
  // Interrupted (Ctrl+C) or ended early: the kernel and its connection file go too.
  const onSignal = (signal: NodeJS.Signals) => {
    kernel.kill("SIGKILL");
    remove();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", remove);
  const shell = new zmq.Dealer();
  const iopub = new zmq.Subscriber();
  shell.connect(`tcp://127.0.0.1:${conn.shell_port}`);
  iopub.connect(`tcp://127.0.0.1:${conn.iopub_port}`);
  iopub.subscribe();
  const session = `terminal-${process.pid}`;
  let failed = 0;

  const waiting = new Map<string, (m: Message) => void>();
  void (async () => {
    for await (const frames of iopub) {
      const m = decode(conn.key, frames);
      const parent = (m.parent_header as { msg_id?: string }).msg_id ?? "";
      const c = m.content as {
        name?: string;
        text?: string;
        data?: Record<string, string>;
        traceback?: string[];
        execution_state?: string;
      };
      switch (m.header.msg_type) {
        case "stream":
          (c.name === "stderr" ? process.stderr : process.stdout).write(c.text ?? "");
          break;
        case "execute_result":
          process.stdout.write(`${dim("Out:")} ${c.data?.["text/plain"]}\n`);
          break;
        case "display_data":
          process.stdout.write(`${dim("[display]")} ${c.data?.["text/plain"] ?? Object.keys(c.data ?? {}).join(", ")}\n`);
          break;
        case "error":
          process.stderr.write(plain((c.traceback ?? []).join("\n")) + "\n");
          break;
        case "status":
          if (c.execution_state === "idle") waiting.get(parent)?.(m);
          break;
      }
    }
  })();

  // Replies, by the msg_id of their request, read by one loop (a socket takes one receive at a time).
  const replies = new Map<string, (m: Message) => void>();
  void (async () => {
    for await (const frames of shell) {
      const m = decode(conn.key, frames);
      replies.get((m.parent_header as { msg_id?: string }).msg_id ?? "")?.(m);
    }
  })().catch(() => undefined);

  /** Sends a request; resolves once its reply and its idle status have both come, or rejects after `timeoutMs`. */
  const request = async (msgType: string, content: unknown, timeoutMs = 600000): Promise<void> => {
    const frames = encode(conn.key, session, msgType, content);
    const id = (JSON.parse(frames[2].toString()) as { msg_id: string }).msg_id;
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to ${msgType}`)), timeoutMs);
      let replied = false;
      let idle = false;
      const check = () => replied && idle && resolve();
      replies.set(id, (r) => {
        if (r.content.status === "error") failed++;
        replied = true;
        check();
      });
      waiting.set(id, () => {
        idle = true;
        check();
      });
    });
    try {
      await shell.send(frames);
      await answered;
    } finally {
      clearTimeout(timer);
      replies.delete(id);
      waiting.delete(id);
    }
  };

  try {
    // IOPub (PUB/SUB) drops what is published before the subscription is in place: ask for
    // kernel_info until its status messages come through, as Jupyter's own clients do.
    for (let tries = 0; ; tries++) {
      try {
        await request("kernel_info_request", {}, 1000);
        break;
      } catch (err) {
        if (tries > 60) throw err;
      }
    }
    const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: Array<{ cell_type: string; source: string | string[] }> };
    process.stdout.write(`\n━━ ${path.basename(file)} ━━\n`);
    for (const cell of nb.cells) {
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      if (cell.cell_type === "markdown" && /^# /.test(source)) process.stdout.write(dim(source.split("\n")[0]) + "\n");
      if (cell.cell_type !== "code") continue;
      process.stdout.write(
        dim(
          source
            .split("\n")
            .map((l) => `│ ${l}`)
            .join("\n"),
        ) + "\n",
      );
      await request("execute_request", {
        code: source,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
      });
    }
    await shell.send(encode(conn.key, session, "shutdown_request", { restart: false }));
  } finally {
    setTimeout(() => kernel.kill("SIGTERM"), 1000).unref();
    if (kernel.exitCode === null && kernel.signalCode === null) await new Promise((r) => kernel.once("exit", r));
    shell.close();
    iopub.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", remove);
    remove();
  }
  return failed;
}
