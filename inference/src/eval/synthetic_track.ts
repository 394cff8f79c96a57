/** Hand-made tracks for the fitting tests: activations to draw peaks into, and ground truth around given notes. */
import type { Activations } from "../pipeline/types.ts";
import type { TrackTruth } from "./dataset.ts";

/** `frames` frames of `labels` at `fps`, each value uniform in 0..`noise`, and a setter for peaks by label. */
export function noisyActivations(
  labels: readonly string[],
  frames: number,
  fps: number,
  noise: number,
  rnd: () => number,
): {
  act: Activations;
  set: (frame: number, label: string, v: number) => void;
} {
  const n = labels.length;
  const data = new Float32Array(frames * n).map(() => noise * rnd());
  return {
    act: { data, frames, fps, labels },
    set: (frame, label, v) => (data[frame * n + labels.indexOf(label)] = v),
  };
}

/** Ground truth of a hand-made track (a 4/4 rock track at 120 bpm as far as the index fields go). */
export function syntheticTruth(
  fields: Pick<TrackTruth, "notes" | "beats" | "downbeats" | "durationSec">,
): TrackTruth {
  return {
    id: "synthetic",
    style: "rock",
    meter: "4/4",
    bpm: 120,
    source: "test",
    accompaniment: null,
    ...fields,
  };
}
