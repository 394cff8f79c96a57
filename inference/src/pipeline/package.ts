/**
 * Package stage: beats + quantized notes -> the .bsm drum map (contracts/bsm.ts), stored as
 * `maps/unverified/{songId}/{jobId}.bsm`.
 */
import { type BsmMap, bsmSchema } from "../contracts/bsm.ts";
import type { JobMessage } from "../contracts/job_message.ts";
import { type BeatResult, beatResultSchema, beatsKey } from "./beats.ts";
import {
  quantizeArtifactSchema,
  type QuantizedNote,
  quantizeKey,
} from "./quantize.ts";
import { BadInputError, type Stage } from "./types.ts";

export interface BuildBsmInput {
  /** [seconds] length of the audio. */
  durationSec: number;
  beats: BeatResult;
  /** Notes with at least time [seconds], lane and velocity; extra fields are kept. */
  notes: readonly Pick<QuantizedNote, "time" | "lane" | "velocity">[];
  /** The model that drafted the map. */
  model: { name: string; version: string };
}

/**
 * Builds and validates a .bsm map (notes sorted by time, then lane). Throws {@link BadInputError} when the
 * audio had no beat to build a tempo map on.
 */
export function buildBsm(input: BuildBsmInput): BsmMap {
  if (!(input.beats.bpm > 0)) {
    throw new BadInputError(
      "No beat was found in the audio (is it silent or without rhythm?), so no drum map was made.",
    );
  }
  const notes = [...input.notes].sort((a, b) =>
    a.time - b.time || a.lane.localeCompare(b.lane)
  );
  return bsmSchema.parse({
    format: "bsm",
    version: 1,
    durationSec: Math.round(input.durationSec * 1e4) / 1e4,
    tempo: {
      bpm: Math.round(input.beats.bpm * 100) / 100,
      beats: input.beats.beats.map(roundSec),
      downbeats: input.beats.downbeats.map(roundSec),
    },
    timeSignature: input.beats.timeSignature,
    notes,
    generator: { model: input.model.name, version: input.model.version },
  });
}

const roundSec = (t: number) => Math.round(t * 1e4) / 1e4;

/** Artifact key of the package stage: the unverified map of `job`. */
export function packageKey(job: Pick<JobMessage, "jobId" | "songId">): string {
  return `maps/unverified/${job.songId}/${job.jobId}.bsm`;
}

/** The package stage: `beats.json` + `quantize.json` -> `maps/unverified/{songId}/{jobId}.bsm`. */
export function createPackageStage(): Stage {
  return {
    name: "package",
    outputKey: packageKey,
    async run(ctx) {
      const read = async (key: string) =>
        JSON.parse(new TextDecoder().decode(await ctx.store.get(key)));
      const beats = beatResultSchema.parse(
        await read(ctx.outputs.beats ?? beatsKey(ctx.job)),
      );
      const q = quantizeArtifactSchema.parse(
        await read(ctx.outputs.quantize ?? quantizeKey(ctx.job)),
      );
      const map = buildBsm({
        durationSec: q.durationSec,
        beats,
        notes: q.notes,
        model: q.model,
      });
      await ctx.store.put(
        packageKey(ctx.job),
        new TextEncoder().encode(JSON.stringify(map)),
        "application/json",
      );
      ctx.log.info("packaged map", {
        notes: map.notes.length,
        bpm: map.tempo.bpm,
      });
    },
  };
}
