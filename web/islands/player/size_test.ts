/** The player island's weight: the built module plus every chunk it imports, gzip-compressed, under 60 kB. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildIslands } from "../../build.ts";

/** The island budget [bytes, gzip]. */
const BUDGET_GZ = 60 * 1024;

/** File names statically imported by an esbuild ESM output (`import{a as b}from"./chunk-X.js"`, `import"./x.js"`). */
function staticImports(code: string): string[] {
  return [...code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)].map((m) => m[1]);
}

Deno.test("Player island - built module and its chunks are under 60 kB gzip", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "bs-player-size-" });
  try {
    const assets = await buildIslands({ outDir });
    const entry = assets.manifest.Player?.split("/").pop();
    assert.ok(entry, "the build has a Player island");
    const seen = new Set<string>();
    const queue = [entry];
    let gz = 0;
    let raw = 0;
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const bytes = await Deno.readFile(join(outDir, file));
      raw += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
      queue.push(...staticImports(new TextDecoder().decode(bytes)));
    }
    assert.ok(seen.size >= 2, `the island shares preact through a chunk (files: ${[...seen].join(", ")})`);
    console.log(`Player island: ${seen.size} files, ${raw} bytes, ${gz} bytes gzip`);
    assert.ok(gz < BUDGET_GZ, `Player island is ${gz} bytes gzip, budget ${BUDGET_GZ}`);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
