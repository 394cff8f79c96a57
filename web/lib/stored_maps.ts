/**
 * Reading stored .bsm documents. A map version's S3 key names the job that wrote it and is never overwritten, so a
 * parsed, validated document is cached per key (LRU) and every page, download and API read after the first skips
 * S3, JSON parsing and validation.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { type BsmMap, bsmSchema } from "../../inference/src/contracts/bsm.ts";
import { findSongCurrentMap } from "../db/maps.ts";
import type { Db } from "../db/db_types.ts";
import type { Song } from "../db/songs.ts";
import { getJson } from "./storage.ts";

/** Documents kept by default; a 4-minute map is ~100-300 kB parsed. */
export const DEFAULT_MAP_CACHE_ENTRIES = 128;

/** Parsed .bsm documents by S3 key, least recently used evicted first. One per web process (AppDeps). */
export class StoredMapCache {
  readonly #entries = new Map<string, BsmMap>();
  constructor(readonly maxEntries = DEFAULT_MAP_CACHE_ENTRIES) {}

  /** The validated document at `key`; null when it is missing or damaged (not JSON, or not a .bsm). */
  async load(s3: S3Client, bucket: string, key: string): Promise<BsmMap | null> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key); // re-insert: Map order is the recency order
      this.#entries.set(key, hit);
      return hit;
    }
    const stored = await getJson(s3, bucket, key).catch((error) => {
      if (error instanceof SyntaxError) return null; // damaged like a schema failure; S3 outages still throw
      throw error;
    });
    const parsed = bsmSchema.safeParse(stored);
    if (!parsed.success) return null;
    this.#entries.set(key, parsed.data);
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return parsed.data;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** What the stored-map readers need from AppDeps. */
export interface StoredMapDeps {
  sql: Db;
  s3: S3Client;
  config: { s3Bucket: string };
  maps: StoredMapCache;
}

/** The song's current map version and its document (null document: the stored file is missing or damaged). */
export async function loadCurrentMap(deps: StoredMapDeps, song: Pick<Song, "id" | "canonicalMapId">) {
  const current = await findSongCurrentMap(deps.sql, song.id, song.canonicalMapId);
  if (!current) return null;
  const document = await deps.maps.load(deps.s3, deps.config.s3Bucket, current.version.s3Key);
  return { ...current, document };
}
