/**
 * Fuzzes the kernel's message parsing over real ZeroMQ for a bounded time:
 * random frame counts, frame types (bytes, JSON of every kind, the delimiter
 * anywhere), sizes and nesting, signed and unsigned, on shell and control.
 * The heartbeat must answer throughout, the kernel must not die, and a
 * normal cell must run at the end. THREADLAB_FUZZ_SEED replays a run;
 * THREADLAB_FUZZ_SECONDS changes its length (default 12).
 */
import { RawKernel } from "./raw-kernel";

const SECONDS = Number(process.env.THREADLAB_FUZZ_SECONDS ?? 12);
const SEED = Number(process.env.THREADLAB_FUZZ_SEED ?? Date.now() % 1_000_000);

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const TYPES = [
  "execute_request",
  "complete_request",
  "inspect_request",
  "is_complete_request",
  "history_request",
  "kernel_info_request",
  "comm_info_request",
  "comm_open",
  "comm_msg",
  "interrupt_request",
  "debug_request",
  "input_reply",
  "",
  "x".repeat(300),
];

test(
  `the kernel survives ${SECONDS} s of random messages, answering heartbeat throughout (seed ${SEED})`,
  async () => {
    const r = rng(SEED);
    const int = (n: number) => Math.floor(r() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

    /** A random JSON value, up to `depth` deep (sometimes very deep, sometimes large). */
    const value = (depth: number): unknown => {
      const k = int(depth > 0 ? 9 : 6);
      switch (k) {
        case 0:
          return null;
        case 1:
          return r() < 0.5;
        case 2:
          return pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, 7]);
        case 3:
          return pick(["", "x", "é😀", "<IDS|MSG>", "\u0000", "a".repeat(int(5000))]);
        case 4:
          return "code";
        case 5:
          return int(100);
        case 6:
          return Array.from({ length: int(5) }, () => value(depth - 1));
        case 7:
        case 8: {
          const o: Record<string, unknown> = {};
          for (let i = int(6); i > 0; i--) {
            o[
              pick([
                "code",
                "cursor_pos",
                "silent",
                "store_history",
                "hist_access_type",
                "pattern",
                "n",
                "detail_level",
                "msg_id",
                "msg_type",
                "restart",
                "x",
              ])
            ] = value(depth - 1);
          }
          return o;
        }
      }
      return null;
    };
    const deep = () => {
      const n = 1 + int(20000);
      return r() < 0.5 ? "[".repeat(n) + "]".repeat(n) : '{"a":'.repeat(n) + "1" + "}".repeat(n);
    };
    /** A frame that is meant to be JSON, or is not. */
    const jsonish = (): string => {
      const k = int(10);
      if (k === 0) return deep();
      if (k === 1) return "{not json";
      if (k === 2) return "";
      return JSON.stringify(value(4)) ?? "null";
    };
    const header = (): string => {
      const k = int(6);
      if (k === 0) return jsonish();
      const h: Record<string, unknown> = {
        msg_id: r() < 0.9 ? `fuzz-${int(1e9)}` : value(2),
        session: "fuzz",
        username: "fuzz",
        date: new Date().toISOString(),
        msg_type: r() < 0.9 ? pick(TYPES) : value(2),
        version: "5.3",
      };
      if (k === 1) h.extra = value(3);
      return JSON.stringify(h);
    };
    const content = (type: string): string => {
      if (r() < 0.3) return jsonish();
      const c = (value(3) ?? {}) as Record<string, unknown>;
      if (typeof c !== "object" || Array.isArray(c)) return JSON.stringify(c);
      // Mostly the right fields, with random values: code that stays harmless to run.
      if (type === "execute_request" && r() < 0.5) c.code = pick(["", "1 +", "@@", "let fuzz_" + int(1e6) + " = 1;", "((", "`"]);
      if (type === "history_request" && r() < 0.5) c.hist_access_type = pick(["tail", "range", "search", "other"]);
      if (type === "history_request" && r() < 0.3) c.pattern = "*".repeat(int(30)) + pick(["a", "?", "[", "[]", ""]);
      return JSON.stringify(c);
    };
    const randomBytes = () => Buffer.from(Array.from({ length: int(r() < 0.05 ? 200_000 : 64) }, () => int(256)));

    const k = await RawKernel.start();
    const pings: number[] = [];
    let sent = 0;
    let done = false;
    const pinger = (async () => {
      while (!done) {
        pings.push(await k.ping());
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    try {
      await fuzz();
      expect({ seed: SEED, alive: k.alive, stderr: k.alive ? "" : k.stderr }).toEqual({ seed: SEED, alive: true, stderr: "" });
      expect(sent).toBeGreaterThan(100);
      process.stdout.write(
        `fuzz: ${sent} messages in ${SECONDS} s, seed ${SEED}, slowest heartbeat ${Math.max(...pings)} ms of ${pings.length}\n`,
      );
      // Every heartbeat was answered, none slower than 2 s (generous: the machine is shared).
      expect({ seed: SEED, unanswered: pings.filter((p) => p === Infinity).length }).toEqual({ seed: SEED, unanswered: 0 });
      expect(Math.max(...pings)).toBeLessThan(2000);
      const { reply, id } = await k.execute("6 * 7", 60000);
      expect(reply.content.status).toBe("ok");
      expect(k.of(id, "execute_result")[0].content.data).toEqual({ "text/plain": "42" });
      expect(k.stderr).not.toMatch(/failed on a|Napi|terminate called/);
    } finally {
      await k.stop();
    }

    async function fuzz(): Promise<void> {
      try {
        const end = Date.now() + SECONDS * 1000;
        while (Date.now() < end && k.alive) {
          const type = pick(TYPES);
          const parts = [header(), r() < 0.8 ? "{}" : jsonish(), r() < 0.8 ? "{}" : jsonish(), content(type)].map((p) =>
            Buffer.from(p),
          );
          const sig = (() => {
            const s = int(10);
            if (s < 6) return Buffer.from(k.signer.sign(parts)); // signed: reaches the parser
            if (s === 6) return Buffer.from("");
            if (s === 7) return randomBytes();
            return Buffer.from(k.signer.sign(parts).replace(/^./, "0"));
          })();
          let frames: Buffer[] = [Buffer.from("<IDS|MSG>"), sig, ...parts];
          const shape = int(10);
          if (shape === 0)
            frames = frames.slice(0, int(frames.length)); // too few
          else if (shape === 1)
            frames = [...frames, ...Array.from({ length: int(20) }, randomBytes)]; // buffers
          else if (shape === 2)
            frames = Array.from({ length: int(12) }, () => (r() < 0.2 ? Buffer.from("<IDS|MSG>") : randomBytes()));
          else if (shape === 3) frames = [randomBytes(), ...frames]; // an identity before the delimiter
          if (frames.length === 0) frames = [Buffer.alloc(0)];
          await k.send(frames, r() < 0.8 ? "shell" : "control");
          sent++;
          if (sent % 20 === 0) await new Promise((res) => setTimeout(res, 5));
        }
      } finally {
        done = true;
        await pinger;
      }
    }
  },
  60000 + SECONDS * 1000,
);
