/**
 * Test-only fixtures for the player and the map files API: a song with real uploaded audio (the deterministic
 * drum synthesizer) and a stored .bsm whose notes are the synthesizer's ground-truth hits.
 */
import type { BsmMap } from "../../../inference/src/contracts/bsm.ts";
import { renderDrumPattern } from "../../../inference/src/testing/synth.ts";
import { findOrCreateUnverifiedMap } from "../../db/maps.ts";
import { type Harness, putObject } from "../../lib/test_harness.ts";

/** A song seeded by {@link seedSongWithMap}. */
export interface SeededSong {
  songId: string;
  uploadKey: string;
  mapKey: string;
  map: BsmMap;
  wav: Uint8Array;
}

/** Options of {@link seedSongWithMap}. */
export interface SeedSongOptions {
  title?: string;
  artist?: string | null;
  /** [bpm] default 120 */
  bpm?: number;
  /** default 4 */
  bars?: number;
  /** Store a map (default true); without one the song stays private to its owner. */
  withMap?: boolean;
}

/** The .bsm of a synthesized pattern: its hits, beats and downbeats. */
export function synthMap(bpm: number, bars: number): { map: BsmMap; wav: Uint8Array } {
  const r = renderDrumPattern({ bpm, bars, seed: 7 });
  const map: BsmMap = {
    format: "bsm",
    version: 1,
    durationSec: r.durationSec,
    tempo: { bpm, beats: r.beats, downbeats: r.downbeats },
    timeSignature: [4, 4],
    notes: r.hits.map((h) => ({ time: h.time, lane: h.lane, velocity: Math.max(1, Math.round(h.gain * 127)) })),
  };
  return { map, wav: r.wav };
}

/** Inserts a ready song owned by `ownerId` with an uploaded WAV and (by default) a current map version. */
export async function seedSongWithMap(h: Harness, ownerId: string, opts: SeedSongOptions = {}): Promise<SeededSong> {
  const { map, wav } = synthMap(opts.bpm ?? 120, opts.bars ?? 4);
  const uploadKey = `uploads/${ownerId}/${crypto.randomUUID()}/groove.wav`;
  await putObject(h, uploadKey, wav);
  const { sql } = h.deps;
  const [upload] = await sql`insert into uploads (user_id, s3_key, filename, content_type, size_bytes, status)
    values (${ownerId}, ${uploadKey}, 'groove.wav', 'audio/wav', ${wav.length}, 'uploaded') returning id`;
  const [song] = await sql`insert into songs (owner_id, upload_id, title, artist, status, duration_sec)
    values (${ownerId}, ${upload.id}, ${opts.title ?? "Groove"}, ${opts.artist ?? null}, 'ready', ${map.durationSec})
    returning id`;
  const mapKey = `maps/unverified/${song.id}/${crypto.randomUUID()}.bsm`;
  if (opts.withMap === false) return { songId: song.id, uploadKey, mapKey, map, wav };
  await putObject(h, mapKey, new TextEncoder().encode(JSON.stringify(map)), "application/json");
  const drumMap = await findOrCreateUnverifiedMap(sql, song.id);
  const [version] = await sql`insert into map_versions (map_id, version, s3_key, note_count, bpm, duration_sec)
    values (${drumMap.id}, 1, ${mapKey}, ${map.notes.length}, ${map.tempo.bpm}, ${map.durationSec}) returning id`;
  await sql`update maps set current_version_id = ${version.id} where id = ${drumMap.id}`;
  return { songId: song.id, uploadKey, mapKey, map, wav };
}
