/** Queries on `saved_maps`: the maps a user keeps in their library. */
import type { Db } from "./db_types.ts";

/** A saved map with what the library shows about it. */
export interface SavedMap {
  mapId: string;
  songId: string;
  title: string | null;
  artist: string | null;
  status: "unverified" | "verified" | "archived";
  savedAt: Date;
}

/** Saves `mapId` for the user; saving twice keeps the first time. */
export async function saveMap(db: Db, userId: string, mapId: string): Promise<void> {
  await db`insert into saved_maps (user_id, map_id) values (${userId}, ${mapId}) on conflict do nothing`;
}

/** Removes `mapId` from the user's library; true when it was there. */
export async function unsaveMap(db: Db, userId: string, mapId: string): Promise<boolean> {
  const rows = await db`delete from saved_maps where user_id = ${userId} and map_id = ${mapId} returning map_id`;
  return rows.length > 0;
}

/** True when the user saved `mapId`. */
export async function isMapSaved(db: Db, userId: string, mapId: string): Promise<boolean> {
  const [row] = await db`select 1 from saved_maps where user_id = ${userId} and map_id = ${mapId}`;
  return Boolean(row);
}

/** The user's saved maps, newest first, at most `limit`. */
export async function listSavedMaps(db: Db, userId: string, limit: number): Promise<SavedMap[]> {
  const rows = await db`
    select sm.map_id, sm.created_at, m.song_id, m.status, s.title, s.artist
    from saved_maps sm join maps m on m.id = sm.map_id join songs s on s.id = m.song_id
    where sm.user_id = ${userId} order by sm.created_at desc, sm.map_id limit ${limit}`;
  return rows.map((r) => ({
    mapId: r.map_id,
    songId: r.song_id,
    title: r.title,
    artist: r.artist,
    status: r.status,
    savedAt: r.created_at,
  }));
}
