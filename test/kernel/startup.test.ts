/**
 * The kernel takes a kernel_info_request sent before it has even bound its
 * sockets (tslab could miss one that came during start-up) and answers it
 * once its compiler is warm, as ipykernel answers once it can run a cell: the
 * first cell after that reply is quick. `threadlab install` writes
 * kernelspecs where Jupyter looks.
 */
import { spawn } from "child_process";
import { mkdtempSync, readFileSync, existsSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as zmq from "zeromq";
import { newConnectionFile } from "../../kernel/run-notebooks";
import { decode, encode } from "../../kernel/wire";
// The built installer: kernel.json points at dist/kernel/cli.js next to it.

const { kernelsDir, install } = require("../../dist/kernel/install") as typeof import("../../kernel/install");

const ROOT = path.join(__dirname, "..", "..");

test("a kernel_info sent during start-up is answered once the kernel is ready; the first cell is quick", async () => {
  const { conn, file, remove } = await newConnectionFile();
  const started = Date.now();
  const kernel = spawn(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "kernel", "-f", file], {
    stdio: "ignore",
  });
  const shell = new zmq.Dealer({ receiveTimeout: 200 });
  shell.connect(`tcp://127.0.0.1:${conn.shell_port}`);
  try {
    // Sent right away, before the kernel has bound its sockets: zmq queues it until it can connect.
    await shell.send(encode(conn.key, "test", "kernel_info_request", {}));
    let reply;
    for (let tries = 0; !reply && tries < 150; tries++) {
      try {
        reply = decode(conn.key, await shell.receive());
      } catch {
        /* not yet */
      }
    }
    const answeredAfter = Date.now() - started;
    expect(reply?.header.msg_type).toBe("kernel_info_reply");
    expect(reply?.content.implementation).toBe("threadlab");
    expect((reply?.content.language_info as { name: string }).name).toBe("typescript");
    expect(answeredAfter).toBeLessThan(30000);
    shell.receiveTimeout = 60000;
    // The compiler was warmed before kernel_info was answered: the first cell does not wait for
    // TypeScript to load (2-4 s here before), it only compiles itself (the goal is 300 ms; the bound
    // is generous for a loaded machine).
    const sent = Date.now();
    await shell.send(
      encode(conn.key, "test", "execute_request", {
        code: "6 * 7",
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
      }),
    );
    const done = decode(conn.key, await shell.receive());
    expect(done.content.status).toBe("ok");
    expect(Date.now() - sent).toBeLessThan(1500);
    await shell.send(encode(conn.key, "test", "shutdown_request", { restart: false }));
    await new Promise((r) => kernel.once("exit", r));
  } finally {
    shell.close();
    kernel.kill();
    remove();
  }
}, 90000);

test("threadlab install writes kernel.json and logos where each option says", () => {
  const prefix = mkdtempSync(path.join(os.tmpdir(), "tl-prefix-"));
  const dir = install({ prefix });
  expect(dir).toBe(path.join(prefix, "share", "jupyter", "kernels", "threadlab"));
  const spec = JSON.parse(readFileSync(path.join(dir, "kernel.json"), "utf8"));
  expect(spec.display_name).toBe("TypeScript (threadlab)");
  expect(spec.interrupt_mode).toBe("message");
  expect(spec.argv.slice(-3)).toEqual(["kernel", "-f", "{connection_file}"]);
  expect(existsSync(spec.argv[1])).toBe(true);
  const png = readFileSync(path.join(dir, "logo-64x64.png"));
  expect(png.subarray(1, 4).toString()).toBe("PNG");
  expect(png.readUInt32BE(16)).toBe(64);
  const saved = { ...process.env };
  try {
    process.env.JUPYTER_DATA_DIR = "/data/jupyter";
    expect(kernelsDir({ user: true })).toBe("/data/jupyter/kernels");
    process.env.VIRTUAL_ENV = "/venv";
    expect(kernelsDir({ sysPrefix: true })).toBe("/venv/share/jupyter/kernels");
  } finally {
    process.env = saved;
  }
});
