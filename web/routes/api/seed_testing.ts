/** Test-only seeding for the catalogue and library tests (not a test file itself, so it runs nothing). */
import { findOrCreateUnverifiedMap, insertJobVersion } from "../../db/maps.ts";
import { type Harness, seedReadySong } from "../../lib/test_harness.ts";

/** A ready song of `userId` titled `title` by `artist`, with a current map version (verified when asked). */
export async function seedMappedSong(h: Harness, userId: string, title: string, artist: string, verified = false) {
  const songId = await seedReadySong(h, userId);
  await h.deps.sql`update songs set title = ${title}, artist = ${artist} where id = ${songId}`;
  const [job] = await h.deps.sql`insert into ai_jobs (user_id, song_id, type, status, trace_id)
    values (${userId}, ${songId}, 'generate_map', 'succeeded', 't') returning id`;
  const map = await findOrCreateUnverifiedMap(h.deps.sql, songId);
  await insertJobVersion(h.deps.sql, {
    mapId: map.id,
    jobId: job.id,
    s3Key: `maps/unverified/${songId}/${job.id}.bsm`,
    noteCount: 3,
    bpm: 120,
    durationSec: 10,
    modelVersion: "m1",
  });
  if (verified) await h.deps.sql`update maps set status = 'verified' where id = ${map.id}`;
  return { songId, mapId: map.id, jobId: job.id as string };
}
