import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeActivations,
  encodeActivations,
  labelColumn,
} from "./activations_io.ts";

const act = {
  data: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
  frames: 3,
  fps: 86.1328125,
  labels: ["kick", "beat"],
};
const meta = { model: { name: "m", version: "1.0.0" }, durationSec: 0.03 };

test("activations_io - round trip keeps data, shape and meta, also from an unaligned view", () => {
  const bytes = encodeActivations(act, meta);
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const back = decodeActivations(shifted.subarray(3));
  assert.deepEqual(back.data, act.data);
  assert.deepEqual([back.frames, back.fps, back.labels, back.meta], [
    3,
    act.fps,
    act.labels,
    meta,
  ]);
  assert.deepEqual(
    labelColumn(back, "beat"),
    Float32Array.from([0.2, 0.4, 0.6]),
  );
  assert.equal(labelColumn(back, "snare"), undefined);
});

test("activations_io - malformed artifacts and shapes are refused", () => {
  assert.throws(
    () => encodeActivations({ ...act, frames: 4 }, meta),
    RangeError,
  );
  const bytes = encodeActivations(act, meta);
  assert.throws(
    () => decodeActivations(bytes.subarray(0, bytes.length - 4)),
    /expected 24/,
  );
  assert.throws(() => decodeActivations(new Uint8Array(2)), /too short/);
});
