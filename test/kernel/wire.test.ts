/**
 * The kernel's wire, over raw ZeroMQ frames to real kernel processes: no
 * message kills it, every request gets a reply (an error reply when it is
 * malformed), replays and other schemes are handled as jupyter_client does,
 * and what the kernel says about dropped messages goes to its own stderr,
 * never into a cell (issue 12, items 7-13).
 */
import { spawn } from "child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { CLI, RawKernel } from "./raw-kernel";

const DELIM = Buffer.from("<IDS|MSG>");

describe("one kernel, malformed and hostile messages", () => {
  let k: RawKernel;
  beforeAll(async () => {
    k = await RawKernel.start();
  }, 90000);
  afterAll(() => k?.stop());

  /** A message whose four JSON frames are as given (strings), signed with the kernel's key. */
  const signed = (header: string, parent: string, metadata: string, content: string): Buffer[] => {
    const parts = [header, parent, metadata, content].map((p) => Buffer.from(p));
    return [DELIM, Buffer.from(k.signer.sign(parts)), ...parts];
  };
  const header = (msgType: string, id = `t-${Math.random()}`) =>
    JSON.stringify({
      msg_id: id,
      session: "s",
      username: "u",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: "5.3",
    });

  test("a signed message with a null header (or null frames) is dropped and logged; the kernel goes on", async () => {
    await k.send(signed("null", "{}", "{}", "{}"));
    await k.send(signed("null", "null", "null", "null"));
    await k.send(signed("[]", "{}", "{}", "{}"));
    await k.send(signed(JSON.stringify({ msg_id: "x", msg_type: 5 }), "{}", "{}", "{}"));
    await k.send(signed("{not json", "{}", "{}", "{}"));
    await k.send([DELIM, Buffer.from("sig")]); // too few frames
    expect(await k.ping()).toBeLessThan(2000);
    const { reply } = await k.execute("6 * 7");
    expect(reply.content.status).toBe("ok");
    expect(k.alive).toBe(true);
    await k.until(
      () => /dropped a shell message: the header must be a JSON object, not null/.test(k.stderr),
      5000,
      "the log line",
    );
    expect(k.stderr).toMatch(/dropped a shell message: the header must be a JSON object, not an array/);
    expect(k.stderr).toMatch(/dropped a shell message: the header's msg_type must be a non-empty string, not a number/);
    expect(k.stderr).toMatch(/dropped a shell message: the header frame is not JSON/);
    expect(k.stderr).toMatch(/dropped a shell message: malformed message: 1 frame\(s\) after <IDS\|MSG>, at least 5 needed/);
  });

  test("a history_request with null content gets an error reply", async () => {
    const frames = signed(header("history_request"), "{}", "{}", "null");
    const reply = await k.sendAndWait(frames);
    expect(reply.header.msg_type).toBe("history_reply");
    expect(reply.content).toMatchObject({
      status: "error",
      ename: "TypeError",
      evalue: "history_request: content must be a JSON object, not null",
    });
  });

  test("an execute_request whose code is not a string gets an error reply and the status goes back to idle", async () => {
    const frames = k.frames("execute_request", { code: 5, silent: false });
    const reply = await k.sendAndWait(frames);
    const id = reply.parent_header.msg_id;
    expect(reply.content).toMatchObject({
      status: "error",
      ename: "TypeError",
      evalue: "execute_request: 'code' must be a string, not a number (5)",
    });
    await k.idle(id, 5000);
    const states = k.of(id, "status").map((m) => m.content.execution_state);
    expect(states).toEqual(["busy", "idle"]);
    expect(k.of(id, "error")[0].content.evalue).toBe("execute_request: 'code' must be a string, not a number (5)");
    expect((await k.execute("1 + 1")).reply.content.status).toBe("ok");
  });

  test("complete_request without code, is_complete_request with code null, inspect_request with a cursor past the end: error replies", async () => {
    const complete = await k.request("complete_request", { cursor_pos: 3 });
    expect(complete.header.msg_type).toBe("complete_reply");
    expect(complete.content).toMatchObject({
      status: "error",
      ename: "TypeError",
      evalue: "complete_request missing required field 'code' (a string)",
    });
    const isComplete = await k.request("is_complete_request", { code: null });
    expect(isComplete.header.msg_type).toBe("is_complete_reply");
    expect(isComplete.content).toMatchObject({
      status: "error",
      evalue: "is_complete_request: 'code' must be a string, not null (null)",
    });
    const inspect = await k.request("inspect_request", { code: "sleep", cursor_pos: 50, detail_level: 0 });
    expect(inspect.content).toMatchObject({
      status: "error",
      ename: "ValueError",
      evalue: "inspect_request: 'cursor_pos' 50 is outside 'code' (0 to 5, its length)",
    });
    const unknown = await k.request("frobnicate_request", {});
    expect(unknown.header.msg_type).toBe("frobnicate_reply");
    expect(unknown.content).toMatchObject({ status: "error", ename: "NotImplementedError" });
    // Well-formed ones still work.
    const ok = await k.request("is_complete_request", { code: "let x = (" });
    expect(ok.content).toMatchObject({ status: "incomplete" });
  });

  test("history search with many stars answers at once, matches as SQLite's GLOB, and the heartbeat goes on meanwhile", async () => {
    await k.execute(`const history_probe = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn";`);
    await k.execute(`"another cell";`);
    const t0 = Date.now();
    const pattern = "*a*b*c*d*e*f*g*h*i*j*z"; // 11 stars, no match: a backtracking RegExp takes minutes here
    const [reply, pong] = await Promise.all([
      k.request("history_request", { hist_access_type: "search", pattern, output: false, raw: true }),
      k.ping(),
    ]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(pong).toBeLessThan(2000);
    expect(reply.content).toMatchObject({ status: "ok", history: [] });
    const found = await k.request("history_request", {
      hist_access_type: "search",
      pattern: "const history_*",
      raw: true,
      output: false,
    });
    expect((found.content.history as unknown[][]).map((h) => h[2])).toEqual([
      `const history_probe = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn";`,
    ]);
    const classes = await k.request("history_request", {
      hist_access_type: "search",
      pattern: '"[a-b]nother ?ell";',
      raw: true,
      output: false,
    });
    expect((classes.content.history as unknown[][]).map((h) => h[2])).toEqual([`"another cell";`]);
  });

  test("a replayed signed execute_request is dropped: the cell runs once", async () => {
    const frames = k.frames("execute_request", { code: `console.log("ran once")`, silent: false, store_history: true });
    const reply = await k.sendAndWait(frames);
    const id = reply.parent_header.msg_id;
    await k.idle(id);
    await k.send(frames); // the very same frames again
    await k.send(frames);
    const { reply: after } = await k.execute("1");
    expect(after.content.status).toBe("ok");
    expect(k.of(id, "execute_input")).toHaveLength(1);
    expect(k.text(id)).toBe("ran once\n");
    await k.until(() => /dropped a shell message: duplicate signature/.test(k.stderr), 5000, "the log line");
  });

  test("200 unsigned junk messages are logged to the kernel's stderr, none lands in a cell", async () => {
    const a = await k.execute(`console.log("cell A")`);
    const stderrBefore = k.stderr.length;
    for (let i = 0; i < 200; i++) {
      const parts = [header("execute_request"), "{}", "{}", JSON.stringify({ code: `console.log("junk ${i}")` })].map((p) =>
        Buffer.from(p),
      );
      await k.send([DELIM, Buffer.from(""), ...parts]);
    }
    const b = await k.execute(`console.log("cell B")`);
    expect(k.text(a.id)).toBe("cell A\n");
    expect(k.text(a.id, "stderr")).toBe("");
    expect(k.text(b.id)).toBe("cell B\n");
    expect(k.text(b.id, "stderr")).toBe("");
    expect(k.iopub.some((m) => m.header.msg_type === "stream" && /dropped/.test(m.content.text as string))).toBe(false);
    await k.until(() => /dropped a shell message: unsigned message/.test(k.stderr.slice(stderrBefore)), 5000, "the log line");
    // Logged, but not 200 times over.
    expect(
      k.stderr
        .slice(stderrBefore)
        .split("\n")
        .filter((l) => /unsigned message/.test(l)).length,
    ).toBeLessThanOrEqual(20);
  });

  test("an execute_request on the control socket is answered on the control socket", async () => {
    const reply = await k.request("execute_request", { code: "40 + 2", silent: false, store_history: true }, "control");
    const id = reply.parent_header.msg_id;
    expect(k.repliedOn.get(id)).toBe("control");
    expect(reply.content.status).toBe("ok");
    await k.idle(id);
    expect(k.of(id, "execute_result")[0].content.data).toEqual({ "text/plain": "42" });
  });

  test("an interrupt ends a cell stuck in a top-level await with KeyboardInterrupt; the kernel goes on", async () => {
    const frames = k.frames("execute_request", { code: "await new Promise(() => {});", silent: false, store_history: true });
    const replied = k.sendAndWait(frames, "shell", 20000);
    const id = JSON.parse(frames[2].toString()).msg_id as string;
    await k.until(() => k.of(id, "execute_input").length > 0, 10000, "the cell to start");
    await new Promise((r) => setTimeout(r, 300));
    const ir = await k.request("interrupt_request", {}, "control");
    expect(ir.content.status).toBe("ok");
    const reply = await replied;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    await k.idle(id);
    expect(k.of(id, "error")[0].content.ename).toBe("KeyboardInterrupt");
    const { reply: next, id: nextId } = await k.execute("2 + 2");
    expect(next.content.status).toBe("ok");
    expect(k.of(nextId, "execute_result")[0].content.data).toEqual({ "text/plain": "4" });
  });
});

test("signature_scheme hmac-sha512 is honoured; an unknown scheme stops the kernel with a clear error", async () => {
  const k = await RawKernel.start({ connection: { signature_scheme: "hmac-sha512" } });
  try {
    expect(k.signer.hash).toBe("sha512");
    const { reply } = await k.execute("3 * 3");
    expect(reply.content.status).toBe("ok");
    // A message signed with sha256 instead is dropped.
    const sha256 = new (await import("../../kernel/wire")).Signer(k.conn.key, "hmac-sha256");
    await k.send((await import("../../kernel/wire")).encode(sha256, "t", "execute_request", { code: "1" }));
    await k.until(() => /invalid signature/.test(k.stderr), 5000, "the log line");
  } finally {
    await k.stop();
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "tl-scheme-"));
  const file = path.join(dir, "kernel.json");
  writeFileSync(
    file,
    JSON.stringify({
      transport: "tcp",
      ip: "127.0.0.1",
      key: "k",
      signature_scheme: "hmac-nosuch",
      shell_port: 1,
      iopub_port: 2,
      stdin_port: 3,
      control_port: 4,
      hb_port: 5,
    }),
  );
  const child = spawn(process.execPath, [CLI, "kernel", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  expect(code).toBe(1);
  expect(err).toMatch(/signature_scheme "hmac-nosuch": Node's crypto has no such hash: nosuch/);
}, 90000);

test("the terminal runner's connection file is 0600 while the kernel runs, and is gone afterwards", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "tl-runner-"));
  const nb = path.join(tmp, "probe.ipynb");
  const probe = `import * as fs from "fs";
const dir = fs.readdirSync(process.env.TMPDIR!).filter((d) => d.startsWith("threadlab-conn-"));
const file = dir.map((d) => process.env.TMPDIR + "/" + d + "/kernel.json").filter((f) => fs.existsSync(f));
console.log("files", file.length, "mode", (fs.statSync(file[0]).mode & 0o777).toString(8));`;
  writeFileSync(
    nb,
    JSON.stringify({
      cells: [{ cell_type: "code", source: probe, metadata: {}, outputs: [] }],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  const run = spawn(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(path.join(path.dirname(CLI), "run-notebooks.js"))}).runNotebooks([${JSON.stringify(nb)}], ${JSON.stringify(tmp)}).then((f) => process.exit(f))`,
    ],
    { env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  run.stdout.on("data", (d: Buffer) => (out += d.toString()));
  run.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => run.once("exit", r));
  expect(out).toContain("files 1 mode 600");
  expect(code).toBe(0);
  expect(readdirSync(tmp).filter((d) => d.startsWith("threadlab-conn-"))).toEqual([]);
}, 90000);
