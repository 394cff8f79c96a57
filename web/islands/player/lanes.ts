/**
 * How each drum lane looks in the player: highway colour, legend label, and its place on the drum staff. Shared by
 * the highway, the notation and the legend so the three always agree.
 */

/** Display data of one lane. */
export interface LaneStyle {
  lane: string;
  label: string;
  /** CSS colour on the dark highway background (each passes 4.5:1 against #0b1020). */
  color: string;
  /**
   * Staff position in half line-spaces above the bottom line (0 = bottom line, 8 = top line), after the
   * Percussive Arts Society drum-set key.
   */
  staffStep: number;
  /** Cymbals and hi-hats get x note heads. */
  xHead: boolean;
  /** Feet (kick, hi-hat pedal) are written with stems down. */
  foot: boolean;
}

const STYLES: LaneStyle[] = [
  { lane: "crash", label: "Crash", color: "#22d3ee", staffStep: 10, xHead: true, foot: false },
  { lane: "hihat_open", label: "Hi-hat open", color: "#fde68a", staffStep: 9, xHead: true, foot: false },
  { lane: "hihat_closed", label: "Hi-hat", color: "#facc15", staffStep: 9, xHead: true, foot: false },
  { lane: "ride", label: "Ride", color: "#34d399", staffStep: 8, xHead: true, foot: false },
  { lane: "tom_high", label: "High tom", color: "#38bdf8", staffStep: 7, xHead: false, foot: false },
  { lane: "tom_mid", label: "Mid tom", color: "#818cf8", staffStep: 6, xHead: false, foot: false },
  { lane: "snare", label: "Snare", color: "#f87171", staffStep: 5, xHead: false, foot: false },
  { lane: "tom_floor", label: "Floor tom", color: "#c084fc", staffStep: 3, xHead: false, foot: false },
  { lane: "kick", label: "Kick", color: "#fb923c", staffStep: 1, xHead: false, foot: true },
  { lane: "hihat_pedal", label: "Hi-hat pedal", color: "#a3e635", staffStep: -1, xHead: true, foot: true },
];

/** Highway column order, left to right as a drummer sees the kit; the kick is drawn across all columns instead. */
export const HIGHWAY_ORDER = [
  "hihat_pedal",
  "hihat_closed",
  "hihat_open",
  "crash",
  "snare",
  "tom_high",
  "tom_mid",
  "tom_floor",
  "ride",
];

const BY_LANE = new Map(STYLES.map((s) => [s.lane, s]));

/** The style of `lane`; lanes added to the format later get a neutral grey, a snare-space note and a plain head. */
export function laneStyle(lane: string): LaneStyle {
  return BY_LANE.get(lane) ??
    { lane, label: lane.replace(/_/g, " "), color: "#d1d5db", staffStep: 4, xHead: false, foot: false };
}

/** The lanes that occur in `notes`, in legend order (known lanes top of the kit first, then others by name). */
export function lanesIn(notes: readonly { lane: string }[]): LaneStyle[] {
  const present = new Set(notes.map((n) => n.lane));
  const known = STYLES.filter((s) => present.has(s.lane));
  const extra = [...present].filter((l) => !BY_LANE.has(l)).sort().map(laneStyle);
  return [...known, ...extra];
}

/** Highway columns for `notes`: every present lane except the kick, in {@link HIGHWAY_ORDER}, then extras. */
export function highwayColumns(notes: readonly { lane: string }[]): string[] {
  const present = new Set(notes.map((n) => n.lane));
  present.delete("kick");
  const known = HIGHWAY_ORDER.filter((l) => present.has(l));
  return [...known, ...[...present].filter((l) => !HIGHWAY_ORDER.includes(l)).sort()];
}
