/**
 * A real threadlab kernel process spoken to over raw ZeroMQ frames (the
 * kernel's own wire.ts builds and reads them), as a Jupyter client does:
 * shell and control DEALERs, an IOPub SUB, a heartbeat REQ. Every IOPub
 * message and all of the kernel's stderr are kept, for assertions.
 */
import { spawn, type ChildProcess } from "child_process";
import { readFileSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import * as zmq from "zeromq";
import { newConnectionFile } from "../../kernel/run-notebooks";
import { decode, encode, Signer, type ConnectionInfo, type Message } from "../../kernel/wire";

const ROOT = path.join(__dirname, "..", "..");
/** The kernel to test: this build, or another one (THREADLAB_TEST_CLI, to check that a test fails without a fix). */
export const CLI = process.env.THREADLAB_TEST_CLI ?? path.join(ROOT, "dist", "kernel", "cli.js");

export interface RawOptions {
  /** Changes to the connection file the kernel is given (signature_scheme, key). */
  connection?: Partial<ConnectionInfo>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Whether process `pid` runs (a zombie, dead but not yet reaped, does not). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

export class RawKernel {
  readonly iopub: Message[] = [];
  stderr = "";
  readonly signer: Signer;
  private readonly pending = new Map<string, (m: Message) => void>();
  /** The socket each reply came on, by the msg_id of its request. */
  readonly repliedOn = new Map<string, "shell" | "control">();
  private readonly sockets: Array<zmq.Dealer | zmq.Subscriber | zmq.Request> = [];
  readonly shell: zmq.Dealer;
  readonly control: zmq.Dealer;
  private hb: zmq.Request;
  exited?: { code: number | null; signal: NodeJS.Signals | null };

  private constructor(
    readonly conn: ConnectionInfo,
    readonly file: string,
    readonly pid: number,
    readonly child?: ChildProcess,
  ) {
    const signer = (this.signer = new Signer(conn.key, conn.signature_scheme));
    child?.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString()));
    child?.on("exit", (code, signal) => (this.exited = { code, signal }));
    this.shell = this.dealer(conn.shell_port, "shell");
    this.control = this.dealer(conn.control_port, "control");
    const sub = new zmq.Subscriber();
    sub.connect(`tcp://127.0.0.1:${conn.iopub_port}`);
    sub.subscribe();
    this.sockets.push(sub);
    void (async () => {
      try {
        for await (const frames of sub) this.iopub.push(decode(signer, frames));
      } catch {
        /* closed */
      }
    })();
    this.hb = this.newHeartbeat();
  }

  private dealer(port: number, name: "shell" | "control"): zmq.Dealer {
    const d = new zmq.Dealer({ linger: 0 });
    d.connect(`tcp://127.0.0.1:${port}`);
    this.sockets.push(d);
    void (async () => {
      try {
        for await (const frames of d) {
          let m: Message;
          try {
            m = decode(this.signer, frames);
          } catch {
            continue;
          }
          const id = (m.parent_header as { msg_id?: string }).msg_id ?? "";
          this.repliedOn.set(id, name);
          this.pending.get(id)?.(m);
          this.pending.delete(id);
        }
      } catch {
        /* closed */
      }
    })();
    return d;
  }

  private newHeartbeat(): zmq.Request {
    const r = new zmq.Request({ linger: 0, receiveTimeout: 2000, sendTimeout: 2000 });
    r.connect(`tcp://127.0.0.1:${this.conn.hb_port}`);
    this.sockets.push(r);
    return r;
  }

  /** Starts a kernel; resolves once it has answered kernel_info. */
  static async start(options: RawOptions = {}): Promise<RawKernel> {
    const { conn, file } = await newConnectionFile();
    Object.assign(conn, options.connection ?? {});
    writeFileSync(file, JSON.stringify(conn), { mode: 0o600 });
    const child = spawn(process.execPath, [CLI, "kernel", "-f", file], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    return RawKernel.ready(new RawKernel(conn, file, child.pid!, child));
  }

  /** A kernel some other process started, with the connection it was given. */
  static attach(conn: ConnectionInfo, file: string, pid: number): Promise<RawKernel> {
    return RawKernel.ready(new RawKernel(conn, file, pid));
  }

  private static async ready(k: RawKernel): Promise<RawKernel> {
    // IOPub drops what is published before the subscription is in place: ask until the status comes.
    for (let tries = 0; ; tries++) {
      const r = await k.request("kernel_info_request", {}, "shell", 60000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (k.iopub.some((m) => m.parent_header.msg_id === r.parent_header.msg_id)) break;
      if (tries > 50) throw new Error("no IOPub traffic from the kernel");
    }
    return k;
  }

  /** Frames of a message signed with the kernel's key (or as given). */
  frames(msgType: string, content: unknown): Buffer[] {
    return encode(this.signer, "test", msgType, content);
  }

  /** Sends `frames` on `socket` and waits for the reply to the message whose header is frame 2. */
  async sendAndWait(frames: Buffer[], socket: "shell" | "control" = "shell", timeoutMs = 30000): Promise<Message> {
    const id = (JSON.parse(frames[2].toString()) as { msg_id: string }).msg_id;
    const reply = new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply within ${timeoutMs} ms to ${frames[2].toString().slice(0, 200)}`));
      }, timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    await (socket === "shell" ? this.shell : this.control).send(frames);
    return reply;
  }

  request(msgType: string, content: unknown, socket: "shell" | "control" = "shell", timeoutMs = 30000): Promise<Message> {
    return this.sendAndWait(this.frames(msgType, content), socket, timeoutMs);
  }

  /** Runs `code`; resolves with the reply once the kernel is idle for it. */
  async execute(code: string, timeoutMs = 30000): Promise<{ reply: Message; id: string }> {
    const frames = this.frames("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
    });
    const reply = await this.sendAndWait(frames, "shell", timeoutMs);
    const id = reply.parent_header.msg_id;
    await this.idle(id);
    return { reply, id };
  }

  /** Sends without waiting for anything. */
  async send(frames: Buffer[], socket: "shell" | "control" = "shell"): Promise<void> {
    await (socket === "shell" ? this.shell : this.control).send(frames);
  }

  of(id: string, type?: string): Message[] {
    return this.iopub.filter((m) => m.parent_header.msg_id === id && (type === undefined || m.header.msg_type === type));
  }

  text(id: string, name: "stdout" | "stderr" = "stdout"): string {
    return this.of(id, "stream")
      .filter((m) => m.content.name === name)
      .map((m) => m.content.text as string)
      .join("");
  }

  async idle(id: string, timeoutMs = 30000): Promise<void> {
    await this.until(() => this.of(id, "status").some((m) => m.content.execution_state === "idle"), timeoutMs, `idle for ${id}`);
  }

  async until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One heartbeat round trip: its time in ms, or Infinity if there was no answer within 2 s. */
  async ping(): Promise<number> {
    const t0 = Date.now();
    try {
      await this.hb.send(`ping ${t0}`);
      const [pong] = await this.hb.receive();
      if (pong.toString() !== `ping ${t0}`) return Infinity;
      return Date.now() - t0;
    } catch {
      // A REQ socket that timed out is stuck: make a new one.
      this.hb.close();
      this.hb = this.newHeartbeat();
      return Infinity;
    }
  }

  get alive(): boolean {
    if (this.child) return this.exited === undefined;
    return processAlive(this.pid);
  }

  async waitExit(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.alive && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return !this.alive;
  }

  async stop(): Promise<void> {
    if (this.alive) {
      try {
        await this.request("shutdown_request", { restart: false }, "control", 5000);
      } catch {
        /* already gone */
      }
      if (!(await this.waitExit(5000))) process.kill(this.pid, "SIGKILL");
    }
    for (const s of this.sockets) s.close();
    rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}
