/**
 * Checks an exported model with onnxruntime-node: it loads, takes `features` [1, T, bands] with a T it was not
 * exported with, and matches the torch output written by export.py (max abs diff < 1e-4).
 * Run from inference/: `node --import tsx training/verify_onnx.ts <model.onnx> <fixture_dir>`.
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import * as ort from "onnxruntime-node";

const [modelPath, fixture] = process.argv.slice(2);
if (!modelPath || !fixture) {
  console.error("usage: verify_onnx.ts <model.onnx> <fixture_dir>");
  process.exit(2);
}
const shapes = JSON.parse(await readFile(`${fixture}/shapes.json`, "utf8")) as {
  input: number[];
  output: number[];
};
const f32 = async (p: string) => {
  const b = await readFile(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const input = await f32(`${fixture}/input.f32`);
const expected = await f32(`${fixture}/torch_output.f32`);
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ["cpu"],
});
if (
  session.inputNames[0] !== "features" ||
  session.outputNames[0] !== "activations"
) {
  throw new Error(
    `unexpected names ${session.inputNames} -> ${session.outputNames}`,
  );
}
const out = await session.run({
  features: new ort.Tensor("float32", input, shapes.input),
});
const got = out.activations;
if (JSON.stringify(got.dims) !== JSON.stringify(shapes.output)) {
  throw new Error(`dims ${got.dims} != ${shapes.output}`);
}
const data = got.data as Float32Array;
let maxDiff = 0;
for (let i = 0; i < data.length; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(data[i] - expected[i]));
}
console.log(JSON.stringify({ dims: got.dims, maxDiff }));
if (!(maxDiff < 1e-4)) {
  console.error(`onnxruntime output differs from torch by ${maxDiff}`);
  process.exit(1);
}
