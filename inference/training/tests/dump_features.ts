/**
 * Writes the TypeScript front end's features of raw mono float32 samples, for the numpy parity test.
 * Usage: deno run -A inference/training/tests/dump_features.ts <samples.f32> <frontend.json> <out.f32>
 */
import {
  computeFeatures,
  type FrontendConfig,
} from "../../src/pipeline/features.ts";

const [inPath, cfgPath, outPath] = Deno.args;
if (!inPath || !cfgPath || !outPath) {
  throw new Error(
    "usage: dump_features.ts <samples.f32> <frontend.json> <out.f32>",
  );
}
const bytes = await Deno.readFile(inPath);
const samples = new Float32Array(
  bytes.buffer,
  bytes.byteOffset,
  bytes.byteLength / 4,
);
const cfg = JSON.parse(await Deno.readTextFile(cfgPath)) as FrontendConfig;
const f = computeFeatures(samples, cfg);
await Deno.writeFile(outPath, new Uint8Array(f.data.buffer));
console.log(JSON.stringify({ frames: f.frames, bands: f.bands }));
