/**
 * Stages that do no audio work: each writes a tiny, valid artifact at the real stage's key, so the runner,
 * callbacks and storage behave exactly as in production. Selected with INFERENCE_PIPELINE=noop; it exists to
 * measure the spine's own overhead (`deno task bench:spine`), never for real jobs.
 */
import { createHash } from "node:crypto";
import type { JobMessage } from "../contracts/job_message.ts";
import type { StageName } from "../contracts/stages.ts";
import { beatsKey } from "./beats.ts";
import { decodeKey } from "./decode.ts";
import { fingerprintKey } from "./fingerprint.ts";
import { buildBsm, packageKey } from "./package.ts";
import { quantizeKey } from "./quantize.ts";
import { transcribeKey } from "./transcribe.ts";
import type { Stage } from "./types.ts";

/** [seconds] the duration every no-op artifact claims. */
const NOOP_DURATION_SEC = 1;

const json = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value));

function noopStage(
  name: StageName,
  outputKey: (job: JobMessage) => string,
  body: (job: JobMessage) => Uint8Array,
) {
  return {
    name,
    outputKey,
    run: (ctx) =>
      ctx.store.put(
        outputKey(ctx.job),
        body(ctx.job),
        "application/octet-stream",
      ),
  } satisfies Stage;
}

/** A no-op stage for every stage of every job type. */
export function buildNoopStages(): Partial<Record<StageName, Stage>> {
  const empty = () => new Uint8Array(0);
  const stages = [
    noopStage("decode", decodeKey, empty),
    noopStage("fingerprint", fingerprintKey, (job) =>
      json({
        fingerprint: "noop",
        fingerprintHash: createHash("sha256").update(job.songId).digest("hex"),
        durationSec: NOOP_DURATION_SEC,
      })),
    noopStage("transcribe", transcribeKey, empty),
    noopStage("beats", beatsKey, empty),
    noopStage("quantize", quantizeKey, empty),
    noopStage("package", packageKey, () =>
      json(buildBsm({
        durationSec: NOOP_DURATION_SEC,
        beats: {
          beats: [0.5],
          downbeats: [0.5],
          bpm: 120,
          timeSignature: [4, 4],
        },
        notes: [],
        model: { name: "noop", version: "0" },
      }))),
  ];
  return Object.fromEntries(stages.map((s) => [s.name, s]));
}
