/**
 * The drum highway on a 2D canvas: one column per lane, the kick as a bar across all of them, notes falling onto a
 * hit line near the bottom, beat and bar lines from the tempo map. Drawing is a pure function of the data and the
 * view so each animation frame only draws what is visible (two binary searches, no allocation per note).
 */
import type { BsmMap } from "../../../inference/src/contracts/bsm.ts";
import { highwayColumns, laneStyle } from "./lanes.ts";
import { lowerBound } from "./timeline.ts";

/** Seconds of audio visible above the hit line. */
export const LOOKAHEAD_SEC = 2;
/** Where the hit line sits, as a fraction of the height from the top. */
export const HIT_LINE = 0.85;
const BACKGROUND = "#0b1020";

/** The map prepared for drawing: notes sorted by time with their column (-1 = kick across) and colour. */
export interface HighwayData {
  columns: string[];
  times: Float64Array;
  column: Int16Array;
  colors: string[];
  alphas: Float32Array;
  beats: readonly number[];
  downbeats: Set<number>;
}

/** The size and moment to draw. */
export interface HighwayView {
  /** [CSS px] */
  width: number;
  /** [CSS px] */
  height: number;
  /** Audio time at the hit line [seconds]. */
  time: number;
}

/** Sorts and indexes `map`'s notes for {@link drawHighway}. */
export function prepareHighway(map: Pick<BsmMap, "notes" | "tempo">): HighwayData {
  const columns = highwayColumns(map.notes);
  const sorted = [...map.notes].sort((a, b) => a.time - b.time);
  const index = new Map(columns.map((c, i) => [c, i]));
  return {
    columns,
    times: Float64Array.from(sorted, (n) => n.time),
    column: Int16Array.from(sorted, (n) => (n.lane === "kick" ? -1 : index.get(n.lane) ?? 0)),
    colors: sorted.map((n) => laneStyle(n.lane).color),
    // Quiet hits (ghost notes) are drawn fainter, never invisible.
    alphas: Float32Array.from(sorted, (n) => 0.45 + 0.55 * Math.min(1, n.velocity / 110)),
    beats: map.tempo.beats,
    downbeats: new Set(map.tempo.downbeats),
  };
}

/** Pixels per second of audio for a highway `height` [CSS px] tall. */
export const pxPerSec = (height: number) => (height * HIT_LINE) / LOOKAHEAD_SEC;

/** The audio time shown at `y` [CSS px from the top] (for click-to-seek). */
export function timeAtY(view: HighwayView, y: number): number {
  return view.time + (view.height * HIT_LINE - y) / pxPerSec(view.height);
}

/** Draws one frame. `ctx` must already be scaled so one unit is one CSS pixel. */
export function drawHighway(ctx: CanvasRenderingContext2D, data: HighwayData, view: HighwayView): void {
  const { width, height, time } = view;
  const hitY = height * HIT_LINE;
  const scale = pxPerSec(height);
  const from = time - (height - hitY) / scale;
  const to = time + hitY / scale;
  const cols = Math.max(1, data.columns.length);
  const colW = width / cols;
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "rgba(255,255,255,0.06)";
  for (let c = 1; c < cols; c++) ctx.fillRect(Math.round(c * colW), 0, 1, height);
  for (let i = lowerBound(data.beats, from); i < data.beats.length && data.beats[i] <= to; i++) {
    const bar = data.downbeats.has(data.beats[i]);
    ctx.fillStyle = bar ? "rgba(255,255,255,0.45)" : "rgba(255,255,255,0.16)";
    ctx.fillRect(0, Math.round(hitY - (data.beats[i] - time) * scale), width, bar ? 2 : 1);
  }
  const end = lowerBound(data.times, to);
  for (let i = lowerBound(data.times, from - 0.05); i < end; i++) {
    const y = hitY - (data.times[i] - time) * scale;
    ctx.globalAlpha = data.times[i] < time - 0.03 ? 0.3 : data.alphas[i];
    ctx.fillStyle = data.colors[i];
    const c = data.column[i];
    if (c < 0) ctx.fillRect(2, y - 3, width - 4, 6);
    else ctx.fillRect(c * colW + 4, y - 7, Math.max(4, colW - 8), 14);
  }
  ctx.globalAlpha = 1;
  ctx.fillStyle = "#f8fafc";
  ctx.fillRect(0, hitY - 1.5, width, 3);
}
