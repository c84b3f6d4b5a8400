/**
 * Value and SharedArray: shared memory every thread sees, typecodes as
 * Python's array module, and no write ever lost silently.
 */
import { IndexError, OverflowError, SharedArray, Thread, Value } from "threadlab";

function fill(arr: SharedArray<"d">, v: Value<"q">): void {
  for (let i = 0; i < arr.length; i++) arr[i] = i * 1.5;
  v.value = 2n ** 40n;
}

describe("Value", () => {
  test("holds a number every thread sees", () => {
    const v = new Value("i", 41);
    expect(v.value).toBe(41);
    v.value += 1;
    expect(v.value).toBe(42);
    expect(String(v)).toBe("Value('i', 42)");
    expect(new Value("d").value).toBe(0);
  });

  test("64-bit typecodes hold bigint", () => {
    const v = new Value("q", 5);
    expect(v.value).toBe(5n);
    v.value = -(2n ** 62n);
    expect(v.value).toBe(-(2n ** 62n));
  });

  test("a write that does not fit the type throws instead of wrapping", () => {
    const v = new Value("i", 0);
    expect(() => (v.value = 2 ** 31)).toThrow(OverflowError);
    expect(() => (v.value = 2 ** 31)).toThrow("2147483648 does not fit typecode 'i' (-2147483648 to 2147483647)");
    expect(() => (v.value = 1.5)).toThrow("typecode 'i' holds integers, got 1.5");
    expect(() => (new Value("B").value = -1)).toThrow(OverflowError);
    expect(v.value).toBe(0);
  });

  test("bad typecodes get the array module's message", () => {
    expect(() => new Value("x" as never)).toThrow("bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f or d)");
    expect(() => new Value(3 as never)).toThrow(
      "Value() expected `typecode` to be a one-letter typecode string, got `3` (number)",
    );
  });

  test("getLock() is the same lock in every thread", () => {
    const v = new Value("i", 0);
    expect(v.getLock()).toBe(v.getLock());
    v.getLock().acquire();
    expect(v.getLock().locked()).toBe(true);
    v.getLock().release();
  });
});

describe("SharedArray", () => {
  test("indexes like an array and is shared with threads", () => {
    const arr = new SharedArray("d", 4);
    const big = new Value("q", 0);
    const t = new Thread({ target: fill, args: [arr, big] });
    t.start();
    t.join();
    expect(arr.toArray()).toEqual([0, 1.5, 3, 4.5]);
    expect([...arr]).toEqual([0, 1.5, 3, 4.5]);
    expect(arr[-1]).toBe(4.5);
    expect(arr.length).toBe(4);
    expect(big.value).toBe(2n ** 40n);
    expect(String(new SharedArray("i", [1, 2]))).toBe("SharedArray('i', [1, 2])");
  });

  test("writing past the end throws IndexError instead of being ignored", () => {
    const arr = new SharedArray("i", 3);
    expect(() => (arr[3] = 1)).toThrow(IndexError);
    expect(() => (arr[3] = 1)).toThrow("array assignment index out of range");
    expect(() => arr[5]).toThrow("array index out of range");
    expect(() => ((arr as unknown as Record<string, number>).foo = 1)).toThrow(
      "cannot set 'foo' on a SharedArray: only its elements can change",
    );
    expect(() => (arr[0] = 2 ** 40)).toThrow(OverflowError);
  });

  test("bad sizes say what was expected", () => {
    expect(() => new SharedArray("i", -1)).toThrow(
      "SharedArray() expected `size` to be a non-negative whole number or an array of values, got `-1` (number)",
    );
  });
});
