/**
 * The .bsm drum map format (ARCHITECTURE.md "The map format"). JSON, UTF-8; extra fields are allowed and kept,
 * these keep their meaning. `time` is seconds from the start of the audio.
 */
import { z } from "zod";

/** The lanes every .bsm reader understands. More may be added, keeping these names. */
export const LANES = [
  "kick",
  "snare",
  "hihat_closed",
  "hihat_open",
  "hihat_pedal",
  "tom_high",
  "tom_mid",
  "tom_floor",
  "crash",
  "ride",
] as const;
export const laneSchema = z.enum(LANES);
/** The lanes of the one hi-hat: it is closed, open or pedalled, never two at once. */
export const HIHAT_LANES: readonly string[] = [
  "hihat_closed",
  "hihat_open",
  "hihat_pedal",
];
export type Lane = z.infer<typeof laneSchema>;

export const bsmNoteSchema = z.looseObject({
  /** [seconds] from the start of the audio. */
  time: z.number().nonnegative(),
  /** A known lane, or a later addition (lowercase snake_case). */
  lane: z.string().regex(/^[a-z][a-z0-9_]*$/),
  /** MIDI-style 1..127. */
  velocity: z.number().int().min(1).max(127),
});
export type BsmNote = z.infer<typeof bsmNoteSchema>;

export const bsmSchema = z.looseObject({
  format: z.literal("bsm"),
  version: z.literal(1),
  /** [seconds] */
  durationSec: z.number().positive(),
  tempo: z.looseObject({
    /** [bpm] the prevailing tempo. */
    bpm: z.number().positive(),
    /** Beat times [seconds], ascending. */
    beats: z.array(z.number().nonnegative()),
    /** Downbeat times [seconds], ascending, a subset of the beats. */
    downbeats: z.array(z.number().nonnegative()),
  }),
  /** [beats per bar, beat unit] */
  timeSignature: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  notes: z.array(bsmNoteSchema),
});
export type BsmMap = z.infer<typeof bsmSchema>;
