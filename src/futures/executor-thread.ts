/**
 * What an executor thread runs: it listens on its executor's channel, keeps
 * the calls it has heard of in order, and runs each one it manages to claim.
 */
import { BroadcastChannel } from "worker_threads";
import { decode } from "../transport/copy";
import { rebuildSync } from "../transport/rebuild";
import type { Program } from "../transport/resolve";
import { SystemExit, clearExiting } from "../thread/exit";
import { futureOn } from "./future";

/** Words of an executor's shared counters: threads listening, and idle tokens (finished calls). */
export const READY = 0;
export const IDLE = 1;

export interface Job {
  type: "job";
  program: Program;
  args: unknown;
  future: SharedArrayBuffer;
  /** For map(): args is a list of argument lists; the result is { values, error? }. */
  chunk?: boolean;
}
export type ExecutorMessage = Job | { type: "init"; program: Program | null; args: unknown } | { type: "stop" };

export function executorThread(channelName: string, countersSab: SharedArrayBuffer): Promise<void> {
  const counters = new Int32Array(countersSab);
  const channel = new BroadcastChannel(channelName);
  const backlog: Job[] = [];
  let initialized = false;
  let stopping = false;
  let busy = false;
  let initError: unknown;
  return new Promise<void>((resolve) => {
    const runAll = () => {
      if (busy) return;
      busy = true;
      try {
        while (initialized && backlog.length > 0) {
          const job = backlog.shift()!;
          const future = futureOn(job.future);
          if (!future.setRunningOrNotifyCancel()) continue; // another thread took it, or it was cancelled
          if (initError) {
            future.setException(initError);
            continue;
          }
          try {
            const fn = rebuildSync(job.program) as (...a: unknown[]) => unknown;
            if (job.chunk) {
              const values: unknown[] = [];
              let error: Error | undefined;
              for (const args of decode(job.args, true, "args") as unknown[][]) {
                try {
                  values.push(fn(...args));
                } catch (err) {
                  if (err instanceof SystemExit) clearExiting(); // kept in the Future, as Python's executor keeps it
                  error = err instanceof Error ? err : new Error(String(err));
                  break;
                }
              }
              future.setResult({ values, error });
            } else future.setResult(fn(...(decode(job.args, true, "args") as unknown[])));
          } catch (err) {
            if (err instanceof SystemExit) clearExiting(); // kept in the Future, as Python's executor keeps it
            future.setException(err);
          }
          // As CPython's idle semaphore: one token per finished call, which a later submit may use
          // instead of starting a thread.
          Atomics.add(counters, IDLE, 1);
        }
      } finally {
        busy = false;
      }
      if (stopping && initialized) {
        channel.close();
        resolve();
      }
    };
    channel.onmessage = (event: unknown) => {
      const msg = (event as { data: ExecutorMessage }).data;
      if (msg.type === "job") backlog.push(msg);
      else if (msg.type === "stop") stopping = true;
      else if (msg.type === "init" && !initialized) {
        initialized = true;
        if (msg.program) {
          try {
            (rebuildSync(msg.program) as (...a: unknown[]) => unknown)(...(decode(msg.args, true, "initargs") as unknown[]));
          } catch (err) {
            initError = err; // as Python: every call then fails with the initializer's error
            process.stderr.write(`Exception in initializer:\n${(err as Error)?.stack ?? String(err)}\n`);
          }
        }
      }
      runAll();
    };
    Atomics.add(counters, READY, 1);
    Atomics.notify(counters, READY);
  });
}
