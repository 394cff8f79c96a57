/** The runner against the local PGlite stand-in (one session, served over the wire protocol by devstack). */
import assert from "node:assert/strict";
import { startPglite } from "../../devstack/pglite.ts";
import { createSql } from "./client.ts";
import { loadMigrations, migrateDown, migrateUp, migrationStatus } from "./migrate.ts";

Deno.test("migrate - up, no-op, status and full rollback on PGlite with a pool of one", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "beatsight-pglite-" });
  const pglite = await startPglite({ dataDir });
  const sql = createSql(pglite.url, { max: pglite.maxConnections });
  try {
    const versions = (await loadMigrations()).map((f) => f.version);
    assert.deepEqual(await migrateUp(sql), versions);
    assert.deepEqual(await migrateUp(sql), []);
    assert.ok((await migrationStatus(sql)).every((s) => s.applied && s.checksumOk));
    const [user] = await sql`insert into users (email) values ('a@b.c') returning id, role`;
    assert.equal(user.role, "user");
    await sql`delete from users`;
    assert.deepEqual(await migrateDown(sql, { steps: Infinity }), [...versions].reverse());
    const tables = await sql`select table_name from information_schema.tables where table_schema = 'public'`;
    assert.deepEqual(tables.map((t) => t.table_name), ["schema_migrations"]);
  } finally {
    await sql.end();
    await pglite.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
