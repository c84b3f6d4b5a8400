/**
 * Bad arguments to the shared data classes and the queues fail at the call,
 * with Python's error class and CPython's wording where CPython has one; no
 * constructor takes the hidden state threads rebuild objects from.
 */
import { OverflowError, Queue, SharedArray, SharedDict, SharedList, SimpleQueue, Thread, Value, ValueError } from "threadlab";

function putOne(q: Queue<number>): void {
  q.put(1);
}

describe("argument checks of the shared data and the queues", () => {
  test("SharedList: items must be iterable, indices whole numbers", () => {
    expect(() => new SharedList(5 as never)).toThrow(TypeError);
    expect(() => new SharedList(5 as never)).toThrow(
      "SharedList() expected `items` to be an iterable (an array, a Set...), got `5` (number)",
    );
    const lst = new SharedList<number>([1, 2]);
    expect(() => lst.insert("x" as never, 3)).toThrow('insert() expected `index` to be a whole number, got `"x"` (string)');
    expect(() => lst.insert(0.5, 3)).toThrow("insert() expected `index` to be a whole number, got `0.5` (number)");
    expect(lst.toArray()).toEqual([1, 2]); // nothing was inserted at 0
    expect(() => lst.pop("x" as never)).toThrow('pop() expected `index` to be a whole number, got `"x"` (string)');
    expect(() => lst.get(1.5)).toThrow("list indices must be integers, not `1.5` (number)");
    expect(() => lst.extend(7 as never)).toThrow(
      "extend() expected `values` to be an iterable (an array, a Set...), got `7` (number)",
    );
    expect(() => lst.sort(5 as never)).toThrow("sort() expected `compare` to be a function, got `5` (number)");
    expect(() => lst.withLock(5 as never)).toThrow("withLock() expected `fn` to be a function, got `5` (number)");
    expect(new SharedList("ab").toArray()).toEqual(["a", "b"]); // a string is iterable, as list("ab") in Python
  });

  test("SharedDict: entries must be pairs or a plain object, keys plain", () => {
    expect(() => new SharedDict(5 as never)).toThrow(TypeError);
    expect(() => new SharedDict(5 as never)).toThrow(
      "SharedDict() expected `entries` to be [key, value] pairs (an array of them, a Map) or a plain object, got `5` (number)",
    );
    expect(() => new SharedDict([1] as never)).toThrow(
      "cannot convert dictionary update sequence element #0 to a sequence: expected a [key, value] pair, got `1` (number)",
    );
    expect(() => new SharedDict([[{}, 1]] as never)).toThrow(
      "SharedDict expected `key` to be a string, number, boolean or bigint",
    );
    expect(new SharedDict(new Map([["a", 1]])).get("a")).toBe(1);
    expect(new SharedDict({ a: 1 }).get("a")).toBe(1);
    const d = new SharedDict<number>({ a: 1 });
    for (const call of [
      () => d.get([1] as never),
      () => d.has([1] as never),
      () => d.pop([1] as never),
      () => d.delete([1] as never),
    ]) {
      expect(call).toThrow("SharedDict expected `key` to be a string, number, boolean or bigint, got `[…]` (array)");
    }
    expect(() => d.update("a", 5 as never)).toThrow(
      "update() expected `fn` to be a function of the current value, got `5` (number)",
    );
  });

  test("options: an object with known keys and a capacity that fits", () => {
    expect(() => new SharedList([], null as never)).toThrow(
      "SharedList() expected `options` to be an object such as { capacityBytes }, got `null` (null)",
    );
    expect(() => new SharedDict({}, { capacity: 10 } as never)).toThrow(
      "SharedDict() got an unexpected keyword argument 'capacity' (expected capacityBytes)",
    );
    expect(() => new SharedList([], { capacityBytes: -1 })).toThrow(
      "SharedList() expected `capacityBytes` to be a whole number of at least 64, got `-1` (number)",
    );
    expect(() => new SharedList([], { capacityBytes: 2 ** 40 })).toThrow(OverflowError);
    expect(() => new Queue(0, null as never)).toThrow(TypeError);
    expect(() => new Queue(0, null as never)).toThrow(
      "Queue() expected `options` to be an object such as { capacityBytes, name }, got `null` (null)",
    );
    expect(() => new Queue(0, { capacityBytes: 2 ** 31 })).toThrow(
      "Queue() capacityBytes 2147483648 is too large (at most 1073741823)",
    );
    expect(() => new SimpleQueue(5 as never)).toThrow(
      "SimpleQueue() expected `options` to be an object such as { capacityBytes, name }",
    );
  });

  test("extra arguments, where threads' hidden state used to go, are TypeErrors", () => {
    const L = SharedList as unknown as new (...a: unknown[]) => SharedList;
    expect(() => new L([], {}, {})).toThrow("SharedList() takes at most 2 arguments (3 given)");
    const D = SharedDict as unknown as new (...a: unknown[]) => SharedDict;
    expect(() => new D([], {}, {})).toThrow("SharedDict() takes at most 2 arguments (3 given)");
    const Q = Queue as unknown as new (...a: unknown[]) => Queue;
    expect(() => new Q(0, {}, {})).toThrow("Queue() takes at most 2 arguments (3 given)");
    const V = Value as unknown as new (...a: unknown[]) => Value;
    expect(() => new V("i", 0, { typecode: "d" })).toThrow("Value() takes at most 2 arguments (3 given)");
    const A = SharedArray as unknown as new (...a: unknown[]) => SharedArray;
    expect(() => new A("i", 2, {})).toThrow("SharedArray() takes at most 2 arguments (3 given)");
  });

  test("Queue: maxsize is any whole number, kept exactly; block a boolean; timeouts as CPython's", () => {
    const q = new Queue<number>(2 ** 32 + 1);
    expect(q.maxsize).toBe(2 ** 32 + 1);
    const t = new Thread({ target: putOne, args: [q] });
    t.start();
    t.join();
    expect(q.full()).toBe(false);
    expect(() => new Queue("x" as never)).toThrow('Queue() expected `maxsize` to be a whole number, got `"x"` (string)');
    expect(() => q.get("yes" as never)).toThrow('get() expected `block` to be a boolean, got `"yes"` (string)');
    expect(() => q.put(1, true, Infinity)).toThrow("timeout value is too large");
    expect(() => q.get(true, NaN)).toThrow(ValueError);
    expect(() => q.get(true, NaN)).toThrow("Invalid value NaN (not a number)");
    expect(() => q.get(true, -1)).toThrow("'timeout' must be a non-negative number");
    expect(q.get(false, -1)).toBe(1); // as in Python, a get that does not block ignores its timeout
    expect(() => q.shutdown("now" as never)).toThrow('shutdown() expected `immediate` to be a boolean, got `"now"` (string)');
  });
});
