/**
 * How an error a thread did not catch is shown: `Exception in thread NAME:`
 * and its stack, without threadlab's own frames (as Python's traceback shows
 * only user code). Used by the default excepthook in the thread, and by the
 * supervisor for a thread whose worker died.
 */
import { inspect } from "util";
import { isInternalFrame } from "../own-code";

/** Drops the frames of threadlab's own worker machinery from a stack. */
export function userStack(stack: string): string {
  return stack
    .split("\n")
    .filter((line) => !isInternalFrame(line))
    .join("\n");
}

/** The text the default excepthook prints. */
export function formatException(args: {
  excType: string;
  excValue: unknown;
  excTraceback: string | null;
  thread: { name: string } | null;
}): string {
  const name = args.thread?.name ?? "<unknown>";
  const body =
    args.excValue instanceof Error
      ? userStack(args.excTraceback ?? `${args.excType}: ${args.excValue.message}`)
      : `Uncaught ${inspect(args.excValue, { colors: false })}`;
  return `Exception in thread ${name}:\n${body}\n`;
}
