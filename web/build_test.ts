import assert from "node:assert/strict";
import { join } from "node:path";
import { buildIslands, discoverIslands, isHashedAsset } from "./build.ts";
import { TEST_ISLANDS } from "./islands/testing/mod.ts";

Deno.test("buildIslands - writes hashed modules, shared chunks and a manifest; rebuilds are stable", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "bs-build-" });
  try {
    await Deno.writeTextFile(join(outDir, "old-ZZZZZZZZ.js"), "stale");
    const assets = await buildIslands({ outDir, islands: TEST_ISLANDS });
    assert.deepEqual(Object.keys(assets.manifest).sort(), ["CountButton", "CountView"]);
    for (const url of [assets.runtime, ...Object.values(assets.manifest)]) {
      assert.match(url, /^\/static\/build\/[A-Za-z]+-[A-Z0-9]{8}\.js$/);
      assert.ok(isHashedAsset(url));
      const code = await Deno.readTextFile(join(outDir, url.split("/").pop()!));
      // Everything is bundled: no bare import a browser could not resolve.
      assert.doesNotMatch(code, /from\s*"(preact|@preact\/signals)[^"]*"/);
    }
    const files = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assert.ok(!files.includes("old-ZZZZZZZZ.js"), "stale outputs are removed");
    assert.ok(files.some((f) => f.startsWith("chunk-")), "preact is split into a shared chunk");
    const written = JSON.parse(await Deno.readTextFile(join(outDir, "manifest.json")));
    assert.deepEqual(written, assets);

    const again = await buildIslands({ outDir, islands: TEST_ISLANDS });
    assert.deepEqual(again, assets, "same sources, same content hashes");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("buildIslands - a broken island fails with esbuild's message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bs-build-bad-" });
  try {
    await Deno.writeTextFile(join(dir, "Broken.tsx"), "export default function Broken( { return 1 }\n");
    await assert.rejects(
      buildIslands({ outDir: join(dir, "out"), islands: { Broken: join(dir, "Broken.tsx") } }),
      /Broken\.tsx/,
    );
    await assert.rejects(
      buildIslands({ outDir: join(dir, "out"), islands: { runtime: join(dir, "Broken.tsx") } }),
      /reserved/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discoverIslands - finds PascalCase .tsx files only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bs-islands-" });
  try {
    for (const f of ["Uploader.tsx", "helper.ts", "lower.tsx", "Other.ts"]) await Deno.writeTextFile(join(dir, f), "");
    await Deno.mkdir(join(dir, "Sub.tsx"));
    assert.deepEqual(await discoverIslands(dir), { Uploader: join(dir, "Uploader.tsx") });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("isHashedAsset - only content-hashed names", () => {
  assert.ok(isHashedAsset("/static/build/runtime-AB12CD34.js"));
  assert.ok(!isHashedAsset("/static/app.css"));
  assert.ok(!isHashedAsset("/static/build/manifest.json"));
});
