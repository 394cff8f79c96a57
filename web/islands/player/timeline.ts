/** Pure time helpers of the player: bars from the tempo map, binary searches, and display formats. */
import type { BsmMap } from "../../../inference/src/contracts/bsm.ts";

/** One bar [seconds]. */
export interface Bar {
  start: number;
  end: number;
}

/** Default tempo when a map has none [bpm]. */
const FALLBACK_BPM = 120;

/** Index of the first item of ascending `values` that is >= `t` (values.length when none is). */
export function lowerBound(values: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bar starts [seconds]: the downbeats, else every n-th beat, else a grid at the map's bpm. */
function barStarts(map: Pick<BsmMap, "tempo" | "timeSignature" | "durationSec">): number[] {
  const { beats, downbeats, bpm } = map.tempo;
  if (downbeats.length > 0) return [...downbeats];
  const perBar = Math.max(1, map.timeSignature[0]);
  if (beats.length > 0) return beats.filter((_, i) => i % perBar === 0);
  const barSec = (perBar * 60) / (bpm > 0 ? bpm : FALLBACK_BPM);
  return Array.from({ length: Math.max(1, Math.ceil(map.durationSec / barSec)) }, (_, i) => i * barSec);
}

/**
 * The bars covering 0..durationSec: a pickup bar before the first downbeat when there is room for one, one bar per
 * downbeat, the last one as long as the one before it (clipped to the song).
 */
export function barsOf(map: Pick<BsmMap, "tempo" | "timeSignature" | "durationSec">): Bar[] {
  const starts = barStarts(map).filter((t, i, all) => i === 0 || t > all[i - 1]);
  const bars: Bar[] = [];
  if (starts[0] > 0.05) bars.push({ start: 0, end: starts[0] });
  for (let i = 0; i < starts.length; i++) {
    const prevLen = i > 0 ? starts[i] - starts[i - 1] : (starts[1] ?? starts[0] + 2) - starts[0];
    const end = starts[i + 1] ?? Math.max(starts[i] + 0.01, Math.min(map.durationSec, starts[i] + prevLen));
    bars.push({ start: starts[i], end });
  }
  return bars;
}

/** Index of the bar holding `t` (the first bar before the music starts, the last after it ends). */
export function barIndexAt(bars: readonly Bar[], t: number): number {
  let lo = 0;
  let hi = bars.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bars[mid].start <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Length of the beat around `t` [seconds of audio], from the beat list or the bpm. */
export function beatLengthAt(map: Pick<BsmMap, "tempo">, t: number): number {
  const { beats, bpm } = map.tempo;
  if (beats.length >= 2) {
    const i = Math.min(Math.max(1, lowerBound(beats, t)), beats.length - 1);
    const len = beats[i] - beats[i - 1];
    if (len > 0.1 && len < 4) return len;
  }
  return 60 / (bpm > 0 ? bpm : FALLBACK_BPM);
}

/** `seconds` as m:ss. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Clamp `v` into [lo, hi]. */
export const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
