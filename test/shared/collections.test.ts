/** SharedList and SharedDict: every thread sees every change; each operation is atomic. */
import { IndexError, KeyError, SharedDict, SharedList, Thread, Value, ValueError } from "threadlab";

function appendMany(lst: SharedList<string>, tag: string, n: number): void {
  for (let i = 0; i < n; i++) lst.append(`${tag}${i}`);
}
function countWords(d: SharedDict<number>, words: string[]): void {
  for (const w of words) d.update(w, (n = 0) => n + 1);
}
/** Rewrites one big value over and over (two sizes, so that a torn read also mixes lengths) until told to stop. */
function rewriteDict(d: SharedDict<string>, stop: Value<"i">, writes: Value<"i">): void {
  const a = "a".repeat(300_000);
  const b = "b".repeat(200_000);
  for (let i = 0; stop.value === 0; i++) {
    d.set("v", i % 2 ? a : b);
    writes.value += 1;
  }
}
function rewriteList(lst: SharedList<string>, stop: Value<"i">, writes: Value<"i">): void {
  const a = "a".repeat(300_000);
  for (let i = 1; stop.value === 0; i++) {
    if (i % 2) lst.append(a);
    else lst.pop();
    writes.value += 1;
  }
}
function readBack(lst: SharedList<number>, d: SharedDict<string>, out: Value<"i">): void {
  out.value = lst.get(-1) === 3 && d.get("who") === "main" ? 1 : 2;
  lst.append(4);
  d.set("who", "thread");
}

describe("SharedList and SharedDict", () => {
  test("four threads append 500 items each: none is lost, each thread's in order", () => {
    const lst = new SharedList<string>();
    const ts = ["a", "b", "c", "d"].map((tag) => new Thread({ target: appendMany, args: [lst, tag, 500] }));
    ts.forEach((t) => t.start());
    ts.forEach((t) => t.join());
    const items = lst.toArray();
    expect(items).toHaveLength(2000);
    for (const tag of ["a", "b", "c", "d"]) {
      expect(items.filter((x) => x[0] === tag)).toEqual(Array.from({ length: 500 }, (_, i) => `${tag}${i}`));
    }
  });

  test("atomic read-modify-write on a SharedDict from several threads", () => {
    const d = new SharedDict<number>();
    const words = Array.from({ length: 300 }, (_, i) => ["x", "y", "z"][i % 3]);
    const ts = [1, 2, 3].map(() => new Thread({ target: countWords, args: [d, words] }));
    ts.forEach((t) => t.start());
    ts.forEach((t) => t.join());
    expect(Object.fromEntries(d.items().map(([k, v]) => [String(k), v]))).toEqual({ x: 300, y: 300, z: 300 });
  });

  test("a thread sees the main thread's changes and the main thread sees the thread's", () => {
    const lst = new SharedList([1, 2, 3]);
    const d = new SharedDict({ who: "main" });
    const out = new Value("i", 0);
    const t = new Thread({ target: readBack, args: [lst, d, out] });
    t.start();
    t.join();
    expect(out.value).toBe(1);
    expect(lst.toArray()).toEqual([1, 2, 3, 4]);
    expect(d.get("who")).toBe("thread");
  });

  test("a read while another thread rewrites the value sees a whole value, never a torn one", () => {
    const d = new SharedDict<string>({ v: "b".repeat(200_000) });
    const stop = new Value("i", 0);
    const writes = new Value("i", 0);
    const t = new Thread({ target: rewriteDict, args: [d, stop, writes] });
    t.start();
    const seen = { a: 0, b: 0, torn: 0, threw: 0 };
    const end = performance.now() + 1500;
    try {
      while (performance.now() < end || writes.value < 50) {
        try {
          const v = d.get("v")!;
          if (v === "a".repeat(300_000)) seen.a++;
          else if (v.length === 200_000 && !/[^b]/.test(v)) seen.b++;
          else seen.torn++;
        } catch {
          seen.threw++;
        }
      }
    } finally {
      stop.value = 1;
      t.join();
    }
    expect({ torn: seen.torn, threw: seen.threw }).toEqual({ torn: 0, threw: 0 });
    expect(seen.a + seen.b).toBeGreaterThan(0);
  });

  test("a list's length and items read while another thread appends and pops are whole", () => {
    const lst = new SharedList<string>(["x"]);
    const stop = new Value("i", 0);
    const writes = new Value("i", 0);
    const t = new Thread({ target: rewriteList, args: [lst, stop, writes] });
    t.start();
    let bad = 0;
    const end = performance.now() + 1500;
    try {
      while (performance.now() < end || writes.value < 50) {
        try {
          const n = lst.length;
          const items = lst.toArray();
          if (n < 1 || n > 2 || items.length < 1 || items.length > 2 || items[0] !== "x") bad++;
          if (items.length === 2 && items[1] !== "a".repeat(300_000)) bad++;
        } catch {
          bad++;
        }
      }
    } finally {
      stop.value = 1;
      t.join();
    }
    expect(bad).toBe(0);
  });

  test("list operations and their errors, worded as Python's", () => {
    const lst = new SharedList<number>([3, 1, 2]);
    lst.sort();
    expect(lst.toArray()).toEqual([1, 2, 3]);
    lst.insert(0, 0);
    expect(lst.pop()).toBe(3);
    expect(lst.pop(0)).toBe(0);
    expect(lst.index(2)).toBe(1);
    expect(lst.count(1)).toBe(1);
    lst.remove(1);
    expect(() => lst.remove(9)).toThrow(ValueError);
    expect(() => lst.remove(9)).toThrow("list.remove(x): x not in list");
    expect(() => lst.get(5)).toThrow(IndexError);
    expect(() => lst.get(5)).toThrow("list index out of range");
    expect(() => lst.set(5, 1)).toThrow("list assignment index out of range");
    lst.clear();
    expect(() => lst.pop()).toThrow("pop from empty list");
    expect(() => lst.append((() => 1) as never)).toThrow(
      "cannot send the SharedList[0] to a thread: it is a function inside data",
    );
  });

  test("dict operations and their errors", () => {
    const d = new SharedDict<number>({ a: 1 });
    expect(d.getItem("a")).toBe(1);
    expect(() => d.getItem("b")).toThrow(KeyError);
    expect(d.get("b", 7)).toBe(7);
    expect(d.setdefault("b", 2)).toBe(2);
    expect(d.setdefault("b", 5)).toBe(2);
    expect(d.pop("a")).toBe(1);
    expect(d.pop("a", 0)).toBe(0);
    expect(() => d.pop("a")).toThrow(KeyError);
    expect(() => d.delete("zz")).toThrow(KeyError);
    expect(d.keys()).toEqual(["b"]);
    expect(() => d.set({} as never, 1)).toThrow("SharedDict expected `key` to be a string, number, boolean or bigint");
    const v = { nested: [1] } as unknown as number;
    d.set("obj", v);
    expect(d.get("obj")).toEqual(v);
    // As a Python dict shared by threads gives back the object stored in it: the thread that stored
    // it gets it back (other threads get a frozen copy of it, one object per thread).
    expect(d.get("obj")).toBe(v);
  });
});
