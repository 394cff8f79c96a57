/** Behaviour of the migrated schema: the constraints the callback handler and the watchdog rely on. */
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { createTestDatabase } from "../web/db/test_db.ts";

async function seed(sql: Sql) {
  const [user] = await sql`insert into users (email, display_name) values ('Drummer@Example.com', 'D') returning *`;
  const [song] = await sql`insert into songs (owner_id, title) values (${user.id}, 'Song') returning *`;
  const [job] = await sql`insert into ai_jobs (user_id, song_id, type, trace_id)
                          values (${user.id}, ${song.id}, 'generate_map', 't-1') returning *`;
  return { user, song, job };
}

Deno.test("schema - defaults and check constraints follow docs/CONTRACTS.md", async () => {
  const db = await createTestDatabase();
  try {
    const { user, song, job } = await seed(db.sql);
    assert.deepEqual([user.role, user.is_guest], ["user", true]);
    assert.equal(song.status, "pending");
    assert.deepEqual(
      [job.status, job.progress, job.attempts, job.max_attempts, job.priority, job.last_seq, job.last_attempt],
      ["queued", 0, 0, 3, 5, -1, 0],
    );
    assert.deepEqual([job.stage_outputs, job.stage_timings, job.result], [{}, {}, null]);
    await assert.rejects(db.sql`update ai_jobs set status = 'exploded' where id = ${job.id}`, /ai_jobs_status_check/);
    await assert.rejects(db.sql`update songs set status = 'lost' where id = ${song.id}`, /songs_status_check/);
    await assert.rejects(
      db.sql`insert into ai_jobs (user_id, song_id, type, trace_id) values (${user.id}, ${song.id}, 'x', 't')`,
      /ai_jobs_type_check/,
    );
    await assert.rejects(
      db.sql`insert into ai_jobs (user_id, song_id, type) values (${user.id}, ${song.id}, 'fingerprint')`,
      /trace_id/,
    );
    await assert.rejects(
      db.sql`insert into uploads (user_id, s3_key, status) values (${user.id}, 'k', 'maybe')`,
      /uploads_status_check/,
    );
    // Emails are unique whatever their case (citext-like).
    await assert.rejects(db.sql`insert into users (email) values ('drummer@example.COM')`, /users_email_lower_key/);
    await db.sql`insert into users (email) values (null), (null)`;
  } finally {
    await db.drop();
  }
});

Deno.test("schema - updated_at moves on update; job_events go with their job", async () => {
  const db = await createTestDatabase();
  try {
    const { job } = await seed(db.sql);
    await db.sql`insert into job_events (job_id, attempt, seq, event, stage, progress)
                 values (${job.id}, 1, 0, 'progress', 'decode', 0.1)`;
    // Compared in SQL: microsecond timestamps, where two statements always differ (JS Dates may not).
    const [updated] = await db.sql`update ai_jobs set status = 'running' where id = ${job.id}
                                   returning updated_at > created_at as moved`;
    assert.equal(updated.moved, true);
    await db.sql`delete from ai_jobs where id = ${job.id}`;
    const [{ n }] = await db.sql`select count(*)::int as n from job_events`;
    assert.equal(n, 0);
  } finally {
    await db.drop();
  }
});

Deno.test("schema - one map version per job; versions unique per map; deferred links close the cycles", async () => {
  const db = await createTestDatabase();
  try {
    const { song, job } = await seed(db.sql);
    const version = await db.sql.begin(async (tx) => {
      // Song -> map and map -> version are written before their targets exist; the FKs are checked at commit.
      const [map] = await tx`insert into maps (song_id, current_version_id) values (${song.id}, gen_random_uuid())
                             returning *`;
      await tx`update songs set canonical_map_id = ${map.id} where id = ${song.id}`;
      const [v] = await tx`insert into map_versions (map_id, job_id, version, s3_key)
                           values (${map.id}, ${job.id}, 1, 'maps/unverified/x.bsm') returning *`;
      await tx`update maps set current_version_id = ${v.id} where id = ${map.id}`;
      return v;
    });
    const again = await db.sql`insert into map_versions (map_id, job_id, version, s3_key)
      values (${version.map_id}, ${job.id}, 2, 'k2') on conflict (job_id) do nothing returning id`;
    assert.equal(again.length, 0);
    await assert.rejects(
      db.sql`insert into map_versions (map_id, version, s3_key) values (${version.map_id}, 1, 'k3')`,
      /map_versions_map_id_version_key/,
    );
    await assert.rejects(
      db.sql.begin((tx) => tx`update songs set canonical_map_id = gen_random_uuid() where id = ${song.id}`),
      /songs_canonical_map_id_fkey/,
    );
  } finally {
    await db.drop();
  }
});
