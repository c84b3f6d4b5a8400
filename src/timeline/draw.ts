/**
 * Drawing a recorded timeline: the recorder's events (state/trace.ts) made
 * into lanes, one per thread, then into an SVG picture (time across, running
 * as a bar, each wait shaded by the object waited on, sleeps hatched, prints
 * as ticks whose text shows on hover) and a plain-text summary, the fallback
 * where no picture can be shown.
 */
import type { TraceEvent, WaitKind } from "../state/trace";

/** One wait of one thread, in microseconds since the epoch. */
export interface LaneWait {
  kind: WaitKind;
  id: number;
  label: string;
  t0: number;
  t1: number;
}

/** One thread's lane: when it ran, what it waited on, what it printed. */
export interface Lane {
  ident: number;
  name: string;
  start: number;
  end: number;
  /** Whether the start and end were recorded (not only the edges of the timeline). */
  started: boolean;
  ended: boolean;
  waits: LaneWait[];
  prints: Array<{ t: number; text: string }>;
}

/** A whole recorded timeline. */
export interface TimelineModel {
  t0: number;
  t1: number;
  lanes: Lane[];
  events: TraceEvent[];
  dropped: number;
}

/** Builds the lanes from the events recorded between `t0` and `t1`; `mainIdent`'s lane comes first. */
export function buildModel(events: TraceEvent[], t0: number, t1: number, mainIdent: number, dropped: number): TimelineModel {
  const lanes = new Map<number, Lane>();
  const lane = (ident: number): Lane => {
    let l = lanes.get(ident);
    if (!l) {
      l = { ident, name: `Thread ident ${ident}`, start: t0, end: t1, started: false, ended: false, waits: [], prints: [] };
      lanes.set(ident, l);
    }
    return l;
  };
  lane(mainIdent);
  for (const e of events) {
    const l = lane(e.ident);
    if (e.type === "start") {
      l.name = e.text || l.name;
      l.start = e.t0;
      l.started = true;
    } else if (e.type === "end") {
      l.end = e.t0;
      l.ended = true;
    } else if (e.type === "wait") l.waits.push({ kind: e.kind!, id: e.id!, label: e.text, t0: e.t0, t1: e.t1 });
    else l.prints.push({ t: e.t0, text: e.text });
  }
  return { t0, t1, lanes: [...lanes.values()], events, dropped };
}

const PALETTE = ["#e4572e", "#29335c", "#f3a712", "#669bbc", "#a8c686", "#8e5572", "#2a9d8f", "#c1121f", "#6d597a", "#bc6c25"];
const RUN = "#b7e4c7";
const LANE_H = 22;
const MAX_NAME = 36;
const WIDTH = 960;
const TOP = 34;

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** A tick step (ms) giving about `n` ticks over `span` ms: 1, 2 or 5 times a power of ten. */
function tickStep(span: number, n = 8): number {
  const raw = Math.max(span, 1e-3) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

function ms(us: number): string {
  const v = us / 1000;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The object a wait is on, as a key for its colour: every join shares one, every start another. */
function objectKey(w: LaneWait): string {
  return w.kind === "join" || w.kind === "start" ? w.kind : `${w.kind}#${w.id}`;
}

/** The key's words for the waits of `key`. */
function keyText(w: LaneWait): string {
  if (w.kind === "join") return "join (waiting for a thread to end)";
  if (w.kind === "start") return "start (waiting for the thread to begin)";
  return `waiting on ${w.label}`;
}

const FIXED: Record<string, string> = { join: "#7f8c8d", start: "#c8b6ff" };

/** The SVG picture of `model`. */
export function drawSvg(model: TimelineModel, title = "threadlab timeline"): string {
  const span = Math.max(model.t1 - model.t0, 1);
  const shown = (name: string) => (name.length > MAX_NAME ? name.slice(0, MAX_NAME - 1) + "…" : name);
  const LEFT = Math.round(Math.min(260, Math.max(90, 16 + 6.4 * Math.max(...model.lanes.map((l) => shown(l.name).length)))));
  const plot = WIDTH - LEFT - 20;
  const x = (t: number) => LEFT + ((Math.min(Math.max(t, model.t0), model.t1) - model.t0) / span) * plot;
  const colours = new Map<string, string>();
  const colourOf = (w: LaneWait) => {
    const key = objectKey(w);
    if (!colours.has(key))
      colours.set(key, FIXED[key] ?? PALETTE[[...colours.keys()].filter((k) => !FIXED[k]).length % PALETTE.length]);
    return colours.get(key)!;
  };
  // The key: running, each object's colour, sleep, then output; in rows under the lanes.
  const key: Array<[string, string]> = [[RUN, "running"]];
  const seen = new Set<string>();
  for (const lane of model.lanes) {
    for (const w of lane.waits) {
      if (w.kind !== "sleep" && !seen.has(objectKey(w))) {
        seen.add(objectKey(w));
        key.push([colourOf(w), keyText(w)]);
      }
    }
  }
  if (model.lanes.some((l) => l.waits.some((w) => w.kind === "sleep"))) key.push(["url(#sleep)", "sleep"]);
  key.splice(16);
  key.push(["", "print (hover for its text)"]);
  const keyAt: Array<[number, number]> = [];
  let kx = 10;
  let row = 0;
  for (const [, text] of key) {
    const w = 24 + text.length * 6.2;
    if (kx + w > WIDTH - 10 && kx > 10) {
      kx = 10;
      row += 1;
    }
    keyAt.push([kx, row]);
    kx += w;
  }
  const lanesEnd = TOP + model.lanes.length * LANE_H;
  const height = lanesEnd + 16 + (row + 1) * 18 + (model.dropped > 0 ? 16 : 0);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escape(title)}</title>`,
    `<defs><pattern id="sleep" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#eeeeee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#999999" stroke-width="2"/></pattern></defs>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
  );
  // The axis: ms since the timeline began.
  const step = tickStep(span / 1000);
  out.push(`<g class="axis" stroke="#cccccc">`);
  for (let t = 0; t <= span / 1000 + 1e-9; t += step) {
    const px = LEFT + ((t * 1000) / span) * plot;
    out.push(
      `<line x1="${px.toFixed(1)}" y1="${TOP - 4}" x2="${px.toFixed(1)}" y2="${lanesEnd}"/>` +
        `<text x="${px.toFixed(1)}" y="${TOP - 8}" text-anchor="middle" stroke="none" fill="#555555">${+t.toFixed(6)} ms</text>`,
    );
  }
  out.push(`</g>`);
  model.lanes.forEach((lane, i) => {
    const y = TOP + i * LANE_H;
    out.push(`<g class="lane" data-ident="${lane.ident}">`);
    out.push(
      `<text x="${LEFT - 6}" y="${y + 15}" text-anchor="end" fill="#222222">${escape(shown(lane.name))}<title>${escape(lane.name)}</title></text>`,
    );
    const x0 = x(lane.start);
    const x1 = Math.max(x(lane.end), x0 + 1);
    out.push(
      `<rect class="running" x="${x0.toFixed(1)}" y="${y + 4}" width="${(x1 - x0).toFixed(1)}" height="${LANE_H - 8}" fill="${RUN}">` +
        `<title>${escape(lane.name)} running ${ms(lane.start - model.t0)}–${ms(lane.end - model.t0)} ms</title></rect>`,
    );
    for (const w of lane.waits) {
      const a = x(w.t0);
      const width = Math.max(x(w.t1) - a, 0.8);
      const fill = w.kind === "sleep" ? "url(#sleep)" : colourOf(w);
      const tip = `${w.label} (${w.kind}): waited ${ms(w.t1 - w.t0)} ms from ${ms(w.t0 - model.t0)} ms`;
      out.push(
        `<rect class="wait" data-kind="${w.kind}" x="${a.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${LANE_H - 6}" fill="${fill}"><title>${escape(tip)}</title></rect>`,
      );
      if (width > w.label.length * 6 + 6) {
        const colour = w.kind === "sleep" || w.kind === "start" ? "#333333" : "#ffffff";
        out.push(`<text x="${(a + 3).toFixed(1)}" y="${y + 15}" fill="${colour}">${escape(w.label)}</text>`);
      }
    }
    for (const p of lane.prints) {
      const px = x(p.t).toFixed(1);
      out.push(
        `<line class="print" x1="${px}" y1="${y + 1}" x2="${px}" y2="${y + LANE_H - 1}" stroke="#000000" stroke-width="1.5"><title>${escape(p.text)}</title></line>`,
      );
    }
    out.push(`</g>`);
  });
  key.forEach(([fill, text], i) => {
    const [kx, krow] = keyAt[i];
    const ky = lanesEnd + 14 + krow * 18;
    const mark = fill
      ? `<rect x="${kx}" y="${ky}" width="12" height="12" fill="${fill}"/>`
      : `<line x1="${kx + 6}" y1="${ky}" x2="${kx + 6}" y2="${ky + 12}" stroke="#000000" stroke-width="1.5"/>`;
    out.push(`${mark}<text x="${kx + 16}" y="${ky + 10}">${escape(text)}</text>`);
  });
  if (model.dropped > 0)
    out.push(`<text x="10" y="${height - 4}" fill="#c1121f">${model.dropped} events dropped (ring full)</text>`);
  out.push(`</svg>`);
  return out.join("\n");
}

/** The plain-text summary of `model`: per thread, its start and end, time running and waiting per object, lines printed. */
export function summarize(model: TimelineModel): string {
  const lines = [`timeline: ${ms(model.t1 - model.t0)} ms, ${model.lanes.length} threads`];
  for (const lane of model.lanes) {
    const total = lane.end - lane.start;
    const per = new Map<string, { us: number; n: number }>();
    let waited = 0;
    for (const w of lane.waits) {
      const d = w.t1 - w.t0;
      waited += d;
      const p = per.get(w.label) ?? { us: 0, n: 0 };
      p.us += d;
      p.n += 1;
      per.set(w.label, p);
    }
    const start = lane.started ? `${ms(lane.start - model.t0)} ms` : "before";
    const end = lane.ended ? `${ms(lane.end - model.t0)} ms` : "after";
    lines.push(
      `${lane.name}: start ${start}, end ${end}, running ${ms(Math.max(0, total - waited))} ms, ` +
        `printed ${lane.prints.length} line${lane.prints.length === 1 ? "" : "s"}`,
    );
    for (const [label, p] of per) lines.push(`  waited on ${label}: ${ms(p.us)} ms (${p.n}×)`);
  }
  if (model.dropped > 0) lines.push(`${model.dropped} events dropped (the ring was full)`);
  return lines.join("\n");
}
