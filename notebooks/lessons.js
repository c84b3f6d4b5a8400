/**
 * The lessons. 01 introduces threads; 02-07 follow the Python threading
 * tutorial in ../shared/tutorial/ section by section, cell by cell: each
 * step's Python is a piece of the tutorial's program as restored/ has it
 * (the lines its samples lost put back, marked `# restored`), and its
 * TypeScript is the threadlab twin. 08-11 go on past the tutorial; 12 draws
 * threads at work with timeline().
 *
 * A lesson is a title, an intro and parts. A part is either `{ text }` (a
 * markdown cell) or a program: `{ program, tutorial?, cpython?, steps, after? }`.
 *  - `program` names it (cells carry it in their metadata, the tests find them by it);
 *  - `tutorial` is the restored/ file its steps' Python reproduces, in order;
 *  - `cpython: true`: `node notebooks/build.js` runs the steps' Python as one program
 *    with /usr/bin/python3 and saves what it printed after the program's last cell;
 *  - a step is `{ note?, python, ts }`; `end: true` marks a step whose Python only
 *    stands for the end of the program (a comment, neither compared nor run).
 *
 * `node notebooks/build.js` writes NN-topic.ipynb from this file and runs each
 * notebook through the threadlab kernel, saving the outputs it produces.
 */
"use strict";

module.exports = [
  {
    file: "01-what-are-threads.ipynb",
    title: "What threads are, what they are for, and why learn them",
    intro: `A running program starts with one thread, the **main thread**: a single line of execution that carries out your statements one after another. A **thread** is what the operating system schedules: one process can hold many threads, they all share the process's memory, and the system runs them at the same time, taking turns on one core or truly simultaneously on several cores.

Threads pay off in two kinds of work:

- **Waiting (I/O-bound).** A program that reads files, calls servers or waits for a user spends most of its time idle. While one thread waits, others can wait too, or work, so the waits overlap instead of adding up.
- **Computing (CPU-bound).** A big computation cut into pieces can have its pieces computed on several cores at once.

Standard CPython lets only one thread at a time run Python code (the global interpreter lock, GIL), so in CPython threads help with the first kind of work and not the second. threadlab's threads are Node.js worker threads, without such a lock: each can run on its own core. This lesson measures both.

Why learn threads? They keep a program responsive while it waits, let a server handle many clients at once, and put every core of the machine to work. They also bring a new kind of bug, two threads changing the same data at once, and the tools that prevent it (locks, events, queues) are what the following lessons teach. The names are Python's, so what you learn here carries over to Python and back.

The tutorial's introduction has no code: the Python beside this lesson's cells is ours.`,
    parts: [
      { text: "## Waiting side by side" },
      {
        program: "io-bound",
        steps: [
          {
            note: "The imports both demonstrations use. `sleep` is `time.sleep`: it takes seconds and blocks only the thread that calls it.",
            python: "import os\nimport random\nimport threading\nimport time",
            ts: 'import { Thread, SharedArray, print, sleep } from "threadlab";\nimport * as os from "os";',
          },
          {
            note: "`wait_one_second` stands for any wait: a file to read, a server to answer, a user to click. Five such waits, one after another, take five seconds.",
            python:
              'def wait_one_second():\n    time.sleep(1)\n\n\nstart = time.perf_counter()\nfor _ in range(5):\n    wait_one_second()\nprint(f"5 waits of 1 s, one after another: {time.perf_counter() - start:.1f} s")',
            ts:
              "function waitOneSecond() {\n  sleep(1);\n}\n\nlet start = performance.now();\nfor (let i = 0; i < 5; i++) {\n  waitOneSecond();\n}\n" +
              "print(`5 waits of 1 s, one after another: ${((performance.now() - start) / 1000).toFixed(1)} s`);",
          },
          {
            note: "The same five waits, each in a thread of its own: they happen at the same time, and the cell takes about one second.",
            python:
              'start = time.perf_counter()\nthreads = [threading.Thread(target=wait_one_second) for _ in range(5)]\nfor t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint(f"5 waits of 1 s, in 5 threads: {time.perf_counter() - start:.1f} s")',
            ts:
              "start = performance.now();\nconst threads = Array.from({ length: 5 }, () => new Thread({ target: waitOneSecond }));\nfor (const t of threads) t.start();\nfor (const t of threads) t.join();\n" +
              "print(`5 waits of 1 s, in 5 threads: ${((performance.now() - start) / 1000).toFixed(1)} s`);",
          },
        ],
      },
      { text: "## Computing side by side" },
      {
        program: "cpu-bound",
        steps: [
          {
            note:
              "Some pure computation: estimate π by throwing random darts at a unit square and counting those that land inside the quarter circle (a share of π/4 of them). " +
              "`estimate_pi` splits the darts between `n_threads` threads and times them; each thread writes its count into `hits[i]`. " +
              "Python's threads can write into a plain list, but a threadlab thread would get a frozen copy of a plain array, so `hits` is a `SharedArray`: shared memory that every thread sees.",
            python:
              "def throw_darts(n, hits, i):\n    inside = 0\n    for _ in range(n):\n        x = random.random()\n        y = random.random()\n        if x * x + y * y <= 1:\n            inside += 1\n    hits[i] = inside\n\n\n" +
              "def estimate_pi(darts, n_threads):\n    per_thread = darts // n_threads\n    hits = [0] * n_threads\n    threads = [threading.Thread(target=throw_darts, args=(per_thread, hits, i)) for i in range(n_threads)]\n" +
              "    start = time.perf_counter()\n    for t in threads:\n        t.start()\n    for t in threads:\n        t.join()\n    seconds = time.perf_counter() - start\n" +
              '    print(f"{n_threads} thread(s): pi is about {4 * sum(hits) / (per_thread * n_threads):.3f}, in {seconds:.2f} s")\n    return seconds',
            ts:
              'function throwDarts(n: number, hits: SharedArray<"i">, i: number) {\n  let inside = 0;\n  for (let k = 0; k < n; k++) {\n    const x = Math.random();\n    const y = Math.random();\n    if (x * x + y * y <= 1) inside += 1;\n  }\n  hits[i] = inside;\n}\n\n' +
              'function estimatePi(darts: number, nThreads: number): number {\n  const perThread = Math.floor(darts / nThreads);\n  const hits = new SharedArray("i", nThreads);\n  const threads = Array.from({ length: nThreads }, (_, i) => new Thread({ target: throwDarts, args: [perThread, hits, i] }));\n' +
              "  const start = performance.now();\n  for (const t of threads) t.start();\n  for (const t of threads) t.join();\n  const seconds = (performance.now() - start) / 1000;\n" +
              "  let inside = 0;\n  for (let i = 0; i < nThreads; i++) inside += hits[i];\n" +
              "  print(`${nThreads} thread(s): pi is about ${((4 * inside) / (perThread * nThreads)).toFixed(3)}, in ${seconds.toFixed(2)} s`);\n  return seconds;\n}",
          },
          {
            note:
              "The same 100 million darts, first on one thread, then on one thread per core (Node calls the number of cores `os.availableParallelism()`). " +
              "With no interpreter lock, the threads really compute at the same time: on two cores the second run takes about half as long. " +
              "(Standard CPython would be no faster with more threads here, since its threads take turns running Python code, and it would need far longer than threadlab for each run.)",
            python:
              'cores = os.cpu_count()\nDARTS = 100_000_000\nserial = estimate_pi(DARTS, 1)\nparallel = estimate_pi(DARTS, cores)\nprint(f"speed-up on {cores} cores: {serial / parallel:.1f}x")',
            ts:
              "const cores = os.availableParallelism();\nconst DARTS = 100_000_000;\nconst serial = estimatePi(DARTS, 1);\nconst parallel = estimatePi(DARTS, cores);\n" +
              "print(`speed-up on ${cores} cores: ${(serial / parallel).toFixed(1)}x`);",
          },
        ],
      },
    ],
  },
  {
    file: "02-basics.ipynb",
    title: "The basics: import, create, start, join",
    intro:
      "Running a function in a thread takes four steps: import the module, create a `Thread` whose `target` is the function, `start()` it, and `join()` it to wait until it is done. " +
      "Each step below is one cell: first the tutorial's Python (its basics program, with the lines its samples lost put back and marked `# restored`), then the TypeScript that does the same with threadlab.",
    parts: [
      {
        program: "1-basics",
        tutorial: "1-basics.py",
        cpython: true,
        steps: [
          {
            note: "**Import.** Python's threads come from the `threading` module; threadlab exports `Thread` under the same name, and a `print` that threads can call too.",
            python:
              '# "Python Threading Basics": import, create, start, join.\n# Restored: the body of my_function and the two lines the tutorial\'s samples lost (t.start(), t.join()).\nimport threading',
            ts: 'import { Thread, print } from "threadlab";',
          },
          {
            note: "**The function the thread will run.** Any function will do; this one prints a line.",
            python: 'def my_function():\n    print("Hello from the thread")',
            ts: 'function myFunction() {\n  print("Hello from the thread");\n}',
          },
          {
            note: "**Create.** A new `Thread` only describes the work: nothing runs yet. Python's keyword arguments (`target=`) become the fields of one options object.",
            python: "t = threading.Thread(target=my_function)",
            ts: "const t = new Thread({ target: myFunction });",
          },
          {
            note: "**Start.** `start()` runs the target in a new thread, beside the main thread. The thread's line appears under this cell, because this cell started it.",
            python: 't.start()  # restored ("Starting a Thread")',
            ts: "t.start();",
          },
          {
            note: "**Join.** `join()` blocks the main thread until the thread has ended; once it returns, everything the thread did is done. Here it returns at once: the thread printed its line and ended while the previous cell ran.",
            python: 't.join()   # restored ("Waiting for a Thread to Finish")',
            ts: "t.join();",
          },
        ],
      },
    ],
  },
  {
    file: "03-example.ipynb",
    title: "The example: a counting thread beside the main thread",
    intro:
      "The tutorial's example puts the four steps together and lets two threads overlap: a thread counts from 1 to 5, pausing a second after each number, " +
      "while the main thread prints three lines of its own, waits for the counter with `join()`, and then says that it is done.",
    parts: [
      {
        program: "2-example",
        tutorial: "2-example.py",
        cpython: true,
        steps: [
          {
            note: "`sleep` is `time.sleep`: it takes seconds and blocks only the thread that calls it.",
            python:
              '# "Example of Python Threading": a counting thread beside the main thread.\n# Restored: print(num) and time.sleep(1) in count(), t.start(), t.join().\nimport threading\nimport time',
            ts: 'import { Thread, print, sleep } from "threadlab";',
          },
          {
            note: "`count` prints each number of its list, then sleeps for a second. (The tutorial's sample lost the loop's body: the two restored lines.)",
            python:
              "def count(nums):\n    for num in nums:\n        print(num)      # restored\n        time.sleep(1)   # restored (the sample imports time for it)",
            ts: "function count(nums: number[]) {\n  for (const num of nums) {\n    print(num);\n    sleep(1);\n  }\n}",
          },
          {
            note: "The list goes to the thread through `args`. Python's `args` is a tuple of arguments, hence `([1, 2, 3, 4, 5],)`; threadlab's is an array of arguments, hence `[[1, 2, 3, 4, 5]]`.",
            python: "# Create thread\nt = threading.Thread(target=count, args=([1, 2, 3, 4, 5],))",
            ts: "// Create thread\nconst t = new Thread({ target: count, args: [[1, 2, 3, 4, 5]] });",
          },
          {
            note:
              "Start, work, wait, carry on: in one cell, so that all of the output lands together. The counter prints `1` and goes to sleep; during that second the main thread prints its three lines and blocks in `join()`; " +
              "the counter goes on to `5`, one number a second, and only when it has ended does the main thread print its last line. The cell takes about five seconds.",
            python:
              '# Start thread\nt.start()  # restored\n\n# Main thread continues to execute\nfor i in range(0, 3):\n    print("Main Thread")\n\n# Wait for the thread to finish\nt.join()  # restored\n\n# Continue with main thread\nprint("Thread has finished execution")',
            ts: '// Start thread\nt.start();\n\n// Main thread continues to execute\nfor (let i = 0; i < 3; i++) {\n  print("Main Thread");\n}\n\n// Wait for the thread to finish\nt.join();\n\n// Continue with main thread\nprint("Thread has finished execution");',
          },
        ],
      },
    ],
  },
  {
    file: "04-multiple-threads.ipynb",
    title: "Multiple threads",
    intro:
      "A program can start as many threads as it likes. In the tutorial's next program two threads run the same function on different data: " +
      "one counts 1 to 5 under the name `Thread-1`, the other 6 to 10 as `Thread-2`, each pausing a second after every number.",
    parts: [
      {
        program: "3-multiple-threads",
        tutorial: "3-multiple-threads.py",
        cpython: true,
        steps: [
          {
            python:
              '# "Multiple Threads": two threads run the same function with different arguments.\n# Restored: time.sleep(1) in the loop, t1.start(), t2.start(), t1.join(), t2.join().\nimport threading\nimport time',
            ts: 'import { Thread, print, sleep } from "threadlab";',
          },
          {
            note: "`count` now also takes a name, which it prints before each number.",
            python:
              "def count(nums, threadName):\n    for num in nums:\n        print(threadName, num)\n        time.sleep(1)  # restored (the sample imports time for it)",
            ts: "function count(nums: number[], threadName: string) {\n  for (const num of nums) {\n    print(threadName, num);\n    sleep(1);\n  }\n}",
          },
          {
            note: "Two threads with one target and different arguments.",
            python:
              "# Create threads\nt1 = threading.Thread(target=count, args=([1, 2, 3, 4, 5], 'Thread-1', ))\nt2 = threading.Thread(target=count, args=([6, 7, 8, 9, 10], 'Thread-2', ))",
            ts: '// Create threads\nconst t1 = new Thread({ target: count, args: [[1, 2, 3, 4, 5], "Thread-1"] });\nconst t2 = new Thread({ target: count, args: [[6, 7, 8, 9, 10], "Thread-2"] });',
          },
          {
            note:
              "Both threads are started before either is joined, so they count at the same time: their lines alternate, and the cell takes about five seconds, not ten. " +
              "Which of the two prints first in each second is up to the scheduler, in CPython as here.",
            python:
              '# Start threads\nt1.start()  # restored\nt2.start()  # restored\n\n# Wait for both threads to finish\nt1.join()  # restored\nt2.join()  # restored\n\nprint("All threads have finished execution")',
            ts: '// Start threads\nt1.start();\nt2.start();\n\n// Wait for both threads to finish\nt1.join();\nt2.join();\n\nprint("All threads have finished execution");',
          },
        ],
        after:
          "CPython's `print` writes its text and then its line end, in two writes, so when two threads print at the same moment, one line can land inside another (`Thread-1 1Thread-2 6`, then an empty line). " +
          "threadlab writes each `print` call whole.",
      },
    ],
  },
  {
    file: "05-locks.ipynb",
    title: "Locks",
    intro:
      "Threads that update the same data can trip over each other: `num += 1` reads `num`, adds one and writes the sum back, and another thread can write in between, so that one of the two updates is lost. " +
      "A `Lock` lets one thread at a time into such a section. The tutorial's program starts 1000 threads that each add one to a shared number while holding a lock; at the end the number is exactly 1000. " +
      "After it, the same without the lock shows what the lock prevents.",
    parts: [
      {
        program: "4-locks",
        tutorial: "4-locks.py",
        cpython: true,
        steps: [
          {
            python:
              '# "Threading with Locks": 1000 threads each add one to a shared number under a lock.\n# Restored: t.start(), keeping the threads, joining them, and printing the result.\nimport threading',
            ts: 'import { Thread, Lock, Value, print } from "threadlab";',
          },
          {
            note: "In Python every thread sees the module's `num`; a threadlab thread's function is sent to another worker, where a plain number would be a frozen copy, so `num` is a `Value` (shared memory that every thread sees), read and written as `num.value`.",
            python: "# A shared variable\nnum = 0",
            ts: '// A shared variable\nconst num = new Value("i", 0);',
          },
          {
            note: "A `Lock` has Python's methods: `acquire()`, `release()`, `locked()`, and a with-block.",
            python: "# A lock\nnum_lock = threading.Lock()",
            ts: "// A lock\nconst numLock = new Lock();",
          },
          {
            note:
              "Python's `with num_lock:` is `numLock.with(() => { ... })`: acquire the lock, run the block, release the lock (also if the block throws). " +
              "`global num` has no twin: the function changes `num.value`, not `num` itself.",
            python: "def add_one():\n    global num\n    with num_lock:\n        num += 1",
            ts: "function addOne() {\n  numLock.with(() => {\n    num.value += 1;\n  });\n}",
          },
          {
            note: "1000 threads, each started as soon as it is created, and kept in a list.",
            python:
              "# Create 1000 threads that each add one to num\nthreads = []  # restored\nfor _ in range(1000):\n    t = threading.Thread(target=add_one)\n    t.start()           # restored\n    threads.append(t)   # restored",
            ts: "// Create 1000 threads that each add one to num\nconst threads: Thread[] = [];\nfor (let i = 0; i < 1000; i++) {\n  const t = new Thread({ target: addOne });\n  t.start();\n  threads.push(t);\n}",
          },
          {
            note: "Wait for every thread, then print the total: 1000, every time.",
            python: "for t in threads:  # restored\n    t.join()\n\nprint(num)  # restored: 1000",
            ts: "for (const t of threads) {\n  t.join();\n}\n\nprint(num.value);",
          },
        ],
      },
      {
        text:
          "## The same without the lock\n\n" +
          "Not in the tutorial. Take the lock away and the updates collide. One `num += 1` per thread is over too quickly for two threads to meet, so in this program 8 threads each add one a million times. " +
          "CPython runs one thread's Python code at a time and does not switch threads in the middle of `num += 1`, so it keeps every update (see what it printed below); " +
          "threadlab's threads really run at the same time on different cores, read the same old value, and overwrite each other's updates.",
      },
      {
        program: "race",
        cpython: true,
        steps: [
          {
            python:
              "# Not in the tutorial: the lock example without its lock, with more work per thread.\nimport threading\n\nnum = 0\n\n\ndef add_many():\n    global num\n    for _ in range(1_000_000):\n        num += 1\n\n\n" +
              'threads = []\nfor _ in range(8):\n    t = threading.Thread(target=add_many)\n    t.start()\n    threads.append(t)\n\nfor t in threads:\n    t.join()\n\nprint(num, "of", 8 * 1_000_000)',
            ts:
              'import { Thread, Value, print } from "threadlab";\n\nconst num = new Value("i", 0);\n\nfunction addMany() {\n  for (let i = 0; i < 1_000_000; i++) {\n    num.value += 1;\n  }\n}\n\n' +
              'const threads: Thread[] = [];\nfor (let i = 0; i < 8; i++) {\n  const t = new Thread({ target: addMany });\n  t.start();\n  threads.push(t);\n}\n\nfor (const t of threads) {\n  t.join();\n}\n\nprint(num.value, "of", 8 * 1_000_000);',
          },
        ],
        after:
          "Put `numLock.with(() => { ... })` back around `num.value += 1` and no update is lost: the threads then take turns at that line.",
      },
    ],
  },
  {
    file: "06-daemon-threads.ipynb",
    title: "Daemon threads",
    intro:
      "A Python program does not end while one of its threads is still running, unless that thread is a **daemon**: daemon threads do not count. " +
      "Once the main thread and every non-daemon thread are done, the program ends, and its daemon threads are stopped wherever they are. " +
      "That suits background work that would otherwise never end, like the tutorial's daemon, which prints a line every second, forever.",
    parts: [
      {
        program: "5-daemon",
        tutorial: "5-daemon.py",
        cpython: true,
        steps: [
          {
            python:
              '# "Daemon Threads": the program ends when the non-daemon thread is done, daemon or not.\n# Restored: time.sleep(1) in the daemon\'s loop, d.start(), nd.start().\nimport threading\nimport time',
            ts: 'import { Thread, print, sleep, shutdown } from "threadlab";',
          },
          {
            note: "An endless loop: left alone, this thread would never end.",
            python:
              'def daemon():\n    while True:\n        print("Daemon Thread")\n        time.sleep(1)  # restored (the sample imports time for it)',
            ts: 'function daemon() {\n  while (true) {\n    print("Daemon Thread");\n    sleep(1);\n  }\n}',
          },
          {
            note: "A thread with one line to print.",
            python: 'def non_daemon():\n    print("Non-Daemon Thread")',
            ts: 'function nonDaemon() {\n  print("Non-Daemon Thread");\n}',
          },
          {
            note:
              "`daemon` is set before `start()`; `new Thread({ target: daemon, daemon: true })` does the same in one go. " +
              "(The `true` under the cell is the value of the assignment: the notebook shows the value of a cell's last expression, and in TypeScript an assignment is an expression.)",
            python: "# Create Daemon thread\nd = threading.Thread(target=daemon)\nd.daemon = True",
            ts: "// Create Daemon thread\nconst d = new Thread({ target: daemon });\nd.daemon = true;",
          },
          {
            note: "Threads are not daemons unless they are made so.",
            python: "# Create Non-Daemon thread\nnd = threading.Thread(target=non_daemon)",
            ts: "// Create Non-Daemon thread\nconst nd = new Thread({ target: nonDaemon });",
          },
          {
            note:
              "In the Python program these are the last lines: once `nd` has printed its line, nothing but the daemon is left, so the program ends and stops `d`, which has printed `Daemon Thread` once. " +
              "A notebook never reaches an end, so here the daemon goes on printing into this cell, once a second, until the next cell stops it.",
            python: "# Start threads\nd.start()   # restored\nnd.start()  # restored",
            ts: "// Start threads\nd.start();\nnd.start();",
          },
          {
            end: true,
            note: "A notebook has no program end, so `shutdown()` does here what the end of a Python program does: it waits for the non-daemon threads, then stops the daemon ones (and returns how many it stopped).",
            python: "# (the end of the program: Python waits for the non-daemon threads, then stops the daemon threads)",
            ts: "shutdown();",
          },
        ],
        after:
          "If CPython's two lines came out run together, that is its `print` writing the text and the line end separately (see the multiple-threads lesson).",
      },
    ],
  },
  {
    file: "07-thread-local.ipynb",
    title: "Thread-local data",
    intro:
      "A `threading.local()` object is one object that holds different attributes in each thread: what one thread stores in it, no other thread sees. " +
      "In the tutorial's program two threads each store a string in it and read it back; the main thread, which stored nothing, finds nothing there.",
    parts: [
      {
        program: "6-thread-local",
        tutorial: "6-thread-local.py",
        cpython: true,
        steps: [
          {
            note: "threadlab's `local` is spelled as Python's, in lower case; `AttributeError` is exported under Python's name.",
            python:
              '# "Thread Local Data": each thread has its own value in a threading.local().\n# Restored: the try: in display(), display() after the assignment, starting and joining the threads,\n# and a display() in the main thread, which never assigned a value.\nimport threading',
            ts: 'import { Thread, AttributeError, local, print } from "threadlab";',
          },
          {
            note: "One object for every thread; what it holds depends on the thread that looks.",
            python: "# Create thread local data\nlocal_data = threading.local()",
            ts: "// Create thread local data\nconst localData = new local();",
          },
          {
            note:
              "`display` prints this thread's value, or says that it has none: reading an attribute that this thread never set raises `AttributeError`, in threadlab as in Python. " +
              "Python's `except AttributeError:` catches that error only, while TypeScript's `catch` catches everything, so the twin throws anything else on.",
            python:
              'def display():\n    try:                          # restored\n        print(local_data.value)   # restored\n    except AttributeError:\n        print("No value assigned")',
            ts: 'function display() {\n  try {\n    print(localData.value);\n  } catch (e) {\n    if (!(e instanceof AttributeError)) throw e;\n    print("No value assigned");\n  }\n}',
          },
          {
            note: "Each thread stores the value it was given, then displays it.",
            python: "def assign_value(value):\n    local_data.value = value\n    display()  # restored",
            ts: "function assignValue(value: string) {\n  localData.value = value;\n  display();\n}",
          },
          {
            python:
              "t1 = threading.Thread(target=assign_value, args=('Thread 1',))\nt2 = threading.Thread(target=assign_value, args=('Thread 2',))",
            ts: 'const t1 = new Thread({ target: assignValue, args: ["Thread 1"] });\nconst t2 = new Thread({ target: assignValue, args: ["Thread 2"] });',
          },
          {
            note: "Each thread prints its own value and never the other's, though both use the same `localData`.",
            python: "t1.start()  # restored\nt2.start()  # restored\nt1.join()   # restored\nt2.join()   # restored",
            ts: "t1.start();\nt2.start();\nt1.join();\nt2.join();",
          },
          {
            note: "Back in the main thread, which never assigned a value.",
            python: "display()  # restored: the main thread never assigned a value",
            ts: "display();",
          },
        ],
        after:
          "If CPython's first two lines came out run together, that is its `print` writing the text and the line end separately (see the multiple-threads lesson).",
      },
    ],
  },
  {
    file: "08-event-and-condition.ipynb",
    title: "Event and Condition",
    intro:
      "An `Event` is a flag threads wait for: `wait()` blocks until another thread calls `set()`. A `Condition` " +
      "lets threads wait for a state to change, holding a lock around the check: `waitFor(predicate)` waits until " +
      "the predicate is true, and whoever changes the state calls `notify()`.",
    parts: [
      {
        program: "event-and-condition",
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
    ],
  },
  {
    file: "09-producer-consumer.ipynb",
    title: "Producer and consumer with a Queue",
    intro:
      "A `Queue` hands items from threads that make them to threads that use them, safely and in order. `get()` " +
      "blocks until an item is there; `taskDone()` and `join()` let the producer wait until everything was handled.",
    parts: [
      {
        program: "producer-consumer",
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
    ],
  },
  {
    file: "10-semaphore-and-barrier.ipynb",
    title: "Semaphore and Barrier",
    intro:
      "A `Semaphore` lets at most N threads into a section at once. A `Barrier` makes N threads wait for each other " +
      "before any of them goes on.",
    parts: [
      {
        program: "semaphore-and-barrier",
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
    ],
  },
  {
    file: "11-thread-pool-executor.ipynb",
    title: "ThreadPoolExecutor",
    intro:
      "A `ThreadPoolExecutor` runs calls on a few threads and gives back a `Future` for each: `result()` waits for " +
      "the value. `map` runs a function over many items; `asCompleted` yields futures as they finish.",
    parts: [
      {
        program: "thread-pool-executor",
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
    ],
  },
  {
    file: "12-seeing-threads.ipynb",
    title: "Seeing threads: the timeline",
    intro:
      "Threads run at the same time, so what a program prints shows only part of what happened. `timeline(fn)` runs `fn` and records what every thread does meanwhile: " +
      "when each starts and ends, each blocking wait (on which Lock, Condition, Event, Semaphore, Queue, join or sleep, and for how long) and each `print`. " +
      "Then it draws it: one lane per thread, time across, running as a green bar, each wait shaded by the object waited on (one colour per object), sleeps hatched, " +
      "and each printed line as a black tick (hover over it to read the line). Below the picture is a text summary. " +
      "In a script, `timeline()` writes the picture to `timeline.svg` and prints its path. CPython has no timeline: the Python beside each cell is the program without it.",
    parts: [
      {
        text:
          "## The lock example, drawn\n\n" +
          "The lesson on locks starts 1000 threads that each add one to `num` while holding `numLock`. Here it is with **20 threads instead of 1000**, so that the picture stays readable " +
          "(1000 lanes would be 1000 rows). The main thread's lane is on top: it starts the threads one after another, each `start()` waiting (light purple) until the new thread has begun, then joins them (grey). " +
          "Each thread's `num.value += 1` is over within microseconds, far too quickly for two threads to meet at the lock.",
      },
      {
        program: "timeline-lock",
        steps: [
          {
            python:
              "import threading\n\nnum = 0\nnum_lock = threading.Lock()\n\n\ndef add_one():\n    global num\n    with num_lock:\n        num += 1\n\n\n" +
              "threads = []\nfor _ in range(20):\n    t = threading.Thread(target=add_one)\n    t.start()\n    threads.append(t)\n\nfor t in threads:\n    t.join()\n\nprint(num)",
            ts:
              'import { Thread, Lock, Value, Condition, print, sleep, timeline } from "threadlab";\n\nconst num = new Value("i", 0);\nconst numLock = new Lock();\n\nfunction addOne() {\n  numLock.with(() => {\n    num.value += 1;\n  });\n}\n\n' +
              "timeline(() => {\n  const threads: Thread[] = [];\n  for (let i = 0; i < 20; i++) {\n    const t = new Thread({ target: addOne });\n    t.start();\n    threads.push(t);\n  }\n  for (const t of threads) {\n    t.join();\n  }\n  print(num.value);\n});",
          },
        ],
      },
      {
        text:
          "## Holding the lock longer\n\n" +
          "To see the lock at work, each thread now holds it for 10 ms (a `sleep` inside the with-block, hatched). " +
          "Each `start()` takes a few milliseconds, about as long as a critical section, so some threads find the lock free and others find it taken: those wait (shaded in the lock's colour) " +
          "until the thread before them releases it. The critical sections (the sleeps) follow one another like steps and never overlap.",
      },
      {
        program: "timeline-lock-held",
        steps: [
          {
            python:
              "import threading\nimport time\n\nnum = 0\nnum_lock = threading.Lock()\n\n\ndef add_one_slowly():\n    global num\n    with num_lock:\n        time.sleep(0.01)\n        num += 1\n\n\n" +
              "threads = []\nfor _ in range(20):\n    t = threading.Thread(target=add_one_slowly)\n    t.start()\n    threads.append(t)\n\nfor t in threads:\n    t.join()\n\nprint(num)",
            ts:
              "num.value = 0;\n\nfunction addOneSlowly() {\n  numLock.with(() => {\n    sleep(0.01);\n    num.value += 1;\n  });\n}\n\n" +
              "timeline(() => {\n  const threads: Thread[] = [];\n  for (let i = 0; i < 20; i++) {\n    const t = new Thread({ target: addOneSlowly });\n    t.start();\n    threads.push(t);\n  }\n  for (const t of threads) {\n    t.join();\n  }\n  print(num.value);\n});",
          },
        ],
      },
      {
        text:
          "## The same without the lock: the race\n\n" +
          "Without the lock, nothing makes the threads take turns. To give them time to meet, each of the 20 threads adds one 100,000 times. " +
          "The lanes' green bars overlap: the threads really run at once, on different cores, and updates are lost (the count printed is short of 2,000,000). " +
          "No thread ever waits: there is nothing to wait on.",
      },
      {
        program: "timeline-race",
        steps: [
          {
            python:
              "import threading\n\nnum = 0\n\n\ndef add_many():\n    global num\n    for _ in range(100_000):\n        num += 1\n\n\n" +
              'threads = []\nfor _ in range(20):\n    t = threading.Thread(target=add_many)\n    t.start()\n    threads.append(t)\n\nfor t in threads:\n    t.join()\n\nprint(num, "of", 20 * 100_000)',
            ts:
              "num.value = 0;\n\nfunction addMany() {\n  for (let i = 0; i < 100_000; i++) {\n    num.value += 1;\n  }\n}\n\n" +
              'timeline(() => {\n  const threads: Thread[] = [];\n  for (let i = 0; i < 20; i++) {\n    const t = new Thread({ target: addMany });\n    t.start();\n    threads.push(t);\n  }\n  for (const t of threads) {\n    t.join();\n  }\n  print(num.value, "of", 20 * 100_000);\n});',
          },
        ],
      },
      {
        text:
          "## A producer and a consumer on a Condition\n\n" +
          "The producer makes an item every 50 ms (its sleeps are hatched) and notifies the Condition; the consumer waits on the Condition (shaded) until an item is there. " +
          "In the picture each of the consumer's waits ends just after a tick of the producer's `put` line, and the consumer's `got` tick follows.",
      },
      {
        program: "timeline-condition",
        steps: [
          {
            python:
              'import threading\nimport time\n\ncond = threading.Condition()\nitems = 0\n\n\ndef consumer():\n    global items\n    for i in range(4):\n        with cond:\n            while items == 0:\n                cond.wait()\n            items -= 1\n            print("got", i)\n\n\n' +
              'def producer():\n    global items\n    for i in range(4):\n        time.sleep(0.05)\n        with cond:\n            items += 1\n            print("put", i)\n            cond.notify()\n\n\n' +
              'c = threading.Thread(target=consumer, name="consumer")\np = threading.Thread(target=producer, name="producer")\nc.start()\np.start()\nc.join()\np.join()',
            ts:
              'const cond = new Condition();\nconst items = new Value("i", 0);\n\nfunction consumer() {\n  for (let i = 0; i < 4; i++) {\n    cond.with(() => {\n      while (items.value === 0) cond.wait();\n      items.value -= 1;\n      print("got", i);\n    });\n  }\n}\n\n' +
              'function producer() {\n  for (let i = 0; i < 4; i++) {\n    sleep(0.05);\n    cond.with(() => {\n      items.value += 1;\n      print("put", i);\n      cond.notify();\n    });\n  }\n}\n\n' +
              'timeline(() => {\n  const c = new Thread({ target: consumer, name: "consumer" });\n  const p = new Thread({ target: producer, name: "producer" });\n  c.start();\n  p.start();\n  c.join();\n  p.join();\n});',
          },
        ],
        after:
          "`timeline()` returns what its function returns, and takes an async function too (the timeline then ends when its promise settles). " +
          "Recording costs nothing when no timeline is active; while one is, the 1000-thread lock example runs within 2× of its usual time (`node bench/timeline.js`).",
      },
    ],
  },
];
