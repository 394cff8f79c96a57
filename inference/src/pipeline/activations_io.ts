/**
 * The transcribe artifact (`jobs/{jobId}/transcribe.act`): a small JSON header and the float32 activations.
 * Layout: 4-byte little-endian header length N, N bytes of UTF-8 JSON, zero padding to a multiple of 4, then
 * `frames * labels.length` little-endian float32 values (row-major frames x labels).
 */
import { z } from "zod";
import { type BarModel, barModelSchema } from "./bars.ts";
import { type NoteFilter, noteFilterSchema } from "./note_filter.ts";
import type { Activations } from "./types.ts";

/** Where the activations came from, carried so later stages can report it. */
export interface ActivationsMeta {
  model: { name: string; version: string };
  /** [seconds] length of the decoded audio. */
  durationSec: number;
  /** The model's tuned per-lane peak thresholds, so the quantize stage picks notes the way the model was tuned. */
  thresholds?: Record<string, number>;
  /** The model's downbeat stage, so the beats stage finds bars the way the model was fitted. */
  bars?: BarModel;
  /** The model's note filter, so the quantize stage keeps the peaks the model's filter keeps. */
  noteFilter?: NoteFilter;
}

const headerSchema = z.object({
  frames: z.number().int().nonnegative(),
  fps: z.number().positive(),
  labels: z.array(z.string().min(1)).min(1),
  meta: z.object({
    model: z.object({ name: z.string().min(1), version: z.string().min(1) }),
    durationSec: z.number().positive(),
    thresholds: z.record(z.string(), z.number()).optional(),
    bars: barModelSchema.optional(),
    noteFilter: noteFilterSchema.optional(),
  }),
});

/** Activations with their provenance. */
export type StoredActivations = Activations & { meta: ActivationsMeta };

/** Serialises activations and their meta to the artifact bytes. */
export function encodeActivations(
  act: Activations,
  meta: ActivationsMeta,
): Uint8Array {
  if (act.data.length !== act.frames * act.labels.length) {
    throw new RangeError(
      `activations hold ${act.data.length} values, expected ${act.frames} x ${act.labels.length}`,
    );
  }
  const header = new TextEncoder().encode(
    JSON.stringify({
      frames: act.frames,
      fps: act.fps,
      labels: act.labels,
      meta,
    }),
  );
  const offset = 4 + Math.ceil(header.length / 4) * 4;
  const out = new Uint8Array(offset + act.data.byteLength);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  const body = new DataView(out.buffer, offset);
  for (let i = 0; i < act.data.length; i++) {
    body.setFloat32(i * 4, act.data[i], true);
  }
  return out;
}

/** Parses artifact bytes written by {@link encodeActivations}; throws on a malformed artifact. */
export function decodeActivations(bytes: Uint8Array): StoredActivations {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) {
    throw new RangeError("activations artifact is too short");
  }
  const length = view.getUint32(0, true);
  if (4 + length > bytes.byteLength) {
    throw new RangeError("activations artifact header is truncated");
  }
  const header = headerSchema.parse(
    JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))),
  );
  const offset = 4 + Math.ceil(length / 4) * 4;
  const count = header.frames * header.labels.length;
  if (bytes.byteLength !== offset + count * 4) {
    throw new RangeError(
      `activations artifact holds ${
        bytes.byteLength - offset
      } data bytes, expected ${count * 4}`,
    );
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    data[i] = view.getFloat32(offset + i * 4, true);
  }
  return {
    data,
    frames: header.frames,
    fps: header.fps,
    labels: header.labels,
    meta: header.meta,
  };
}

/** The column of `label` as its own array, or undefined when the model has no such label. */
export function labelColumn(
  act: Activations,
  label: string,
): Float32Array | undefined {
  const l = act.labels.indexOf(label);
  if (l < 0) return undefined;
  const n = act.labels.length;
  const out = new Float32Array(act.frames);
  for (let t = 0; t < act.frames; t++) out[t] = act.data[t * n + l];
  return out;
}
