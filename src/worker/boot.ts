/**
 * What a pool worker (or the supervisor) runs first: its program from the
 * one-file bundle with a code cache (bundle.ts), or, without a bundle, from
 * the library's files.
 */
import { parentPort, workerData, type MessagePort } from "worker_threads";

const data = workerData as { threadlabEntry?: string; life?: MessagePort } | null;
const entry = data?.threadlabEntry ?? "worker/entry.js";
try {
  // The supervisor loads only the few modules it needs: it boots fastest from its files.
  if (entry === "worker/supervisor.js" || !(require("./bundle") as typeof import("./bundle")).runFromBundle(entry))
    require(`../${entry}`);
} catch (err) {
  // A pool worker that cannot start tells the supervisor why (the first worker's Worker object is
  // main's, whose event loop may be blocked in the start() that waits for it), then dies of it.
  if (entry !== "worker/supervisor.js") {
    const error = err instanceof Error ? (err.stack ?? String(err)) : String(err);
    (data?.life ?? parentPort)?.postMessage({ type: "bootFailed", error });
  }
  throw err;
}
