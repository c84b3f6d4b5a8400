/**
 * The timeline (issue 14), on real workers: interleavings read back from what
 * timeline() recorded — a Lock's critical sections never overlap and the
 * second taker's wait ends when the first releases; a Condition's producer
 * and consumer take turns; a print is a tick on its thread's lane — nothing
 * is recorded outside timeline(), and the SVG is well-formed XML with one
 * lane per thread. (It sits with output/: the timeline is one more way a
 * program's activity is shown.)
 */
import { spawnSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import type { Lane, RecordedTimeline } from "threadlab";
import { runScript } from "../helpers/run-script";

const TRACE = JSON.stringify(path.join(__dirname, "..", "..", "dist", "src", "state", "trace.js"));

// Warm workers first, so that the threads under test run at once side by side, not one after another
// on the one worker a fresh pool has booted.
const header = `const tl = require("threadlab");
const { Thread, Lock, Condition, Value, print, sleep, timeline, lastTimeline } = tl;
const warm = [0, 1, 2, 3].map(() => new Thread({ target: sleep, args: [0.05] }));
warm.forEach((t) => t.start());
warm.forEach((t) => t.join());
const report = (extra) => {
  const t = lastTimeline();
  console.log(JSON.stringify({ t0: t.t0, t1: t.t1, lanes: t.lanes, events: t.events, dropped: t.dropped, svg: t.svg, text: t.text, ...extra }));
};
`;

/** What the script reports: the recorded timeline as JSON, and what else it measured. */
type Recorded = Pick<RecordedTimeline, "t0" | "t1" | "lanes" | "events" | "dropped" | "svg" | "text"> & Record<string, unknown>;

async function record(body: string): Promise<Recorded> {
  const r = await runScript(header + body, { timeoutMs: 60000 });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no report in:\n${r.stdout}`);
  return JSON.parse(line) as Recorded;
}

const lane = (t: Recorded, name: string): Lane => {
  const l = t.lanes.find((x) => x.name === name);
  if (!l) throw new Error(`no lane ${name} in ${t.lanes.map((x) => x.name).join(", ")}`);
  return l;
};

/** Runs python3's xml.etree on `svg`: the tag of the root and the lanes' data-ident attributes. */
function parseSvg(svg: string): { root: string; lanes: string[] } {
  const py = `import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
ns = "{http://www.w3.org/2000/svg}"
print(json.dumps({"root": root.tag, "lanes": [g.get("data-ident") for g in root.iter(ns + "g") if g.get("class") == "lane"]}))`;
  const r = spawnSync("python3", ["-c", py], { input: svg, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the SVG is not well-formed XML: ${r.stderr}`);
  return JSON.parse(r.stdout) as { root: string; lanes: string[] };
}

describe("timeline", () => {
  test("two threads taking one Lock around a sleep: the critical sections never overlap; the second's lock wait ends as the first releases", async () => {
    const t = await record(`
const lock = new Lock();
function critical() {
  lock.with(() => sleep(0.2));
}
timeline(() => {
  const ts = ["A", "B"].map((name) => new Thread({ target: critical, name }));
  ts.forEach((x) => x.start());
  ts.forEach((x) => x.join());
}, { show: false });
report();
`);
    const a = lane(t, "A");
    const b = lane(t, "B");
    expect(a.started && a.ended && b.started && b.ended).toBe(true);
    // Each critical section is its sleep; exactly one thread waited for the lock, the other took it at once.
    const sleepOf = (l: Lane) => l.waits.filter((w) => w.kind === "sleep");
    expect(sleepOf(a)).toHaveLength(1);
    expect(sleepOf(b)).toHaveLength(1);
    const [first, second] = sleepOf(a)[0].t0 < sleepOf(b)[0].t0 ? [a, b] : [b, a];
    const s1 = sleepOf(first)[0];
    const s2 = sleepOf(second)[0];
    expect(s1.t1 - s1.t0).toBeGreaterThanOrEqual(199_000);
    expect(s2.t0).toBeGreaterThanOrEqual(s1.t1); // no overlap
    expect(first.waits.filter((w) => w.kind === "Lock")).toHaveLength(0);
    const waits = second.waits.filter((w) => w.kind === "Lock");
    expect(waits).toHaveLength(1);
    const w = waits[0];
    // A Lock with no name takes the name of the variable it travels to the threads by.
    expect(w.label).toBe("lock");
    expect(w.t0).toBeLessThan(s1.t1); // it began waiting while the first held the lock
    expect(w.t1).toBeGreaterThanOrEqual(s1.t1 - 1000); // and its wait ended as the first released (within 1 ms of the sleep's end)
    expect(w.t1 - s1.t1).toBeLessThan(30_000);
    expect(s2.t0).toBeGreaterThanOrEqual(w.t1 - 1000);
    // The main thread joined both; its lane is the first.
    expect(t.lanes[0].name).toBe("MainThread");
    expect(t.lanes[0].waits.filter((x) => x.kind === "join").map((x) => x.label)).toEqual(["join A", "join B"]);
    expect(t.text).toContain(`${second.name}: start`);
    expect(t.text).toMatch(/waited on lock: \d/);
  });

  test("a Condition's producer and consumer take turns: each item is put before it is got, and each get follows a Condition wait", async () => {
    const t = await record(`
const cond = new Condition();
const items = new Value("i", 0);
function consumer() {
  for (let i = 0; i < 3; i++) {
    cond.with(() => {
      while (items.value === 0) cond.wait();
      items.value -= 1;
      print("got " + i);
    });
  }
}
function producer() {
  for (let i = 0; i < 3; i++) {
    sleep(0.04);
    cond.with(() => {
      items.value += 1;
      print("put " + i);
      cond.notify();
    });
  }
}
timeline(() => {
  const c = new Thread({ target: consumer, name: "consumer" });
  const p = new Thread({ target: producer, name: "producer" });
  c.start();
  p.start();
  c.join();
  p.join();
}, { show: false });
report();
`);
    const c = lane(t, "consumer");
    const p = lane(t, "producer");
    const prints = t.events.filter((e) => e.type === "print").map((e) => e.text);
    expect(prints).toEqual(["put 0", "got 0", "put 1", "got 1", "put 2", "got 2"]);
    const condWaits = c.waits.filter((w) => w.kind === "Condition");
    expect(condWaits.length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 3; i++) {
      const put = p.prints.find((x) => x.text === `put ${i}`)!;
      const got = c.prints.find((x) => x.text === `got ${i}`)!;
      expect(put.t).toBeLessThan(got.t);
      // The consumer was waiting on the Condition when the item came, and woke after it.
      const woke = condWaits.find((w) => w.t0 < put.t && w.t1 >= put.t && w.t1 <= got.t);
      expect(woke).toBeDefined();
    }
    expect(p.waits.filter((w) => w.kind === "sleep")).toHaveLength(3);
    // The same Condition has one id in both threads (a producer's contended take of it would show the same label).
    expect(new Set(condWaits.map((w) => w.label)).size).toBe(1);
  });

  test("a print (or console.log in a thread) is a tick on its own thread's lane, its text in the tick's <title>; the SVG is well-formed with one lane per thread", async () => {
    const t = await record(`
function talk(word) {
  print("hello from " + word);
  console.log("and console.log from " + word);
}
timeline(() => {
  const ts = ["one", "two", "three"].map((w) => new Thread({ target: talk, args: [w], name: w }));
  ts.forEach((x) => x.start());
  ts.forEach((x) => x.join());
  print("main says <hi> & bye");
}, { show: false });
report();
`);
    for (const w of ["one", "two", "three"]) {
      const l = lane(t, w);
      expect(l.prints.map((x) => x.text)).toEqual([`hello from ${w}`, `and console.log from ${w}`]);
      expect(l.prints[0].t).toBeGreaterThanOrEqual(l.start);
      expect(l.prints[0].t).toBeLessThanOrEqual(l.end);
      const group = t.svg.split(`<g class="lane" data-ident="${l.ident}">`)[1].split("</g>")[0];
      expect(group).toContain(`<title>hello from ${w}</title></line>`);
      expect(group).toContain(`>${w}<title>`);
    }
    expect(lane(t, "MainThread").prints.map((x) => x.text)).toEqual(["main says <hi> & bye"]);
    expect(t.svg).toContain("<title>main says &lt;hi&gt; &amp; bye</title>");
    const parsed = parseSvg(t.svg);
    expect(parsed.root).toBe("{http://www.w3.org/2000/svg}svg");
    expect(parsed.lanes).toHaveLength(4);
    expect(new Set(parsed.lanes)).toEqual(new Set(t.lanes.map((l) => String(l.ident))));
    expect(t.text).toContain("one: start");
    expect(t.text).toContain("printed 2 lines");
  });

  test("nothing is recorded outside timeline(): threads that print, lock and sleep before and after leave the ring untouched", async () => {
    const t = await record(`
const trace = require(${TRACE});
const lock = new Lock();
function busy() {
  for (let i = 0; i < 20; i++) lock.with(() => { print("x"); sleep(0.001); });
}
const run = () => {
  const ts = [0, 1, 2].map(() => new Thread({ target: busy }));
  ts.forEach((x) => x.start());
  ts.forEach((x) => x.join());
};
const before = trace.traceStats();
run();
const afterOff = trace.traceStats();
timeline(() => sleep(0.01), { show: false });
const recorded = lastTimeline().events.length;
const afterOn = trace.traceStats();
run();
const afterAgain = trace.traceStats();
report({ before, afterOff, afterOn, afterAgain, recorded });
`);
    expect(t.afterOff).toEqual(t.before);
    expect(t.afterAgain).toEqual(t.afterOn);
    expect((t.afterOn as { active: boolean }).active).toBe(false);
    // Inside: only the main thread's start, its sleep and its end (the busy threads are long gone).
    expect(t.events.map((e) => e.type)).toEqual(["start", "wait", "end"]);
    expect(t.recorded).toBe(3);
    expect(t.lanes).toHaveLength(1);
  });

  test("each kind of wait is recorded as its kind: Event, Queue, Semaphore, Barrier, RLock, join, sleep; a name labels its object", async () => {
    const t = await record(`
const { Event, Queue, Semaphore, Barrier, RLock } = tl;
const ev = new Event();
const q = new Queue();
const sem = new Semaphore(0);
const bar = new Barrier(2);
const rl = new RLock();
const named = new Lock({ name: "theLock" });
function onEvent() { ev.wait(); }
function onQueue() { q.get(); }
function onSem() { sem.acquire(); }
function onBarrier() { bar.wait(); }
const held = new Semaphore(0);
function holdRLock() { rl.with(() => { held.release(); sleep(0.3); }); }
function holdNamed() { named.with(() => { held.release(); sleep(0.3); }); }
function late() { sleep(0.5); }
// Seven threads at once: warm seven workers, so that no start() waits for a new worker to boot.
const more = [0, 1, 2, 3, 4, 5, 6].map(() => new Thread({ target: sleep, args: [0.05] }));
more.forEach((x) => x.start());
more.forEach((x) => x.join());
timeline(() => {
  // The holders last: each holds its lock for 0.3 s from just before the main thread asks for it.
  const ts = [onEvent, onQueue, onSem, onBarrier, late, holdRLock, holdNamed].map((f) => new Thread({ target: f, name: f.name }));
  ts.forEach((x) => x.start());
  held.acquire();
  held.acquire();
  rl.with(() => named.with(() => print("took both")));
  sleep(0.03);
  ev.set();
  q.put(1);
  sem.release();
  bar.wait();
  ts.forEach((x) => x.join());
}, { show: false });
report();
`);
    // A failure names the lane: what each thread did, in the summary.
    const kinds = (name: string) => [name, ...lane(t, name).waits.map((w) => w.kind)];
    expect(kinds("onEvent")).toEqual(["onEvent", "Event"]);
    expect(kinds("onQueue")).toEqual(["onQueue", "Queue"]);
    expect(kinds("onSem")).toEqual(["onSem", "Semaphore"]);
    expect(kinds("onBarrier")).toEqual(["onBarrier", "Barrier"]);
    const main = lane(t, "MainThread").waits;
    expect(main.filter((w) => w.kind === "RLock")).toHaveLength(1);
    expect(main.filter((w) => w.kind === "Lock").map((w) => w.label)).toEqual(["theLock"]);
    expect(main.filter((w) => w.kind === "sleep")).toHaveLength(1);
    expect(main.filter((w) => w.kind === "join").map((w) => w.label)).toContain("join late");
    // The waiters woke when the main thread acted, not before.
    const set = lane(t, "MainThread").prints[0].t;
    for (const name of ["onEvent", "onQueue", "onSem", "onBarrier"]) expect(lane(t, name).waits[0].t1).toBeGreaterThan(set);
  });

  test("timelines do not nest: a second timeline() inside one throws RuntimeError, and the first goes on recording", async () => {
    const t = await record(`
let inner = "";
timeline(() => {
  try {
    timeline(() => print("never"), { show: false });
  } catch (e) {
    inner = e.constructor.name + ": " + e.message;
  }
  print("after");
}, { show: false });
report({ inner });
`);
    expect(t.inner).toBe("RuntimeError: timeline() is already recording (timelines do not nest)");
    expect(t.events.filter((e) => e.type === "print").map((e) => e.text)).toEqual(["after"]);
  });

  test("an async fn: timeline returns its promise's result; a script writes the picture to the path given and prints it", async () => {
    const file = path.join(os.tmpdir(), `threadlab-timeline-${process.pid}.svg`);
    const r = await runScript(
      header +
        `
(async () => {
  const got = await timeline(async () => {
    const t = new Thread({ target: sleep, args: [0.02], name: "napper" });
    t.start();
    await new Promise((res) => setTimeout(res, 30));
    t.join();
    return 42;
  }, { path: ${JSON.stringify(file)} });
  console.log("result " + got);
  console.log("lanes " + lastTimeline().lanes.map((l) => l.name).join(","));
})();
`,
      { timeoutMs: 60000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`timeline: ${file}\n`);
    expect(r.stdout).toContain("result 42\n");
    expect(r.stdout).toContain("lanes MainThread,napper\n");
    expect(existsSync(file)).toBe(true);
    const svg = readFileSync(file, "utf8");
    expect(parseSvg(svg).lanes).toHaveLength(2);
    expect(svg).toContain('data-kind="sleep"');
  });
});
