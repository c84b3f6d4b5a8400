/**
 * Rich output from the main thread: where a `display_data` (an image, with a
 * text fallback) goes. The kernel plugs in its cell's display; a plain
 * script has none, and callers fall back to a file (timeline/timeline.ts).
 */

export type MimeBundle = Record<string, string>;

let display: ((bundle: MimeBundle) => void) | undefined;

/** Sets how the main thread shows a MIME bundle (the kernel sends it to the running cell). */
export function setMainDisplay(show: (bundle: MimeBundle) => void): void {
  display = show;
}

/** Shows `bundle` in the running cell; returns false when no host can show it. */
export function displayMain(bundle: MimeBundle): boolean {
  if (!display) return false;
  display(bundle);
  return true;
}
