/**
 * The spin policy (src/state/spin.ts, src/worker/load.ts): waits spin only
 * while the process's running threads fit in the cores other programs leave,
 * as the supervisor measures them; threads asleep in a wait are counted out.
 * Each case runs in its own process, with real busy-looping processes as the load.
 */
import { runScript } from "../helpers/run-script";

const header = `
const { Thread, Event, print, sleep } = require("threadlab");
const { sharedState } = require("../../dist/src/state/buffers");
const { C } = require("../../dist/src/state/layout");
const counters = sharedState().counters;
const spinCores = () => Atomics.load(counters, C.SPIN_CORES);
const cores = require("os").availableParallelism();
`;

describe("spinning", () => {
  test("the cores left for spinning follow the machine's load: all of them when quiet, none while every core is kept busy, all again after", async () => {
    const r = await runScript(
      header +
        `
const { spawn } = require("child_process");
// The supervisor measures the load from the first thread on.
const t = new Thread({ target: () => 0 });
t.start();
t.join();
sleep(0.3);
const quiet = spinCores();
const loops = Array.from({ length: cores }, () => spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }));
sleep(0.6);
const loaded = spinCores();
for (const p of loops) p.kill("SIGKILL");
sleep(0.6);
print(JSON.stringify({ cores, quiet, loaded, after: spinCores() }));
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    const m = JSON.parse(r.stdout);
    // Quiet: the machine's cores (less any that other programs on this machine use now).
    expect(m.quiet).toBeGreaterThanOrEqual(m.cores - 1);
    expect(m.loaded).toBe(0);
    expect(m.after).toBeGreaterThanOrEqual(m.cores - 1);
  });

  test("threads asleep in a wait are counted as asleep, and as running again when they wake", async () => {
    const r = await runScript(
      header +
        `
const ev = new Event();
const go = new Event();
const asleep = () => Atomics.load(counters, C.SLEEPING);
const alive = () => Atomics.load(counters, C.WORKERS_ALIVE);
const ts = Array.from({ length: 3 }, () => new Thread({ target: () => ev.wait() }));
ts.forEach((t) => t.start());
sleep(0.05); // past their spins (200 µs at most): asleep now
const waiting = { asleep: asleep(), alive: alive() };
// A thread that runs (a busy loop) is not asleep: every other worker is.
const busy = new Thread({ target: () => { go.set(); const end = Date.now() + 400; while (Date.now() < end); } });
ev.set();
ts.forEach((t) => t.join());
busy.start();
go.wait();
const running = { asleep: asleep(), alive: alive() };
busy.join();
sleep(0.05); // past its worker's idle spin: asleep again
const after = { asleep: asleep(), alive: alive() };
print(JSON.stringify({ waiting, running, after }));
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    const m = JSON.parse(r.stdout);
    // The three threads waiting on the Event are asleep (so may be idle workers).
    expect(m.waiting.asleep).toBeGreaterThanOrEqual(3);
    expect(m.waiting.asleep).toBeLessThanOrEqual(m.waiting.alive);
    // While one worker busy-loops and main reads the counter, at most the others sleep (some may be booting).
    expect(m.running.asleep).toBeLessThanOrEqual(m.running.alive - 1);
    // Once it has ended, its worker sleeps too.
    expect(m.after.asleep).toBeGreaterThanOrEqual(m.running.asleep + 1);
    expect(m.after.asleep).toBeLessThanOrEqual(m.after.alive);
  });
});
