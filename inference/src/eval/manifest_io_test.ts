import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { test } from "node:test";
import {
  readManifest,
  readThresholds,
  setDefaultModel,
  writeFitted,
  writeThresholds,
} from "./manifest_io.ts";

const MANIFEST = {
  models: [
    {
      name: "a",
      file: "a.onnx",
      version: "1",
      labels: ["kick"],
      extra: { keep: true },
    },
    { name: "b", file: "b.onnx", version: "2", labels: ["kick", "snare"] },
  ],
  default: "a",
};

test("manifest_io - thresholds are stored in the entry; other fields and entries are kept", async () => {
  const dir = await mkdtemp(`${tmpdir()}/manifest-`);
  try {
    await writeFile(`${dir}/manifest.json`, JSON.stringify(MANIFEST));
    assert.deepEqual(await readThresholds(dir, "b"), {});
    await writeThresholds(dir, "b", { kick: 0.45, snare: 0.6 });
    assert.deepEqual(await readThresholds(dir, "b"), {
      kick: 0.45,
      snare: 0.6,
    });
    const raw = JSON.parse(await readFile(`${dir}/manifest.json`, "utf8"));
    assert.deepEqual(raw.models[0], MANIFEST.models[0]);
    assert.equal(raw.models[1].version, "2");
    assert.equal(raw.default, "a");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("manifest_io - the default moves only to a model that exists", async () => {
  const dir = await mkdtemp(`${tmpdir()}/manifest-`);
  try {
    await writeFile(`${dir}/manifest.json`, JSON.stringify(MANIFEST));
    await setDefaultModel(dir, "b");
    assert.equal((await readManifest(dir)).default, "b");
    await assert.rejects(
      setDefaultModel(dir, "zzz"),
      /Model "zzz" is not in the manifest/,
    );
    await assert.rejects(
      writeThresholds(dir, "zzz", {}),
      /not in the manifest/,
    );
    assert.equal((await readManifest(dir)).default, "b");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("manifest_io - a fitted stage is written next to the model and named in its entry; null removes it", async () => {
  const dir = await mkdtemp(`${tmpdir()}/manifest-`);
  try {
    await writeFile(`${dir}/manifest.json`, JSON.stringify(MANIFEST));
    const filter = { labels: ["kick", "snare"], floor: 0.3, lanes: {} };
    await writeFitted(dir, "b", "noteFilter", filter);
    const named = (await readManifest(dir)).models[1];
    assert.equal(named.noteFilter, "b.notes.json");
    assert.deepEqual(
      JSON.parse(await readFile(`${dir}/b.notes.json`, "utf8")),
      filter,
    );
    await writeFitted(dir, "b", "noteFilter", null);
    assert.equal((await readManifest(dir)).models[1].noteFilter, undefined);
    await assert.rejects(
      writeFitted(dir, "zz", "bars", null),
      /Model "zz" is not in the manifest/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
