/**
 * The timeline in the kernel, through a real Jupyter server: a cell that
 * calls timeline() gets the picture as a display_data (image/svg+xml with a
 * text/plain summary) of its own, and a thread's print inside it still goes
 * to that cell as a stream and appears as a tick in the picture.
 */
import { jupyterMissing, KernelSession, startServer, type Server } from "../helpers/jupyter";

const missing = jupyterMissing();
const describeKernel = missing ? describe.skip : describe;
if (missing) process.stderr.write(`test/kernel/timeline.test.ts: ${missing}\n`);

describeKernel("timeline in the kernel", () => {
  let server: Server;
  let k: KernelSession;

  beforeAll(async () => {
    server = await startServer();
    k = await KernelSession.start(server);
    await k.run(`import { Thread, Lock, sleep, print, timeline } from "threadlab";`);
  }, 120000);

  afterAll(async () => {
    await k?.stop();
    await server?.stop();
  });

  test("a cell calling timeline() gets a display_data with image/svg+xml and text/plain, in that cell", async () => {
    const other = await k.run(`1 + 1`);
    const { id, reply } = await k.run(`
const lock = new Lock();
function worker(n: number) {
  lock.with(() => { print("in " + n); sleep(0.03); });
}
timeline(() => {
  const ts = [1, 2].map((n) => new Thread({ target: worker, args: [n], name: "w" + n }));
  ts.forEach((t) => t.start());
  ts.forEach((t) => t.join());
});`);
    expect(reply.content.status).toBe("ok");
    const shown = k.of(id, "display_data");
    expect(shown).toHaveLength(1);
    const data = shown[0].content.data as Record<string, string>;
    expect(data["image/svg+xml"]).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(data["image/svg+xml"]).toMatch(/<\/svg>$/);
    expect(data["image/svg+xml"].match(/<g class="lane"/g)).toHaveLength(3);
    expect(data["image/svg+xml"]).toContain("<title>in 1</title></line>");
    expect(data["text/plain"]).toMatch(/^timeline: [\d.]+ ms, 3 threads/);
    expect(data["text/plain"]).toContain("w1: start");
    expect(data["text/plain"]).toContain("w2: start");
    expect(k.text(id)).toBe("in 1\nin 2\n");
    expect(k.of(other.id, "display_data")).toHaveLength(0);
    // No file is written in the kernel: the picture is the cell's.
    expect(k.text(id)).not.toContain("timeline:");
  });
});
