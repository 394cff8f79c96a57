import assert from "node:assert/strict";
import { createSql, DEFAULT_POOL_MAX, parseDatabaseUrl } from "./client.ts";
import { createTestDatabase } from "./test_db.ts";

Deno.test("createSql - rejects URLs that are not postgres URLs, without echoing secrets", () => {
  assert.throws(() => createSql("not a url"), /DATABASE_URL is not a URL/);
  assert.throws(() => createSql("mysql://u:hunter2@h/db"), (e: Error) => !e.message.includes("hunter2"));
  assert.throws(() => createSql("postgres://u@h/db", { max: 0 }), /max must be a positive integer/);
  assert.equal(parseDatabaseUrl("postgresql://u@h:5432/db").hostname, "h");
});

Deno.test("createSql - pool size from the caller, jsonb round trip, notices silenced", async () => {
  const db = await createTestDatabase({ migrate: false });
  const sql = createSql(db.url, { max: 2 });
  try {
    assert.equal(sql.options.max, 2);
    assert.equal(createSql(db.url).options.max, DEFAULT_POOL_MAX);
    await sql`create table t (doc jsonb not null, n bigint not null)`;
    await sql`insert into t values (${
      sql.json({ decode: "jobs/1/decode.f32", nested: { ok: true } })
    }, 9007199254740993)`;
    const [row] = await sql`select doc, n from t`;
    assert.deepEqual(row.doc, { decode: "jobs/1/decode.f32", nested: { ok: true } });
    assert.equal(row.n, "9007199254740993", "bigint stays exact, as a string");
    // Would print a NOTICE ("already exists, skipping") on stdout without the onnotice handler.
    const logged: unknown[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => logged.push(args);
    try {
      await sql`create table if not exists t (doc jsonb)`;
    } finally {
      console.log = original;
    }
    assert.deepEqual(logged, []);
  } finally {
    await sql.end();
    await db.drop();
  }
});
