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
        python: 'def greet(name):\n    print(f"Hello, {name}!")\n\nt = threading.Thread(target=greet, args=("threads",))\nt.start()\nt.join()\nprint("the thread has finished")',
        ts: 'function greet(name: string) {\n  print(`Hello, ${name}!`);\n}\n\nconst t = new Thread({ target: greet, args: ["threads"] });\nt.start();\nt.join();\nprint("the thread has finished");',
        note: "Create the thread, start it, and wait for it with `join()`.",
      },
      {
        python: 'print(t.name, t.is_alive())',
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
        ts: 'function count(n: number) {\n  for (let i = 1; i <= n; i++) {\n    print(`counter: ${i}`);\n    sleep(0.3);\n  }\n}',
        note: "The thread's function. (The tutorial sleeps a second; the lesson sleeps 0.3 s to run faster.)",
      },
      {
        python: 't = threading.Thread(target=count, args=(5,))\nt.start()\nwhile t.is_alive():\n    print("main: still working")\n    time.sleep(0.5)\nt.join()\nprint("main: done")',
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
        python: 'def worker(number):\n    print(f"worker {number} starting")\n    time.sleep(0.5)\n    print(f"worker {number} done")\n\nthreads = []\nfor i in range(3):\n    t = threading.Thread(target=worker, args=(i,))\n    threads.append(t)\n    t.start()\nfor t in threads:\n    t.join()\nprint("all workers done")',
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
        python: 'num = 0\nlock = threading.Lock()\n\ndef add():\n    global num\n    with lock:\n        num += 1\n\nthreads = [threading.Thread(target=add) for _ in range(1000)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint(num)',
        ts: 'const num = new Value("i", 0);\nconst lock = new Lock();\n\nfunction add() {\n  lock.with(() => {\n    num.value += 1;\n  });\n}\n\nconst threads = Array.from({ length: 1000 }, () => new Thread({ target: add }));\nfor (const t of threads) t.start();\nfor (const t of threads) t.join();\nprint(num.value);',
        note: "1000 threads, each adding one under the lock: the total is exactly 1000.",
      },
      {
        python: '# The same without the lock. CPython\'s GIL usually hides this race;\n# real parallel threads show it.\nnum = 0\n\ndef add_many():\n    global num\n    for _ in range(100000):\n        num += 1\n\nthreads = [threading.Thread(target=add_many) for _ in range(8)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint(num, "of", 8 * 100000)',
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
        python: 'def background():\n    while True:\n        print("daemon: tick")\n        time.sleep(0.2)\n\nd = threading.Thread(target=background, daemon=True)\nd.start()\ntime.sleep(1)\nprint("main: ending; the daemon stops with the program")',
        ts: 'function background() {\n  for (;;) {\n    print("daemon: tick");\n    sleep(0.2);\n  }\n}\n\nconst d = new Thread({ target: background, daemon: true });\nd.start();\nsleep(1);\nprint("main: ending; the daemon is", d.daemon ? "a daemon" : "not a daemon");',
      },
      {
        python: "# (the end of a Python program)",
        ts: 'const stopped = shutdown();\nprint(`shutdown() stopped ${stopped} daemon thread(s); alive: ${d.isAlive()}`);',
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
        python: 'def show_value(data):\n    try:\n        val = data.value\n    except AttributeError:\n        print("No value yet")\n    else:\n        print("value =", val)\n\ndata = threading.local()\nshow_value(data)\ndata.value = 1000\nshow_value(data)',
        ts: 'function showValue(data: local) {\n  let val;\n  try {\n    val = data.value;\n  } catch (e) {\n    print(`${currentThread().name}: No value yet`);\n    return;\n  }\n  print(`${currentThread().name}: value = ${val}`);\n}\n\nconst data = new local();\nshowValue(data);\ndata.value = 1000;\nshowValue(data);',
      },
      {
        python: 'def worker(data, value):\n    show_value(data)\n    data.value = value\n    show_value(data)\n\nfor i in range(2):\n    t = threading.Thread(target=worker, args=(data, i))\n    t.start()\n    t.join()\nshow_value(data)',
        ts: 'function worker(data: local, value: number) {\n  showValue(data);\n  data.value = value;\n  showValue(data);\n}\n\nfor (let i = 0; i < 2; i++) {\n  const t = new Thread({ target: worker, args: [data, i] });\n  t.start();\n  t.join();\n}\nshowValue(data);',
        note: "Each thread starts with no value and sets its own; the main thread still sees 1000.",
      },
    ],
  },
];
