/**
 * The kernel ends when the process that started it dies (issue 13, parent
 * watch), with its workers (threads of the kernel's process), even while a
 * cell busy-loops: a throwaway parent starts the kernel, a cell starts a
 * thread and another spins, the parent is SIGKILLed, and the kernel's
 * process must be gone within a few seconds.
 */
import { spawn } from "child_process";
import { readdirSync } from "fs";
import { newConnectionFile } from "../../kernel/run-notebooks";
import { CLI, processAlive, RawKernel } from "./raw-kernel";

/** The parent: starts the kernel as jupyter_client does (JPY_PARENT_PID, stdin a pipe closed at once) or with a stdin pipe it holds. */
const PARENT = `
const { spawn } = require("child_process");
const [cli, file, mode] = process.argv.slice(1);
const env = { ...process.env };
if (mode === "pid") env.JPY_PARENT_PID = String(process.pid);
const k = spawn(process.execPath, [cli, "kernel", "-f", file], { env, stdio: ["pipe", "ignore", "inherit"] });
if (mode === "pid") k.stdin.end();
process.stdout.write(k.pid + "\\n");
setInterval(() => {}, 1000);
`;

async function orphanTheKernel(mode: "pid" | "stdin"): Promise<void> {
  const { conn, file, remove } = await newConnectionFile();
  const env = { ...process.env };
  delete env.JPY_PARENT_PID;
  const parent = spawn(process.execPath, ["-e", PARENT, CLI, file, mode], { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  parent.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const pid = await new Promise<number>((resolve) =>
    parent.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  const k = await RawKernel.attach(conn, file, pid);
  try {
    const started = await k.execute(`import { Thread, sleep } from "threadlab";
new Thread({ target: () => { for (;;) sleep(0.1); }, daemon: true }).start();
new Thread({ target: () => { for (;;) sleep(0.1); } }).start();`);
    expect(started.reply.content.status).toBe("ok");
    // The kernel's process has its worker threads (the I/O thread, the supervisor, the pool).
    expect(readdirSync(`/proc/${pid}/task`).length).toBeGreaterThan(8);
    // The main thread spins: only the I/O thread can notice the parent is gone.
    await k.send(k.frames("execute_request", { code: "while (true) {}", silent: false }));
    await new Promise((r) => setTimeout(r, 500));
    parent.kill("SIGKILL");
    const t0 = Date.now();
    while (processAlive(pid) && Date.now() - t0 < 8000) await new Promise((r) => setTimeout(r, 50));
    expect(processAlive(pid)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(log).toMatch(mode === "pid" ? /Parent appears to have exited \(JPY_PARENT_PID \d+\): shutting down/ : /stdin closed/);
  } finally {
    if (processAlive(pid)) process.kill(pid, "SIGKILL");
    await k.stop();
    remove();
  }
}

test(
  "with JPY_PARENT_PID (stdin closed at start, as jupyter_client does), the kernel exits when that parent is killed",
  () => orphanTheKernel("pid"),
  90000,
);

test(
  "without JPY_PARENT_PID, the kernel exits when the parent holding its stdin pipe is killed",
  () => orphanTheKernel("stdin"),
  90000,
);
