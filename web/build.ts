/**
 * Builds the browser code: the client runtime and one ES module per island (web/islands/*.tsx), bundled with
 * esbuild (preact and @preact/signals included, shared code split into chunks), minified, content-hashed so
 * they can be cached forever (`/static/build/<name>-<hash>.js`).
 *
 * `deno run -A web/build.ts` builds once and prints the manifest.
 */
import * as esbuild from "esbuild";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { IslandAssets } from "./lib/islands.ts";

const WEB_DIR = dirname(fileURLToPath(import.meta.url));

/** Default folder of the island sources. */
export const ISLANDS_DIR = join(WEB_DIR, "islands");
/** Default output folder, served at {@link BUILD_URL_PREFIX}. */
export const BUILD_DIR = join(WEB_DIR, "static", "build");
/** URL prefix of the built files. */
export const BUILD_URL_PREFIX = "/static/build";
/** The client runtime entry. */
export const RUNTIME_ENTRY = join(ISLANDS_DIR, "runtime", "client.ts");

/** Options of {@link buildIslands}. */
export interface BuildIslandsOptions {
  /** Output folder (default `web/static/build`). Stale files from earlier builds are removed. */
  outDir?: string;
  /** URL prefix the output folder is served at (default `/static/build`). */
  urlPrefix?: string;
  /** Island name -> source file; default: every PascalCase `.tsx` file in `web/islands/`. */
  islands?: Record<string, string>;
  /** Minify (default true). */
  minify?: boolean;
}

/** An island name is its PascalCase file name, as in Fresh. */
const ISLAND_FILE = /^([A-Z][A-Za-z0-9]*)\.tsx$/;

/** Island name -> absolute source path for every `web/islands/<Name>.tsx`. */
export async function discoverIslands(dir = ISLANDS_DIR): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for await (const entry of Deno.readDir(dir)) {
    const m = entry.isFile ? ISLAND_FILE.exec(entry.name) : null;
    if (m) found[m[1]] = join(dir, entry.name);
  }
  return found;
}

/**
 * Bundles the runtime and the islands and writes `manifest.json` beside them.
 * @returns island name -> URL of its module, and the runtime URL.
 * @throws when esbuild reports an error (the message lists them).
 */
export async function buildIslands(options: BuildIslandsOptions = {}): Promise<IslandAssets> {
  const outDir = options.outDir ?? BUILD_DIR;
  const urlPrefix = (options.urlPrefix ?? BUILD_URL_PREFIX).replace(/\/$/, "");
  const islands = options.islands ?? await discoverIslands();
  if ("runtime" in islands) throw new Error(`"runtime" is reserved and cannot be an island name.`);
  await Deno.mkdir(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { runtime: RUNTIME_ENTRY, ...islands },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["es2020"],
    minify: options.minify ?? true,
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    metafile: true,
    logLevel: "silent",
    absWorkingDir: dirname(WEB_DIR),
  }).finally(() => esbuild.stop());

  const assets: IslandAssets = { manifest: {}, runtime: "" };
  const absWorkingDir = dirname(WEB_DIR);
  const keep = new Set<string>(["manifest.json"]);
  for (const [outPath, meta] of Object.entries(result.metafile.outputs)) {
    const file = basename(outPath);
    keep.add(file);
    if (!meta.entryPoint) continue;
    const url = `${urlPrefix}/${file}`;
    const name = entryName(resolve(absWorkingDir, meta.entryPoint), islands);
    if (name === "runtime") assets.runtime = url;
    else assets.manifest[name] = url;
  }
  await removeStale(outDir, keep);
  await Deno.writeTextFile(join(outDir, "manifest.json"), JSON.stringify(assets, null, 2) + "\n");
  return assets;
}

function entryName(entryPath: string, islands: Record<string, string>): string {
  if (entryPath === RUNTIME_ENTRY) return "runtime";
  for (const [name, src] of Object.entries(islands)) {
    if (resolve(src) === entryPath) return name;
  }
  throw new Error(`esbuild produced an output for an unknown entry ${entryPath}`);
}

async function removeStale(outDir: string, keep: Set<string>): Promise<void> {
  for await (const entry of Deno.readDir(outDir)) {
    if (entry.isFile && !keep.has(entry.name)) await Deno.remove(join(outDir, entry.name));
  }
}

/** True for a file name carrying an esbuild content hash (`name-ABCDEFGH.js`), safe to cache forever. */
export function isHashedAsset(path: string): boolean {
  return /-[A-Z0-9]{8}\.(js|css|map)$/.test(basename(path));
}

let built: Promise<IslandAssets> | null = null;

/**
 * The app's island assets, built once per process on first use (esbuild takes well under a second). A failed
 * build is not cached, so the next request tries again.
 */
export function islandAssets(): Promise<IslandAssets> {
  built ??= buildIslands().catch((err) => {
    built = null;
    throw err;
  });
  return built;
}

if (import.meta.main) {
  console.log(JSON.stringify(await buildIslands(), null, 2));
}
