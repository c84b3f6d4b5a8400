/**
 * A real Jupyter server (Debian's `jupyter notebook`) with the threadlab
 * kernelspec installed in a private prefix, and real kernels through
 * @jupyterlab/services. Outside CI, tests that need it skip with a message
 * saying how to install it; in CI (CI=true) a missing Jupyter is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import { createWriteStream, existsSync, mkdtempSync } from "fs";
import * as os from "os";
import * as path from "path";
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import WebSocket from "ws";
import { freePort } from "../../kernel/run-notebooks";

export const JUPYTER = "/usr/bin/jupyter-notebook";
const ROOT = path.join(__dirname, "..", "..");

export function jupyterMissing(): string | undefined {
  if (existsSync(JUPYTER)) return undefined;
  const how =
    "install it with: apt-get install -y jupyter-notebook python3-jupyter-kernel-test python3-nbclient python3-nbconvert";
  if (process.env.CI) throw new Error(`Jupyter is required in CI but ${JUPYTER} is missing; ${how}`);
  return `skipped: Jupyter is not installed (${JUPYTER}); ${how}`;
}

export interface Server {
  settings: ServerConnection.ISettings;
  prefix: string;
  dir: string;
  stop(): Promise<void>;
}

/** Installs the kernelspec into a temporary prefix; returns JUPYTER_PATH for it. */
export function installKernelspec(): string {
  const prefix = mkdtempSync(path.join(os.tmpdir(), "threadlab-kernelspec-"));
  const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "install", "--prefix", prefix], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`threadlab install failed: ${r.stderr}`);
  return path.join(prefix, "share", "jupyter");
}

export async function startServer(dir = mkdtempSync(path.join(os.tmpdir(), "threadlab-nb-"))): Promise<Server> {
  const jupyterPath = installKernelspec();
  const token = Math.random().toString(36).slice(2);
  const child: ChildProcess = spawn(
    JUPYTER,
    [
      "--no-browser",
      "--allow-root",
      `--port=${await freePort()}`,
      `--NotebookApp.token=${token}`,
      "--NotebookApp.port_retries=50",
      `--notebook-dir=${dir}`,
      "--ip=127.0.0.1",
    ],
    // Each kernel worker's heap is capped, so that the out-of-memory test is quick.
    {
      env: {
        ...process.env,
        THREADLAB_WORKER_MAX_OLD_MB: "256",
        JUPYTER_PATH: jupyterPath,
        JUPYTER_RUNTIME_DIR: mkdtempSync(path.join(os.tmpdir(), "jrt-")),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`jupyter notebook did not start:\n${log}`)), 60000);
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    // THREADLAB_SERVER_LOG=FILE keeps the server's log (with the kernels' own stderr) for debugging.
    if (process.env.THREADLAB_SERVER_LOG) {
      const out = createWriteStream(process.env.THREADLAB_SERVER_LOG);
      child.stdout!.pipe(out);
      child.stderr!.pipe(out);
    }
    child.on("exit", (code) => reject(new Error(`jupyter notebook exited (${code}):\n${log}`)));
  });
  const settings = ServerConnection.makeSettings({
    baseUrl,
    wsUrl: baseUrl.replace(/^http/, "ws"),
    token,
    WebSocket: WebSocket as never,
    appendToken: true,
  });
  return {
    settings,
    prefix: jupyterPath,
    dir,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

export interface Recorded {
  at: number;
  parent: string;
  type: string;
  content: any;
}

/** A kernel and every IOPub message it sends, with arrival times. */
export class KernelSession {
  readonly messages: Recorded[] = [];
  private constructor(
    readonly kernel: Kernel.IKernelConnection,
    private readonly manager: KernelManager,
  ) {
    const t0 = Date.now();
    kernel.iopubMessage.connect((_k, msg) => {
      this.messages.push({
        at: Date.now() - t0,
        parent: (msg.parent_header as KernelMessage.IHeader).msg_id ?? "",
        type: msg.header.msg_type,
        content: msg.content,
      });
    });
  }

  static async start(server: Server): Promise<KernelSession> {
    const manager = new KernelManager({ serverSettings: server.settings });
    await manager.ready;
    const kernel = await manager.startNew({ name: "threadlab" });
    const session = new KernelSession(kernel, manager);
    await kernel.info;
    return session;
  }

  /** Sends a cell; resolves with its msg_id and reply once the reply arrives. */
  async run(code: string): Promise<{ id: string; reply: KernelMessage.IExecuteReplyMsg }> {
    const future = this.kernel.requestExecute({ code, allow_stdin: false, store_history: true });
    const id = future.msg.header.msg_id;
    const reply = await future.done;
    await this.idle(id);
    return { id, reply };
  }

  /** Starts a cell without waiting for it. */
  send(code: string): { id: string; done: Promise<unknown> } {
    const future = this.kernel.requestExecute({ code, allow_stdin: false, store_history: true });
    const id = future.msg.header.msg_id;
    return { id, done: future.done.then(() => this.idle(id)) };
  }

  /** Waits for the kernel's "idle" status for request `id` (its outputs have all been sent then). */
  idle(id: string): Promise<void> {
    return this.waitFor(() =>
      this.messages.some((m) => m.parent === id && m.type === "status" && m.content.execution_state === "idle"),
    );
  }

  /** The stream text the cell `id` received, by stream name. */
  text(id: string, name: "stdout" | "stderr" = "stdout"): string {
    return this.messages
      .filter((m) => m.parent === id && m.type === "stream" && m.content.name === name)
      .map((m) => m.content.text)
      .join("");
  }

  of(id: string, type: string): Recorded[] {
    return this.messages.filter((m) => m.parent === id && m.type === type);
  }

  async waitFor(pred: () => boolean, timeoutMs = 30000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error("timed out waiting for kernel output");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await this.kernel.shutdown().catch(() => undefined);
    this.manager.dispose();
  }
}
