/**
 * Positions on the tracked beat grid: a time as a fractional beat index and back, and the bar grid (beats and
 * how many of them make a bar) that the note filter reads bar-to-bar repetition from.
 */

/** Fractional beat position of `time` [seconds] in `beats` (extrapolated with the edge intervals). */
export function beatPosition(beats: readonly number[], time: number): number {
  const n = beats.length;
  if (time < beats[0]) return (time - beats[0]) / (beats[1] - beats[0]);
  if (time >= beats[n - 1]) {
    return n - 1 + (time - beats[n - 1]) / (beats[n - 1] - beats[n - 2]);
  }
  let lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (beats[mid] <= time) lo = mid;
    else hi = mid;
  }
  return lo + (time - beats[lo]) / (beats[lo + 1] - beats[lo]);
}

/** Time [seconds] of fractional beat position `pos` in `beats` (inverse of {@link beatPosition}). */
export function beatTime(beats: readonly number[], pos: number): number {
  const n = beats.length;
  const k = Math.max(0, Math.min(n - 2, Math.floor(pos)));
  return beats[k] + (pos - k) * (beats[k + 1] - beats[k]);
}

/** The tracked beats [seconds] and the number of beats in a bar. */
export interface BarGrid {
  beats: readonly number[];
  beatsPerBar: number;
}

/**
 * The bar grid of a beat tracker's `beats` and `downbeats` [seconds]: a bar is the most common whole number of
 * beats between consecutive downbeats (ties to the shorter). Null when there are fewer than 4 beats or 2 downbeats,
 * too few to say where the same position in another bar lies.
 */
export function barGrid(
  beats: readonly number[],
  downbeats: readonly number[],
): BarGrid | null {
  if (beats.length < 4 || downbeats.length < 2) return null;
  const positions = downbeats.map((t) => beatPosition(beats, t));
  const counts = new Map<number, number>();
  for (let i = 1; i < positions.length; i++) {
    const k = Math.round(positions[i] - positions[i - 1]);
    if (k > 0) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let beatsPerBar = 0, most = 0;
  for (const [k, c] of counts) {
    if (c > most || (c === most && k < beatsPerBar)) {
      [beatsPerBar, most] = [k, c];
    }
  }
  return beatsPerBar > 0 ? { beats, beatsPerBar } : null;
}

/**
 * Times [seconds] of the position of `time` `offsets` bars away (negative: earlier), for the offsets whose position
 * lies within the tracked beats.
 */
export function sameBarPosition(
  grid: BarGrid,
  time: number,
  offsets: readonly number[],
): number[] {
  const pos = beatPosition(grid.beats, time), last = grid.beats.length - 1;
  return offsets.map((k) => pos + k * grid.beatsPerBar)
    .filter((p) => p >= 0 && p <= last)
    .map((p) => beatTime(grid.beats, p));
}
