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

  test("a place that spins learns: a spin that runs out halves the next one, down to 10 µs, with a full probe now and then; one that sees its partner move restores it", async () => {
    // No thread is started, so no supervisor resets the cores: this process alone sets them.
    const r = await runScript(
      header +
        `
const { spinSite, spinUntil, setSpinCores, SPIN_US, FULL_SPIN_US } = require("../../dist/src/state/spin");
setSpinCores(64);
const site = spinSite();
const fresh = site.budgetUs;
const budgets = [];
for (let i = 0; i < 6; i++) { spinUntil(() => false, site); budgets.push(site.budgetUs); }
// Short spins now; the 8th short one is a full spin (it cannot end sooner than SPIN_US), and,
// running out too, puts the next probe twice as far away.
const took = [];
for (let i = 0; i < 8; i++) { const t0 = performance.now(); spinUntil(() => false, site); took.push((performance.now() - t0) * 1000); }
const probeEvery = site.probeEvery;
// Done at the first look: says nothing, changes nothing.
spinUntil(() => true, site);
const afterAtOnce = site.budgetUs;
// The partner moves while this spins (done on the 20th look, before the spin first reads the clock at
// its 32nd, so that however slowly the loop runs it cannot run out first): full spins again.
let looks = 0;
const moved = spinUntil(() => ++looks >= 20, site);
const restored = { budget: site.budgetUs, probeEvery: site.probeEvery };
// Cores full: a spin that runs out says nothing about one with cores to spare.
setSpinCores(0);
const t0 = performance.now();
spinUntil(() => false, site);
const fullTook = (performance.now() - t0) * 1000;
print(JSON.stringify({ SPIN_US, FULL_SPIN_US, fresh, budgets, took, probeEvery, afterAtOnce, moved, restored, fullBudget: site.budgetUs, fullTook }));
`,
      { timeoutMs: 30000 },
    );
    expect(r.stderr).toBe("");
    const m = JSON.parse(r.stdout);
    expect(m.SPIN_US).toBe(200);
    expect(m.fresh).toBe(200);
    expect(m.budgets).toEqual([100, 50, 25, 12.5, 10, 10]);
    // Each spin lasts at least its budget; the probe the full 200 µs: the budget fell after the first
    // spin, so the first loop's other five and this loop's first two were short spins 1-7, its third the 8th.
    expect(Math.min(...m.took)).toBeGreaterThanOrEqual(10);
    expect(m.took[2]).toBeGreaterThanOrEqual(200);
    expect(m.probeEvery).toBe(16);
    expect(m.afterAtOnce).toBe(10);
    expect(m.moved).toBe(true);
    expect(m.restored).toEqual({ budget: 200, probeEvery: 8 });
    expect(m.fullBudget).toBe(200);
    expect(m.fullTook).toBeGreaterThanOrEqual(m.FULL_SPIN_US);
  });
});
