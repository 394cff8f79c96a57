/** Queries on `maps` and `map_versions`. */
import type { Db } from "./db_types.ts";

export type MapStatus = "unverified" | "verified" | "archived";

/** A `maps` row. */
export interface DrumMap {
  id: string;
  songId: string;
  status: MapStatus;
  currentVersionId: string | null;
  createdAt: Date;
}

/** A `map_versions` row. */
export interface MapVersion {
  id: string;
  mapId: string;
  jobId: string | null;
  version: number;
  s3Key: string;
  noteCount: number | null;
  /** [bpm] */
  bpm: number | null;
  /** [seconds] */
  durationSec: number | null;
  modelVersion: string | null;
  createdAt: Date;
  archivedAt: Date | null;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toMap(r: any): DrumMap {
  return {
    id: r.id,
    songId: r.song_id,
    status: r.status,
    currentVersionId: r.current_version_id,
    createdAt: r.created_at,
  };
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toVersion(r: any): MapVersion {
  return {
    id: r.id,
    mapId: r.map_id,
    jobId: r.job_id,
    version: r.version,
    s3Key: r.s3_key,
    noteCount: r.note_count,
    bpm: r.bpm,
    durationSec: r.duration_sec,
    modelVersion: r.model_version,
    createdAt: r.created_at,
    archivedAt: r.archived_at,
  };
}

/** The song's newest unverified map, creating one when it has none. */
export async function findOrCreateUnverifiedMap(db: Db, songId: string): Promise<DrumMap> {
  const [found] = await db`
    select * from maps where song_id = ${songId} and status = 'unverified' order by created_at desc limit 1`;
  if (found) return toMap(found);
  const [row] = await db`insert into maps (song_id) values (${songId}) returning *`;
  return toMap(row);
}

/** Fields of a version produced by an AI job. */
export interface NewJobVersion {
  mapId: string;
  jobId: string;
  s3Key: string;
  noteCount: number;
  bpm: number;
  durationSec: number;
  modelVersion: string;
}

/**
 * Adds version max+1 for the job and makes it current. Returns null when the job already has a version
 * (`job_id` is unique), so one job yields exactly one version however often its completion arrives.
 */
export async function insertJobVersion(db: Db, v: NewJobVersion): Promise<MapVersion | null> {
  const [row] = await db`
    insert into map_versions (map_id, job_id, version, s3_key, note_count, bpm, duration_sec, model_version)
    values (${v.mapId}, ${v.jobId},
      (select coalesce(max(version), 0) + 1 from map_versions where map_id = ${v.mapId}),
      ${v.s3Key}, ${v.noteCount}, ${v.bpm}, ${v.durationSec}, ${v.modelVersion})
    on conflict (job_id) do nothing returning *`;
  if (!row) return null;
  await db`update maps set current_version_id = ${row.id} where id = ${v.mapId}`;
  return toVersion(row);
}

/** The map `id`, or null. */
export async function findMap(db: Db, id: string): Promise<DrumMap | null> {
  const [row] = await db`select * from maps where id = ${id}`;
  return row ? toMap(row) : null;
}

/** All versions of a map, newest first. */
export async function listVersions(db: Db, mapId: string): Promise<MapVersion[]> {
  const rows = await db`select * from map_versions where map_id = ${mapId} order by version desc`;
  return rows.map(toVersion);
}

/** A map of the song with its current version: the canonical map if set, else the newest non-archived one. */
export async function findSongCurrentMap(
  db: Db,
  songId: string,
  canonicalMapId: string | null,
): Promise<{ map: DrumMap; version: MapVersion } | null> {
  const [row] = await db`
    select m.*, to_jsonb(v.*) as v from maps m join map_versions v on v.id = m.current_version_id
    where (m.id = ${canonicalMapId} or m.song_id = ${songId}) and m.status <> 'archived'
    order by (m.id = ${canonicalMapId}) desc nulls last, m.status = 'verified' desc, v.created_at desc limit 1`;
  if (!row) return null;
  return {
    map: toMap(row),
    version: toVersion({
      ...row.v,
      created_at: new Date(row.v.created_at),
      archived_at: row.v.archived_at ? new Date(row.v.archived_at) : null,
    }),
  };
}
