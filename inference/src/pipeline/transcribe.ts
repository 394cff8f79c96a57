/**
 * Transcribe stage: decoded PCM -> front-end features -> ONNX model -> frame-wise activations.
 * The model and its manifest are loaded once (`loadTranscriber`), then shared by every job.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { z } from "zod";
import type { JobMessage } from "../contracts/job_message.ts";
import { encodeActivations } from "./activations_io.ts";
import { type BarModel, barModelSchema } from "./bars.ts";
import { type NoteFilter, noteFilterSchema } from "./note_filter.ts";
import { readDecoded } from "./decode.ts";
import {
  computeFeatures,
  type Features,
  FeatureStream,
  type FeatureStreamOptions,
} from "./features.ts";
import type { Activations, Stage } from "./types.ts";

/** Where the shipped models and `manifest.json` live. */
export const DEFAULT_MODEL_DIR = fileURLToPath(
  new URL("../../models/", import.meta.url),
);

const frontendSchema = z.object({
  sampleRate: z.number().int().positive(),
  frameSize: z.number().int().positive(),
  hopSize: z.number().int().positive(),
  bands: z.number().int().positive(),
  fmin: z.number().nonnegative(),
  fmax: z.number().positive(),
  logMul: z.number().positive(),
});

export const modelEntrySchema = z.object({
  name: z.string().min(1),
  file: z.string().min(1),
  version: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  labels: z.array(z.string().min(1)).min(1),
  frontend: frontendSchema,
  /** [frames per second] */
  fps: z.number().positive(),
  /** Per-lane peak-picking thresholds (activation 0..1) tuned on a validation split; absent lanes use the default. */
  thresholds: z.record(z.string(), z.number().gt(0).lt(1)).optional(),
  /**
   * Frames on each side that one output frame depends on (the model's receptive field). When given, long inputs
   * run in chunks with this much context: the same activations with a fraction of the memory.
   */
  contextFrames: z.number().int().nonnegative().optional(),
  /** File (next to the model) of the downbeat stage fitted on this model's activations (pipeline/bars.ts). */
  bars: z.string().min(1).optional(),
  /** File (next to the model) of the note filter fitted on this model's activations (pipeline/note_filter.ts). */
  noteFilter: z.string().min(1).optional(),
  /** Set when the graph runs two trained models (training/combine.py): each label's activation is the base's,
   * moved towards the donor's by its share (1: the donor's). Provenance for the model card. */
  combines: z.object({
    base: z.string().min(1),
    donor: z.string().min(1),
    donorShare: z.record(z.string(), z.number().gt(0).max(1)),
  }).optional(),
});
export type ModelEntry = z.infer<typeof modelEntrySchema>;

export const manifestSchema = z.object({
  models: z.array(modelEntrySchema).min(1),
  default: z.string().min(1),
});

export interface TranscriberOptions {
  /** Folder holding `manifest.json` and the model files, default {@link DEFAULT_MODEL_DIR}. */
  modelDir?: string;
  /** A model name from the manifest, default the manifest's `default`. */
  modelName?: string;
  /** Output frames per model run for a model with `contextFrames`, default {@link CHUNK_FRAMES}. */
  chunkFrames?: number;
}

/**
 * Output frames per model run (about 41 s at 100 fps): the activations of a 4-minute song in one run hold about
 * 100 MB per convolution layer; chunks keep memory flat whatever the song's length, at the same speed.
 */
export const CHUNK_FRAMES = 4096;

export interface Transcriber {
  model: ModelEntry;
  /** The model's downbeat stage, when the manifest names one. */
  bars?: BarModel;
  /** The model's note filter, when the manifest names one. */
  noteFilter?: NoteFilter;
  /** The execution providers the session was created with. */
  executionProviders: string[];
  /** Activations of mono `samples` at `sampleRate` [Hz] (must equal the model's front-end rate). */
  transcribe(samples: Float32Array, sampleRate: number): Promise<Activations>;
  /**
   * The model's front end over audio at `sampleRate` [Hz] (must equal the model's front-end rate) that arrives in
   * chunks, e.g. while it is still being decoded; hand its `finish()` to {@link Transcriber.transcribeFeatures}.
   */
  featureStream(sampleRate: number, opts?: FeatureStreamOptions): FeatureStream;
  /** Activations of `features` from this model's front end (`featureStream`), the same as `transcribe`'s. */
  transcribeFeatures(features: Features): Promise<Activations>;
}

/** The model file does not match the manifest's checksum (corrupt or replaced). */
export class ModelChecksumError extends Error {
  override name = "ModelChecksumError";
}

/**
 * Session options for every provider. onnxruntime's worker threads spin for a while after each run by default,
 * holding a core that the beat tracker, which runs right after the model, needs (bench:transcribe on 2 cores:
 * beats 137-142 -> 120-125 ms, total 700-720 -> 683-686 ms); the model itself runs as fast without it.
 */
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  extra: { session: { intra_op: { allow_spinning: "0" } } },
};

async function createSession(
  bytes: Uint8Array,
): Promise<{ session: ort.InferenceSession; eps: string[] }> {
  if (process.env.ONNX_EP === "cuda") {
    try {
      return {
        session: await ort.InferenceSession.create(bytes, {
          ...SESSION_OPTIONS,
          executionProviders: ["cuda", "cpu"],
        }),
        eps: ["cuda", "cpu"],
      };
    } catch (e) {
      // A machine without the CUDA provider still transcribes, only slower: say so and carry on.
      console.error(
        `ONNX_EP=cuda but the CUDA provider failed (${
          (e as Error).message
        }); using cpu`,
      );
    }
  }
  return {
    session: await ort.InferenceSession.create(bytes, {
      ...SESSION_OPTIONS,
      executionProviders: ["cpu"],
    }),
    eps: ["cpu"],
  };
}

/** Reads and validates a file fitted on a model's activations (`<model>.bars.json`, `<model>.notes.json`). */
async function readFitted<T>(
  path: string,
  schema: z.ZodType<T>,
  what: string,
): Promise<T> {
  const parsed = schema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) {
    throw new Error(
      `${path} is not a valid ${what}: ${
        parsed.error.issues.map((i) => i.message).join("; ")
      }`,
    );
  }
  return parsed.data;
}

/** Reads the manifest, verifies the model's sha256 and creates its onnxruntime session once. */
export async function loadTranscriber(
  opts: TranscriberOptions = {},
): Promise<Transcriber> {
  const dir = opts.modelDir ?? DEFAULT_MODEL_DIR;
  const manifestPath = `${dir.replace(/\/$/, "")}/manifest.json`;
  const manifest = manifestSchema.parse(
    JSON.parse(await readFile(manifestPath, "utf8")),
  );
  const name = opts.modelName ?? manifest.default;
  const model = manifest.models.find((m) => m.name === name);
  if (!model) {
    throw new Error(
      `Model "${name}" is not in ${manifestPath} (${
        manifest.models.map((m) => m.name).join(", ")
      })`,
    );
  }
  const file = `${dir.replace(/\/$/, "")}/${model.file}`;
  const bytes = new Uint8Array(await readFile(file));
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (sha !== model.sha256) {
    throw new ModelChecksumError(
      `Model file ${file} has sha256 ${sha}, the manifest says ${model.sha256}; rebuild or restore it`,
    );
  }
  const beside = (file: string) => `${dir.replace(/\/$/, "")}/${file}`;
  const bars = model.bars
    ? await readFitted(beside(model.bars), barModelSchema, "bar model")
    : undefined;
  const noteFilter = model.noteFilter
    ? await readFitted(
      beside(model.noteFilter),
      noteFilterSchema,
      "note filter",
    )
    : undefined;
  const { session, eps } = await createSession(bytes);
  const checkRate = (sampleRate: number) => {
    if (sampleRate !== model.frontend.sampleRate) {
      throw new RangeError(
        `${model.name} needs ${model.frontend.sampleRate} Hz audio, got ${sampleRate} Hz`,
      );
    }
  };
  const transcribeFeatures = async (f: Features): Promise<Activations> => {
    if (f.bands !== model.frontend.bands) {
      throw new RangeError(
        `${model.name} needs ${model.frontend.bands} feature bands, got ${f.bands}`,
      );
    }
    const run = async (from: number, to: number) => {
      const input = new ort.Tensor(
        "float32",
        f.data.subarray(from * f.bands, to * f.bands),
        [1, to - from, f.bands],
      );
      const out = await session.run({ [session.inputNames[0]]: input });
      return out[session.outputNames[0]].data as Float32Array;
    };
    const context = model.contextFrames,
      chunk = opts.chunkFrames ?? CHUNK_FRAMES;
    if (context === undefined || f.frames <= chunk + 2 * context) {
      return {
        data: new Float32Array(await run(0, f.frames)),
        frames: f.frames,
        fps: model.fps,
        labels: model.labels,
      };
    }
    const labels = model.labels.length,
      data = new Float32Array(f.frames * labels);
    for (let start = 0; start < f.frames; start += chunk) {
      const end = Math.min(f.frames, start + chunk);
      const from = Math.max(0, start - context),
        to = Math.min(f.frames, end + context);
      const out = await run(from, to);
      data.set(
        out.subarray((start - from) * labels, (end - from) * labels),
        start * labels,
      );
    }
    return { data, frames: f.frames, fps: model.fps, labels: model.labels };
  };
  return {
    model,
    bars,
    noteFilter,
    executionProviders: eps,
    async transcribe(samples, sampleRate) {
      checkRate(sampleRate);
      return await transcribeFeatures(computeFeatures(samples, model.frontend));
    },
    featureStream(sampleRate, opts) {
      checkRate(sampleRate);
      return new FeatureStream(model.frontend, opts);
    },
    transcribeFeatures,
  };
}

/** Artifact key of the transcribe stage. */
export function transcribeKey(job: Pick<JobMessage, "jobId">): string {
  return `jobs/${job.jobId}/transcribe.act`;
}

/** The transcribe stage: `decode.f32` -> `jobs/{jobId}/transcribe.act` with the shared `transcriber`. */
export function createTranscribeStage(transcriber: Transcriber): Stage {
  return {
    name: "transcribe",
    outputKey: transcribeKey,
    async run(ctx) {
      const { samples, sampleRate } = await readDecoded(ctx);
      const act = await transcriber.transcribe(samples, sampleRate);
      const meta = {
        model: {
          name: transcriber.model.name,
          version: transcriber.model.version,
        },
        durationSec: samples.length / sampleRate,
        thresholds: transcriber.model.thresholds,
        bars: transcriber.bars,
        noteFilter: transcriber.noteFilter,
      };
      await ctx.store.put(
        transcribeKey(ctx.job),
        encodeActivations(act, meta),
        "application/octet-stream",
      );
      ctx.log.info("transcribed", {
        frames: act.frames,
        model: transcriber.model.name,
      });
    },
  };
}
