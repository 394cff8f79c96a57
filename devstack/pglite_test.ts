import assert from "node:assert/strict";
import postgres from "postgres";
import { startPglite } from "./pglite.ts";

Deno.test("pglite - postgres.js connects, uuid defaults, transactions, data persists across restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "pglite-test-" });
  try {
    let pg = await startPglite({ port: 0, dataDir });
    let sql = postgres(pg.url, { max: pg.maxConnections, onnotice: () => {} });
    await sql`create table songs (id uuid primary key default gen_random_uuid(), title text not null)`;
    const [row] = await sql`insert into songs (title) values ('One') returning id`;
    assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    await sql.begin(async (tx) => {
      await tx`insert into songs (title) values ('Two')`;
    });
    await assert.rejects(() =>
      sql.begin(async (tx) => {
        await tx`insert into songs (title) values ('Rolled back')`;
        throw new Error("abort");
      }), /abort/);
    await sql.end();
    await pg.close();

    pg = await startPglite({ port: 0, dataDir });
    sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    const titles = await sql`select title from songs order by title`;
    assert.deepEqual(titles.map((r) => r.title), ["One", "Two"]);
    await sql.end();
    await pg.close();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
