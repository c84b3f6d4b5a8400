/**
 * The lessons, one per section of the classic Python threading tutorial. Each
 * step is the Python the tutorial shows (with the lines its samples lost put
 * back: `t.start()`, `t.join()`, `time.sleep(1)`, `print(num)`, the `try:` of
 * the local example) and the TypeScript that does the same with threadlab.
 *
 * `node notebooks/build.js` writes NN-topic.ipynb from this file and runs each
 * notebook through the threadlab kernel, saving the outputs it produces.
 */
"use strict";

const IMPORTS = `import { Thread, Lock, Value, local, sleep, print, currentThread, shutdown } from "threadlab";`;

module.exports = [
  {
    file: "01-basics.ipynb",
    title: "Threads: create, start, join",
    intro:
      "A thread runs a function beside the code that started it. In Python you create a `threading.Thread` with a " +
      "`target` and `args`, `start()` it, and `join()` it to wait until it ends. threadlab has the same names; " +
      "each thread is a real worker thread, and `print` in it shows up in the cell that started it.",
    steps: [
      { python: "import threading\nimport time", ts: IMPORTS, note: "Import what the lesson uses." },
      {
        python:
          'def greet(name):\n    print(f"Hello, {name}!")\n\nt = threading.Thread(target=greet, args=("threads",))\nt.start()\nt.join()\nprint("the thread has finished")',
        ts: 'function greet(name: string) {\n  print(`Hello, ${name}!`);\n}\n\nconst t = new Thread({ target: greet, args: ["threads"] });\nt.start();\nt.join();\nprint("the thread has finished");',
        note: "Create the thread, start it, and wait for it with `join()`.",
      },
      {
        python: "print(t.name, t.is_alive())",
        ts: "print(t.name, t.isAlive());",
        note: "Every thread has a name (`Thread-N (target)` unless you give one) and can tell whether it is still running.",
      },
    ],
  },
  {
    file: "02-full-example.ipynb",
    title: "A full example: a counting thread beside the main thread",
    intro:
      "The main thread does not stop while a thread runs. Here a thread counts slowly while the main thread prints " +
      "its own lines; their output interleaves, because both run at the same time.",
    steps: [
      { python: "import threading\nimport time", ts: IMPORTS },
      {
        python: 'def count(n):\n    for i in range(1, n + 1):\n        print(f"counter: {i}")\n        time.sleep(1)',
        ts: "function count(n: number) {\n  for (let i = 1; i <= n; i++) {\n    print(`counter: ${i}`);\n    sleep(0.3);\n  }\n}",
        note: "The thread's function. (The tutorial sleeps a second; the lesson sleeps 0.3 s to run faster.)",
      },
      {
        python:
          't = threading.Thread(target=count, args=(5,))\nt.start()\nwhile t.is_alive():\n    print("main: still working")\n    time.sleep(0.5)\nt.join()\nprint("main: done")',
        ts: 'const t = new Thread({ target: count, args: [5] });\nt.start();\nwhile (t.isAlive()) {\n  print("main: still working");\n  sleep(0.5);\n}\nt.join();\nprint("main: done");',
        note: "Start the counter, and keep the main thread busy while it runs.",
      },
    ],
  },
  {
    file: "03-multiple-threads.ipynb",
    title: "Multiple threads",
    intro:
      "Start several threads and they all run at once. Keep them in a list, start each, then join each. " +
      "threadlab threads run in parallel on separate cores: there is no GIL.",
    steps: [
      { python: "import threading\nimport time", ts: IMPORTS },
      {
        python:
          'def worker(number):\n    print(f"worker {number} starting")\n    time.sleep(0.5)\n    print(f"worker {number} done")\n\nthreads = []\nfor i in range(3):\n    t = threading.Thread(target=worker, args=(i,))\n    threads.append(t)\n    t.start()\nfor t in threads:\n    t.join()\nprint("all workers done")',
        ts: 'function worker(num: number) {\n  print(`worker ${num} starting`);\n  sleep(0.5);\n  print(`worker ${num} done`);\n}\n\nconst threads: Thread[] = [];\nfor (let i = 0; i < 3; i++) {\n  const t = new Thread({ target: worker, args: [i] });\n  threads.push(t);\n  t.start();\n}\nfor (const t of threads) t.join();\nprint("all workers done");',
        note: "Three workers sleep at the same time, so the whole cell takes about half a second, not one and a half.",
      },
    ],
  },
  {
    file: "04-locks.ipynb",
    title: "Locks: 1000 threads add one to a shared number",
    intro:
      "When threads change the same data, a `Lock` makes each change whole. Threads share numbers through " +
      "`Value` (shared memory, like `multiprocessing.Value`): a plain variable would be copied into each thread. " +
      "`lock.with(() => ...)` is Python's `with lock:`.",
    steps: [
      { python: "import threading", ts: IMPORTS },
      {
        python:
          "num = 0\nlock = threading.Lock()\n\ndef add():\n    global num\n    with lock:\n        num += 1\n\nthreads = [threading.Thread(target=add) for _ in range(1000)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint(num)",
        ts: 'const num = new Value("i", 0);\nconst lock = new Lock();\n\nfunction add() {\n  lock.with(() => {\n    num.value += 1;\n  });\n}\n\nconst threads = Array.from({ length: 1000 }, () => new Thread({ target: add }));\nfor (const t of threads) t.start();\nfor (const t of threads) t.join();\nprint(num.value);',
        note: "1000 threads, each adding one under the lock: the total is exactly 1000.",
      },
      {
        python:
          '# The same without the lock. CPython\'s GIL usually hides this race;\n# real parallel threads show it.\nnum = 0\n\ndef add_many():\n    global num\n    for _ in range(100000):\n        num += 1\n\nthreads = [threading.Thread(target=add_many) for _ in range(8)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint(num, "of", 8 * 100000)',
        ts: 'const racy = new Value("i", 0);\n\nfunction addMany() {\n  for (let i = 0; i < 1_000_000; i++) racy.value += 1; // read, add, write: not one step\n}\n\nconst racers = Array.from({ length: 8 }, () => new Thread({ target: addMany }));\nfor (const t of racers) t.start();\nfor (const t of racers) t.join();\nprint(racy.value, "of", 8 * 1_000_000, racy.value < 8_000_000 ? "- updates were lost" : "");',
        note: "Without the lock, two threads read the same old value and both write it back plus one: updates are lost.",
      },
    ],
  },
  {
    file: "05-daemon-threads.ipynb",
    title: "Daemon threads",
    intro:
      "A daemon thread runs in the background and does not keep the program alive: when the main program ends, " +
      "daemon threads are stopped. A notebook has no end, so `shutdown()` does the same on demand: it waits for " +
      "every non-daemon thread, then stops the daemon threads.",
    steps: [
      { python: "import threading\nimport time", ts: IMPORTS },
      {
        python:
          'def background():\n    while True:\n        print("daemon: tick")\n        time.sleep(0.2)\n\nd = threading.Thread(target=background, daemon=True)\nd.start()\ntime.sleep(1)\nprint("main: ending; the daemon stops with the program")',
        ts: 'function background() {\n  for (;;) {\n    print("daemon: tick");\n    sleep(0.2);\n  }\n}\n\nconst d = new Thread({ target: background, daemon: true });\nd.start();\nsleep(1);\nprint("main: ending; the daemon is", d.daemon ? "a daemon" : "not a daemon");',
      },
      {
        python: "# (the end of a Python program)",
        ts: "const stopped = shutdown();\nprint(`shutdown() stopped ${stopped} daemon thread(s); alive: ${d.isAlive()}`);",
        note: "What the end of a script does, here and now.",
      },
    ],
  },
  {
    file: "06-thread-local.ipynb",
    title: "Thread-local data",
    intro:
      "`threading.local()` holds values that each thread sees on its own. A thread that never set a name gets an " +
      "`AttributeError` when it reads it, just as in Python.",
    steps: [
      { python: "import threading", ts: IMPORTS },
      {
        python:
          'def show_value(data):\n    try:\n        val = data.value\n    except AttributeError:\n        print("No value yet")\n    else:\n        print("value =", val)\n\ndata = threading.local()\nshow_value(data)\ndata.value = 1000\nshow_value(data)',
        ts: "function showValue(data: local) {\n  let val;\n  try {\n    val = data.value;\n  } catch (e) {\n    print(`${currentThread().name}: No value yet`);\n    return;\n  }\n  print(`${currentThread().name}: value = ${val}`);\n}\n\nconst data = new local();\nshowValue(data);\ndata.value = 1000;\nshowValue(data);",
      },
      {
        python:
          "def worker(data, value):\n    show_value(data)\n    data.value = value\n    show_value(data)\n\nfor i in range(2):\n    t = threading.Thread(target=worker, args=(data, i))\n    t.start()\n    t.join()\nshow_value(data)",
        ts: "function worker(data: local, value: number) {\n  showValue(data);\n  data.value = value;\n  showValue(data);\n}\n\nfor (let i = 0; i < 2; i++) {\n  const t = new Thread({ target: worker, args: [data, i] });\n  t.start();\n  t.join();\n}\nshowValue(data);",
        note: "Each thread starts with no value and sets its own; the main thread still sees 1000.",
      },
    ],
  },
  {
    file: "07-event-and-condition.ipynb",
    title: "Event and Condition",
    intro:
      "An `Event` is a flag threads wait for: `wait()` blocks until another thread calls `set()`. A `Condition` " +
      "lets threads wait for a state to change, holding a lock around the check: `waitFor(predicate)` waits until " +
      "the predicate is true, and whoever changes the state calls `notify()`.",
    steps: [
      {
        python: "import threading\nimport time",
        ts: `import { Thread, Event, Condition, Value, sleep, print } from "threadlab";`,
      },
      {
        python:
          'ready = threading.Event()\n\ndef waiter(name):\n    print(f"{name}: waiting for the signal")\n    ready.wait()\n    print(f"{name}: got it")\n\nthreads = [threading.Thread(target=waiter, args=(n,)) for n in ("A", "B")]\nfor t in threads:\n    t.start()\ntime.sleep(0.3)\nprint("main: set")\nready.set()\nfor t in threads:\n    t.join()',
        ts: 'const ready = new Event();\n\nfunction waiter(name: string) {\n  print(`${name}: waiting for the signal`);\n  ready.wait();\n  print(`${name}: got it`);\n}\n\nconst waiters = ["A", "B"].map((n) => new Thread({ target: waiter, args: [n] }));\nfor (const t of waiters) t.start();\nsleep(0.3);\nprint("main: set");\nready.set();\nfor (const t of waiters) t.join();',
        note: "Both threads block in `wait()` until the main thread sets the event.",
      },
      {
        python:
          'cond = threading.Condition()\nstock = 0\n\ndef buyer():\n    global stock\n    with cond:\n        cond.wait_for(lambda: stock > 0)\n        stock -= 1\n        print("bought one; left:", stock)\n\nbuyers = [threading.Thread(target=buyer) for _ in range(3)]\nfor t in buyers:\n    t.start()\nfor _ in range(3):\n    time.sleep(0.1)\n    with cond:\n        stock += 1\n        print("restocked:", stock)\n        cond.notify()\nfor t in buyers:\n    t.join()',
        ts: 'const cond = new Condition();\nconst stock = new Value("i", 0);\n\nfunction buyer() {\n  cond.with(() => {\n    cond.waitFor(() => stock.value > 0);\n    stock.value -= 1;\n    print("bought one; left:", stock.value);\n  });\n}\n\nconst buyers = Array.from({ length: 3 }, () => new Thread({ target: buyer }));\nfor (const t of buyers) t.start();\nfor (let i = 0; i < 3; i++) {\n  sleep(0.1);\n  cond.with(() => {\n    stock.value += 1;\n    print("restocked:", stock.value);\n    cond.notify();\n  });\n}\nfor (const t of buyers) t.join();',
        note: "Each restock wakes one buyer, who finds the stock and takes it.",
      },
    ],
  },
  {
    file: "08-producer-consumer.ipynb",
    title: "Producer and consumer with a Queue",
    intro:
      "A `Queue` hands items from threads that make them to threads that use them, safely and in order. `get()` " +
      "blocks until an item is there; `taskDone()` and `join()` let the producer wait until everything was handled.",
    steps: [
      {
        python: "import threading\nimport queue\nimport time",
        ts: `import { Thread, Queue, sleep, print, currentThread } from "threadlab";`,
      },
      {
        python:
          'q = queue.Queue(maxsize=3)\n\ndef consumer():\n    while True:\n        item = q.get()\n        if item is None:\n            q.task_done()\n            break\n        print(f"{threading.current_thread().name} handled {item}")\n        time.sleep(0.05)\n        q.task_done()\n\nworkers = [threading.Thread(target=consumer, name=f"consumer-{i}") for i in range(2)]\nfor w in workers:\n    w.start()\nfor item in range(6):\n    q.put(item)\n    print("produced", item)\nfor _ in workers:\n    q.put(None)\nq.join()\nprint("all items handled")',
        ts: 'const q = new Queue<number | null>(3);\n\nfunction consumer() {\n  for (;;) {\n    const item = q.get();\n    if (item === null) {\n      q.taskDone();\n      break;\n    }\n    print(`${currentThread().name} handled ${item}`);\n    sleep(0.05);\n    q.taskDone();\n  }\n}\n\nconst consumers = [0, 1].map((i) => new Thread({ target: consumer, name: `consumer-${i}` }));\nfor (const c of consumers) c.start();\nfor (let item = 0; item < 6; item++) {\n  q.put(item);\n  print("produced", item);\n}\nfor (const _ of consumers) q.put(null);\nq.join();\nprint("all items handled");',
        note: "The queue holds at most 3 items: the producer waits when it is full.",
      },
    ],
  },
  {
    file: "09-semaphore-and-barrier.ipynb",
    title: "Semaphore and Barrier",
    intro:
      "A `Semaphore` lets at most N threads into a section at once. A `Barrier` makes N threads wait for each other " +
      "before any of them goes on.",
    steps: [
      {
        python: "import threading\nimport time",
        ts: `import { Thread, Semaphore, Barrier, Value, sleep, print } from "threadlab";`,
      },
      {
        python:
          'slots = threading.Semaphore(2)\ninside = 0\nmost = 0\nlock = threading.Lock()\n\ndef visit():\n    global inside, most\n    with slots:\n        with lock:\n            inside += 1\n            most = max(most, inside)\n        time.sleep(0.1)\n        with lock:\n            inside -= 1\n\nthreads = [threading.Thread(target=visit) for _ in range(6)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint("at most", most, "threads inside at once")',
        ts: 'const slots = new Semaphore(2);\nconst inside = new Value("i", 0);\nconst most = new Value("i", 0);\n\nfunction visit() {\n  slots.with(() => {\n    inside.getLock().with(() => {\n      inside.value += 1;\n      most.value = Math.max(most.value, inside.value);\n    });\n    sleep(0.1);\n    inside.getLock().with(() => (inside.value -= 1));\n  });\n}\n\nconst visitors = Array.from({ length: 6 }, () => new Thread({ target: visit }));\nfor (const t of visitors) t.start();\nfor (const t of visitors) t.join();\nprint("at most", most.value, "threads inside at once");',
      },
      {
        python:
          'barrier = threading.Barrier(3, action=lambda: print("everyone is here"))\n\ndef runner(name, delay):\n    time.sleep(delay)\n    print(f"{name} arrived")\n    barrier.wait()\n    print(f"{name} goes on")\n\nthreads = [threading.Thread(target=runner, args=(n, d)) for n, d in (("A", 0.1), ("B", 0.2), ("C", 0.3))]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()',
        ts: 'const barrier = new Barrier(3, () => print("everyone is here"));\n\nfunction runner(name: string, delay: number) {\n  sleep(delay);\n  print(`${name} arrived`);\n  barrier.wait();\n  print(`${name} goes on`);\n}\n\nconst runners = ([["A", 0.1], ["B", 0.2], ["C", 0.3]] as const).map(([n, d]) => new Thread({ target: runner, args: [n, d] }));\nfor (const t of runners) t.start();\nfor (const t of runners) t.join();',
        note: "No runner goes on until the last one has arrived; the action runs once, in the last to arrive.",
      },
    ],
  },
  {
    file: "10-thread-pool-executor.ipynb",
    title: "ThreadPoolExecutor",
    intro:
      "A `ThreadPoolExecutor` runs calls on a few threads and gives back a `Future` for each: `result()` waits for " +
      "the value. `map` runs a function over many items; `asCompleted` yields futures as they finish.",
    steps: [
      {
        python: "from concurrent.futures import ThreadPoolExecutor, as_completed\nimport time",
        ts: `import { ThreadPoolExecutor, asCompleted, sleep } from "threadlab";`,
      },
      {
        python:
          "def square(x):\n    return x * x\n\nwith ThreadPoolExecutor(max_workers=4) as ex:\n    future = ex.submit(square, 12)\n    print(future.result())\n    print(list(ex.map(square, range(10))))",
        ts: "function square(x: number) {\n  return x * x;\n}\n\nnew ThreadPoolExecutor({ maxWorkers: 4 }).with((ex) => {\n  const future = ex.submit(square, 12);\n  console.log(future.result());\n  console.log([...ex.map(square, Array.from({ length: 10 }, (_, i) => i))]);\n});",
      },
      {
        python:
          'def nap(seconds):\n    time.sleep(seconds)\n    return seconds\n\nwith ThreadPoolExecutor(max_workers=3) as ex:\n    futures = [ex.submit(nap, s) for s in (0.3, 0.1, 0.2)]\n    for f in as_completed(futures):\n        print("finished:", f.result())',
        ts: 'function nap(seconds: number) {\n  sleep(seconds);\n  return seconds;\n}\n\nnew ThreadPoolExecutor({ maxWorkers: 3 }).with((ex) => {\n  const futures = [0.3, 0.1, 0.2].map((s) => ex.submit(nap, s));\n  for (const f of asCompleted(futures)) console.log("finished:", f.result());\n});',
        note: "The shortest nap finishes first.",
      },
    ],
  },
];
