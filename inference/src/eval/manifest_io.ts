/**
 * Reads and edits `inference/models/manifest.json` as plain JSON, so fields the pipeline's schema does not know yet
 * (the per-lane `thresholds` of an entry) survive a rewrite.
 */
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import type { BarModel } from "../pipeline/bars.ts";
import type { NoteFilter } from "../pipeline/note_filter.ts";
import type { Thresholds } from "./evaluate.ts";

const rawManifestSchema = z.looseObject({
  models: z.array(
    z.looseObject({
      name: z.string().min(1),
      thresholds: z.record(z.string(), z.number()).optional(),
    }),
  ),
  default: z.string().min(1),
});
type RawManifest = z.infer<typeof rawManifestSchema>;

function manifestPath(modelDir: string): string {
  return `${modelDir.replace(/\/$/, "")}/manifest.json`;
}

/** The manifest in `modelDir`, validated loosely (every other field kept as is). */
export async function readManifest(modelDir: string): Promise<RawManifest> {
  return rawManifestSchema.parse(
    JSON.parse(await readFile(manifestPath(modelDir), "utf8")),
  );
}

async function write(modelDir: string, m: RawManifest): Promise<void> {
  await writeFile(manifestPath(modelDir), JSON.stringify(m, null, 2) + "\n");
}

function entry(m: RawManifest, name: string) {
  const e = m.models.find((x) => x.name === name);
  if (!e) {
    throw new Error(
      `Model "${name}" is not in the manifest (${
        m.models.map((x) => x.name).join(", ")
      })`,
    );
  }
  return e;
}

/** The per-lane peak thresholds stored for `name` (empty when none were tuned). */
export async function readThresholds(
  modelDir: string,
  name: string,
): Promise<Thresholds> {
  return entry(await readManifest(modelDir), name).thresholds ?? {};
}

/** Stores `thresholds` in the entry of `name`. */
export async function writeThresholds(
  modelDir: string,
  name: string,
  thresholds: Thresholds,
): Promise<void> {
  const m = await readManifest(modelDir);
  entry(m, name).thresholds = thresholds;
  await write(modelDir, m);
}

/** Where a model's fitted companions live: manifest field -> file suffix next to the model. */
const FITTED = { bars: "bars", noteFilter: "notes" } as const;

/**
 * Writes a stage fitted on `name`'s activations next to the model as `<name>.<suffix>.json` (bars: the downbeat
 * stage, noteFilter: the note filter) and names that file in the entry of `name`; `null` removes it from the entry.
 */
export async function writeFitted(
  modelDir: string,
  name: string,
  field: keyof typeof FITTED,
  value: BarModel | NoteFilter | null,
): Promise<void> {
  const m = await readManifest(modelDir);
  if (value === null) {
    delete entry(m, name)[field];
  } else {
    const file = `${name}.${FITTED[field]}.json`;
    await writeFile(
      `${modelDir.replace(/\/$/, "")}/${file}`,
      JSON.stringify(value) + "\n",
    );
    entry(m, name)[field] = file;
  }
  await write(modelDir, m);
}

/** Makes `name` the manifest's default model. */
export async function setDefaultModel(
  modelDir: string,
  name: string,
): Promise<void> {
  const m = await readManifest(modelDir);
  entry(m, name);
  m.default = name;
  await write(modelDir, m);
}
