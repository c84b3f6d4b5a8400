/**
 * What a pool worker (or the supervisor) runs first: its program from the
 * one-file bundle with a code cache (bundle.ts), or, without a bundle, from
 * the library's files.
 */
import { workerData } from "worker_threads";

const entry = (workerData as { threadlabEntry?: string } | null)?.threadlabEntry ?? "worker/entry.js";
// The supervisor loads only the few modules it needs: it boots fastest from its files.
if (entry === "worker/supervisor.js" || !(require("./bundle") as typeof import("./bundle")).runFromBundle(entry))
  require(`../${entry}`);
