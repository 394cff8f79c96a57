import assert from "node:assert/strict";
import { createSql } from "./client.ts";
import { createTestDatabase, DEFAULT_TEST_DATABASE_URL } from "./test_db.ts";

async function databaseExists(name: string): Promise<boolean> {
  const admin = createSql(Deno.env.get("TEST_DATABASE_URL") || DEFAULT_TEST_DATABASE_URL, { max: 1 });
  try {
    return (await admin`select 1 from pg_database where datname = ${name}`).length === 1;
  } finally {
    await admin.end();
  }
}

Deno.test("createTestDatabase - fresh migrated database, dropped even with other sessions open", async () => {
  const a = await createTestDatabase();
  const b = await createTestDatabase({ migrate: false });
  assert.notEqual(a.name, b.name);
  assert.ok(a.url.endsWith(`/${a.name}`));
  const [{ n }] = await a.sql`select count(*)::int as n from schema_migrations`;
  assert.ok(n > 0);
  assert.equal((await b.sql`select to_regclass('schema_migrations') as t`)[0].t, null);
  // A pool the code under test opened and forgot to close must not block the drop.
  const leaked = createSql(a.url, { max: 1 });
  await leaked`select 1`;
  await a.drop();
  await a.drop();
  await b.drop();
  assert.equal(await databaseExists(a.name), false);
  assert.equal(await databaseExists(b.name), false);
  await leaked.end().catch(() => {});
});
