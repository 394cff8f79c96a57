/** Queries on `songs`. */
import type { Db } from "./db_types.ts";

export type SongStatus = "pending" | "fingerprinting" | "ready" | "failed";

/** A song row. */
export interface Song {
  id: string;
  ownerId: string;
  uploadId: string | null;
  title: string | null;
  artist: string | null;
  fingerprintHash: string | null;
  /** [bpm] */
  bpm: number | null;
  /** [seconds] */
  durationSec: number | null;
  canonicalMapId: string | null;
  status: SongStatus;
  createdAt: Date;
  updatedAt: Date;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
export function toSong(r: any): Song {
  return {
    id: r.id,
    ownerId: r.owner_id,
    uploadId: r.upload_id,
    title: r.title,
    artist: r.artist,
    fingerprintHash: r.fingerprint_hash,
    bpm: r.bpm,
    durationSec: r.duration_sec,
    canonicalMapId: r.canonical_map_id,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Fields of a new song. */
export interface NewSong {
  ownerId: string;
  uploadId: string;
  title: string;
  artist: string | null;
  status: SongStatus;
}

/** Inserts a song. */
export async function insertSong(db: Db, s: NewSong): Promise<Song> {
  const [row] = await db`
    insert into songs (owner_id, upload_id, title, artist, status)
    values (${s.ownerId}, ${s.uploadId}, ${s.title}, ${s.artist}, ${s.status})
    returning *`;
  return toSong(row);
}

/**
 * The song `id` if `viewerId` may read it: its owner always; anyone (also without a session) once it is in the
 * catalogue, i.e. it has a map. Songs without a map stay private to their uploader.
 */
export async function findReadableSong(db: Db, viewerId: string | null, id: string): Promise<Song | null> {
  const [row] = await db`
    select * from songs s where s.id = ${id} and (
      s.owner_id = ${viewerId} or s.canonical_map_id is not null
      or exists (select 1 from maps m where m.song_id = s.id and m.status <> 'archived'))`;
  return row ? toSong(row) : null;
}

/** The song `id` if `ownerId` owns it, else null. */
export async function findUserSong(db: Db, ownerId: string, id: string): Promise<Song | null> {
  const [row] = await db`select * from songs where id = ${id} and owner_id = ${ownerId}`;
  return row ? toSong(row) : null;
}

/** The song registered from `uploadId`, if any. */
export async function findSongByUpload(db: Db, uploadId: string): Promise<Song | null> {
  const [row] = await db`select * from songs where upload_id = ${uploadId}`;
  return row ? toSong(row) : null;
}

/** The S3 key of the song's uploaded audio, or null when the song has no upload. */
export async function findAudioKey(db: Db, songId: string): Promise<string | null> {
  const [row] = await db`select u.s3_key from songs s join uploads u on u.id = s.upload_id where s.id = ${songId}`;
  return row?.s3_key ?? null;
}

/** Sets a song's status. */
export async function setSongStatus(db: Db, id: string, status: SongStatus): Promise<void> {
  await db`update songs set status = ${status} where id = ${id}`;
}

/**
 * Records a fingerprint result: hash, duration [seconds], status ready, and links the verified map of any song
 * with the same hash as canonical (so the user gets an existing chart at once).
 */
export async function applyFingerprint(db: Db, id: string, hash: string, durationSec: number): Promise<Song> {
  const [row] = await db`
    update songs set fingerprint_hash = ${hash}, duration_sec = ${durationSec}, status = 'ready',
      canonical_map_id = coalesce((
        select m.id from maps m join songs s on s.id = m.song_id
        where s.fingerprint_hash = ${hash} and m.status = 'verified'
        order by m.created_at limit 1), canonical_map_id)
    where id = ${id} returning *`;
  return toSong(row);
}
