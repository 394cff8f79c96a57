/**
 * Builds the baseline drum model, `band_energy_onset_detector.onnx`, and the manifest entry describing it.
 *
 * What it is: no learning. Per mel band positive spectral flux (the log-magnitude rise from the previous frame),
 * fixed band weights per label (kick: low bands; snare: low-mid tone + 1-5 kHz noise; closed hi-hat: bands above
 * 8 kHz; beat: all bands), negative weights to damp the neighbour instruments' leakage, a local normalisation by
 * the moving maximum (~2 s), and a sigmoid. Run: `node --import tsx models/build_band_energy_onset_detector.ts`
 * (in inference/) or `deno run -A inference/models/build_band_energy_onset_detector.ts`.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import onnxProto from "onnx-proto";
import { bandCenters, type FrontendConfig } from "../src/pipeline/features.ts";

const { onnx } = onnxProto;

export const MODEL_NAME = "band_energy_onset_detector";
export const MODEL_VERSION = "1.0.0";
export const MODEL_FILE = `${MODEL_NAME}.onnx`;
/** Output labels, in column order. */
export const LABELS = ["kick", "snare", "hihat_closed", "beat"] as const;

/** The front end the weights were designed for: 22050 Hz, 1024-sample frames, hop 256 (~86.13 fps). */
export const FRONTEND: FrontendConfig = {
  sampleRate: 22050,
  frameSize: 1024,
  hopSize: 256,
  bands: 40,
  fmin: 30,
  fmax: 11000,
  logMul: 100,
};

/** [seconds] width of the moving maximum that normalises each label. */
const NORM_WINDOW_SEC = 2;
/** Flux floor per label (log10 units): below it a rise counts as noise, not as a hit. */
const EPS = [0.05, 0.02, 0.02, 0.02];
/** The sigmoid maps normalised flux n in 0..1 to sigmoid(GAIN * (n - BIAS)). */
const GAIN = 8;
const BIAS = 0.3;

type Range = [lo: number, hi: number];
/** Per label: [frequency range [Hz], weight] terms; each term's weight is spread evenly over its bands. */
const TERMS: Record<(typeof LABELS)[number], [Range, number][]> = {
  kick: [[[0, 110], 1], [[1000, 5000], -2]],
  snare: [[[1000, 5000], 1], [[0, 110], -0.5], [[8000, 1e9], -0.5]],
  hihat_closed: [[[9000, 1e9], 1], [[1000, 5000], -0.25]],
  beat: [[[0, 1e9], 1]],
};

/** The band-weight matrix `[bands, labels]` (row-major) for `frontend`. */
export function bandWeights(frontend: FrontendConfig = FRONTEND): Float32Array {
  const centres = bandCenters(frontend);
  const w = new Float32Array(frontend.bands * LABELS.length);
  LABELS.forEach((label, l) => {
    for (const [[lo, hi], weight] of TERMS[label]) {
      const bands = centres.flatMap((c, b) => (c >= lo && c < hi ? [b] : []));
      if (bands.length === 0) throw new Error(`No band of the front end lies in ${lo}-${hi} Hz for ${label}`);
      for (const b of bands) w[b * LABELS.length + l] += weight / bands.length;
    }
  });
  return w;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;

function tensor(name: string, dims: number[], values: number[] | Float32Array, type = FLOAT) {
  const raw = type === FLOAT ? new Float32Array(values) : new BigInt64Array(Array.from(values, BigInt));
  return { name, dims, dataType: type, rawData: new Uint8Array(raw.buffer) };
}

function node(op: string, inputs: string[], output: string, attribute: object[] = []) {
  return { opType: op, input: inputs, output: [output], name: output, attribute };
}

function valueInfo(name: string, dims: (number | string)[]) {
  const dim = dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

/** Encodes the model (ONNX opset 13) for `frontend`; the bytes are deterministic. */
export function buildBandEnergyOnsetDetector(frontend: FrontendConfig = FRONTEND): Uint8Array {
  const bands = frontend.bands, labels = LABELS.length;
  const fps = frontend.sampleRate / frontend.hopSize;
  const k = 2 * Math.round((NORM_WINDOW_SEC * fps) / 2) + 1;
  const perLabel = (v: readonly number[] | number) =>
    Array.from({ length: labels }, (_, l) => typeof v === "number" ? v : v[l]);
  const graph = {
    name: MODEL_NAME,
    input: [valueInfo("features", [1, "time", bands])],
    output: [valueInfo("activations", [1, "time", labels])],
    initializer: [
      tensor("pads", [6], [0, 1, 0, 0, 0, 0], INT64),
      tensor("starts", [1], [0], INT64),
      tensor("ends", [1], [-1], INT64),
      tensor("axes", [1], [1], INT64),
      tensor("weights", [bands, labels], bandWeights(frontend)),
      tensor("eps", [1, labels, 1], perLabel(EPS)),
      tensor("bias", [1, labels, 1], perLabel(BIAS)),
      tensor("gain", [1, labels, 1], perLabel(GAIN)),
    ],
    node: [
      // Edge padding repeats frame 0, so the first frame has no flux from the zero padding.
      node("Pad", ["features", "pads"], "padded", [{
        name: "mode",
        type: A.STRING,
        s: new TextEncoder().encode("edge"),
      }]),
      node("Slice", ["padded", "starts", "ends", "axes"], "previous"),
      node("Sub", ["features", "previous"], "diff"),
      node("Relu", ["diff"], "flux"),
      node("MatMul", ["flux", "weights"], "weighted"),
      node("Relu", ["weighted"], "odf"),
      node("Transpose", ["odf"], "odf_lt", [{ name: "perm", type: A.INTS, ints: [0, 2, 1] }]),
      node("MaxPool", ["odf_lt"], "local_max", [
        { name: "kernel_shape", type: A.INTS, ints: [k] },
        { name: "pads", type: A.INTS, ints: [(k - 1) / 2, (k - 1) / 2] },
        { name: "strides", type: A.INTS, ints: [1] },
      ]),
      node("Add", ["local_max", "eps"], "denominator"),
      node("Div", ["odf_lt", "denominator"], "normalised"),
      node("Sub", ["normalised", "bias"], "centred"),
      node("Mul", ["centred", "gain"], "logits"),
      node("Sigmoid", ["logits"], "probabilities"),
      node("Transpose", ["probabilities"], "activations", [{ name: "perm", type: A.INTS, ints: [0, 2, 1] }]),
    ],
  };
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "beatsight",
    producerVersion: MODEL_VERSION,
    modelVersion: 1,
    docString: "Band-energy onset detector: per-band positive spectral flux, fixed band weights, local max norm.",
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The manifest entry of the model built from `bytes`. */
export function manifestEntry(bytes: Uint8Array) {
  return {
    name: MODEL_NAME,
    file: MODEL_FILE,
    version: MODEL_VERSION,
    sha256: sha256Hex(bytes),
    labels: [...LABELS],
    frontend: FRONTEND,
    fps: FRONTEND.sampleRate / FRONTEND.hopSize,
  };
}

/** Writes the model and (re)writes its entry in `manifest.json` in `dir`, keeping other models' entries. */
export async function writeModel(dir = fileURLToPath(new URL(".", import.meta.url))): Promise<string> {
  const bytes = buildBandEnergyOnsetDetector();
  await writeFile(`${dir}/${MODEL_FILE}`, bytes);
  const path = `${dir}/manifest.json`;
  const old = await readFile(path, "utf8").then(JSON.parse).catch(() => ({ models: [] }));
  const models = [...old.models.filter((m: { name: string }) => m.name !== MODEL_NAME), manifestEntry(bytes)];
  await writeFile(path, JSON.stringify({ models, default: old.default ?? MODEL_NAME }, null, 2) + "\n");
  return sha256Hex(bytes);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  writeModel().then((sha) => console.error(`wrote ${MODEL_FILE} (sha256 ${sha}) and manifest.json`));
}
