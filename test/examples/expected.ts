/**
 * What each program of the lessons prints, by program name (the `program` of
 * notebooks/lessons.js): the tutorial's programs as CPython prints them
 * (`/usr/bin/python3 restored/N-*.py`, thread interleaving aside), the
 * introduction's measurements, and lessons 08-11. The lesson notebooks
 * (test/notebooks) and the example scripts (test/examples) are checked against
 * the same expectations.
 */

export function linesOf(out: string): string[] {
  return out.replace(/\n$/, "").split("\n");
}

/** The number of seconds a line `<prefix> N s` reports; fails when the line is missing. */
function seconds(lines: string[], prefix: string): number {
  const line = lines.find((l) => l.startsWith(prefix));
  const m = line === undefined ? null : new RegExp(`^${prefix.replace(/[()]/g, "\\$&")}(\\d+\\.\\d+) s$`).exec(line);
  if (!m) throw new Error(`no line '${prefix}N s' in:\n${lines.join("\n")}`);
  return Number(m[1]);
}

/** One run of estimatePi: `N thread(s): pi is about P, in S s`. */
function piRun(line: string | undefined): { threads: number; pi: number; seconds: number } {
  const m = line === undefined ? null : /^(\d+) thread\(s\): pi is about (\d\.\d{3}), in (\d+\.\d{2}) s$/.exec(line);
  if (!m) throw new Error(`not a line of estimatePi: ${line}`);
  return { threads: Number(m[1]), pi: Number(m[2]), seconds: Number(m[3]) };
}

export const expected: Record<string, (out: string) => void> = {
  // The introduction: five 1 s waits take 5 s one after another, about 1 s in five threads.
  "io-bound": (out) => {
    const lines = linesOf(out);
    expect(lines).toHaveLength(2);
    const serial = seconds(lines, "5 waits of 1 s, one after another: ");
    const threaded = seconds(lines, "5 waits of 1 s, in 5 threads: ");
    expect(serial).toBeGreaterThanOrEqual(4.9);
    expect(serial).toBeLessThan(8);
    // The waits overlap: about 1 s (each thread's start and join costs a little more on a busy machine).
    expect(threaded).toBeGreaterThanOrEqual(0.95);
    expect(threaded).toBeLessThan(2.5);
  },
  // The same CPU work on 1 thread, then on one thread per core: faster in parallel (no GIL).
  "cpu-bound": (out) => {
    const lines = linesOf(out);
    expect(lines).toHaveLength(3);
    const one = piRun(lines[0]);
    const all = piRun(lines[1]);
    const m = /^speed-up on (\d+) cores: (\d+\.\d)x$/.exec(lines[2]);
    if (!m) throw new Error(`no speed-up line in:\n${out}`);
    const cores = Number(m[1]);
    expect(one.threads).toBe(1);
    expect(all.threads).toBe(cores);
    // Both runs threw every dart: 100 million of them put pi within 0.01 (the standard error is 0.0002).
    expect(Math.abs(one.pi - Math.PI)).toBeLessThan(0.01);
    expect(Math.abs(all.pi - Math.PI)).toBeLessThan(0.01);
    // The speed-up itself is a timing, measured in npm run bench (row 5b), not asserted here.
    expect(one.seconds).toBeGreaterThan(0);
    expect(all.seconds).toBeGreaterThan(0);
  },
  "1-basics": (out) => expect(out).toBe("Hello from the thread\n"),
  // CPython's order: the counter prints 1 as soon as it runs, the main thread its three lines, then 2-5 a second apart.
  "2-example": (out) =>
    expect(linesOf(out)).toEqual([
      "1",
      "Main Thread",
      "Main Thread",
      "Main Thread",
      "2",
      "3",
      "4",
      "5",
      "Thread has finished execution",
    ]),
  "3-multiple-threads": (out) => {
    const lines = linesOf(out);
    expect(lines).toHaveLength(11);
    expect(lines.filter((l) => l.startsWith("Thread-1 "))).toEqual([
      "Thread-1 1",
      "Thread-1 2",
      "Thread-1 3",
      "Thread-1 4",
      "Thread-1 5",
    ]);
    expect(lines.filter((l) => l.startsWith("Thread-2 "))).toEqual([
      "Thread-2 6",
      "Thread-2 7",
      "Thread-2 8",
      "Thread-2 9",
      "Thread-2 10",
    ]);
    // The two count at the same time: each second brings one line of each, in either order.
    for (let k = 0; k < 5; k++) expect(lines.slice(2 * k, 2 * k + 2).sort()).toEqual([`Thread-1 ${k + 1}`, `Thread-2 ${k + 6}`]);
    expect(lines[10]).toBe("All threads have finished execution");
  },
  "4-locks": (out) => expect(out).toBe("1000\n"),
  // The same without the lock: threads that really run at once lose updates.
  race: (out) => {
    const m = /^(\d+) of 8000000\n$/.exec(out);
    if (!m) throw new Error(`unexpected output: ${out}`);
    expect(Number(m[1])).toBeGreaterThan(0);
    expect(Number(m[1])).toBeLessThan(8000000);
  },
  // The daemon prints at least once before it is stopped (at the end of a script, or by shutdown()).
  "5-daemon": (out) => {
    const lines = linesOf(out);
    expect(lines.filter((l) => l !== "Daemon Thread")).toEqual(["Non-Daemon Thread"]);
    expect(lines.filter((l) => l === "Daemon Thread").length).toBeGreaterThanOrEqual(1);
  },
  "6-thread-local": (out) => {
    const lines = linesOf(out);
    expect(lines).toHaveLength(3);
    expect(lines.slice(0, 2).sort()).toEqual(["Thread 1", "Thread 2"]);
    expect(lines[2]).toBe("No value assigned");
  },
  "event-and-condition": (out) => {
    const lines = linesOf(out);
    expect(lines.indexOf("main: set")).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf("main: set")).toBeLessThan(lines.indexOf("A: got it"));
    expect(lines.indexOf("main: set")).toBeLessThan(lines.indexOf("B: got it"));
    expect(lines.filter((l) => l === "bought one; left: 0")).toHaveLength(3);
  },
  "producer-consumer": (out) => {
    const handled = linesOf(out)
      .filter((l) => / handled \d$/.test(l))
      .map((l) => Number(l.slice(-1)));
    expect(handled.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(linesOf(out).pop()).toBe("all items handled");
  },
  "semaphore-and-barrier": (out) => {
    expect(out).toContain("at most 2 threads inside at once\n");
    const lines = linesOf(out);
    const here = lines.indexOf("everyone is here");
    expect(here).toBeGreaterThan(0);
    expect(lines.slice(0, here).filter((l) => l.endsWith("arrived"))).toHaveLength(3);
    expect(lines.slice(here).filter((l) => l.endsWith("goes on"))).toHaveLength(3);
  },
  // Lesson 12: the timeline's programs print what the same programs print without it.
  "timeline-lock": (out) => expect(out).toBe("20\n"),
  "timeline-lock-held": (out) => expect(out).toBe("20\n"),
  "timeline-race": (out) => {
    const m = /^(\d+) of 2000000\n$/.exec(out);
    if (!m) throw new Error(`unexpected output: ${out}`);
    expect(Number(m[1])).toBeGreaterThan(0);
    expect(Number(m[1])).toBeLessThanOrEqual(2000000);
  },
  "timeline-condition": (out) => expect(out).toBe([0, 1, 2, 3].map((i) => `put ${i}\ngot ${i}\n`).join("")),
  "thread-pool-executor": (out) => {
    expect(out.startsWith("144\n")).toBe(true);
    expect(out).toMatch(/ 0, +1, +4, +9, +16,\s+25, 36, 49, 64, 81\s/);
    expect(out).toContain("finished: 0.1\nfinished: 0.2\nfinished: 0.3\n");
  },
};

/**
 * Strings CPython's output of a program must hold. CPython's `print` writes its text and
 * its line end separately, so two threads printing at once can run lines together:
 * its saved output is checked for what it says, not for its line breaks.
 */
export const cpythonSays: Record<string, string[]> = {
  "1-basics": ["Hello from the thread"],
  "2-example": ["1", "Main Thread", "2", "3", "4", "5", "Thread has finished execution"],
  "3-multiple-threads": [1, 2, 3, 4, 5]
    .flatMap((n) => [`Thread-1 ${n}`, `Thread-2 ${n + 5}`])
    .concat("All threads have finished execution"),
  "4-locks": ["1000"],
  // The lesson's prose says so: the GIL keeps every update.
  race: ["8000000 of 8000000"],
  "5-daemon": ["Daemon Thread", "Non-Daemon Thread"],
  "6-thread-local": ["Thread 1", "Thread 2", "No value assigned"],
};

// CPython's print writes each argument, separator and end on their own, so the lines of two threads
// can mix ("Thread-1Thread-2 6\n 1\n"). The words of what CPython says, found in what it printed,
// whatever the mixing: printed is read as a run of those words (the longest that fits first).
export function cpythonWordsMissing(printed: string, says: string[]): string[] {
  const want = says.flatMap((s) => s.split(/\s+/).filter(Boolean));
  const words = [...new Set(want)].sort((a, b) => b.length - a.length);
  const seen = new Map<string, number>();
  for (let i = 0; i < printed.length;) {
    if (/\s/.test(printed[i])) {
      i++;
      continue;
    }
    const w = words.find((w) => printed.startsWith(w, i));
    if (w) {
      seen.set(w, (seen.get(w) ?? 0) + 1);
      i += w.length;
    } else while (i < printed.length && !/\s/.test(printed[i])) i++;
  }
  const missing: string[] = [];
  for (const w of want) {
    const n = seen.get(w) ?? 0;
    if (n > 0) seen.set(w, n - 1);
    else missing.push(w);
  }
  return missing;
}
