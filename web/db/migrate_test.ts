import assert from "node:assert/strict";
import { appendFile, copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSql } from "./client.ts";
import {
  DEFAULT_MIGRATIONS_DIR,
  loadMigrations,
  migrateDown,
  migrateUp,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationFileError,
  MigrationMissingError,
  migrationStatus,
} from "./migrate.ts";
import { createTestDatabase, type TestDatabase } from "./test_db.ts";

/** Tables the contract names; later issues add more, so the check is "at least these". */
const CONTRACT_TABLES = [
  "ai_jobs",
  "email_tokens",
  "identities",
  "job_events",
  "map_versions",
  "maps",
  "schema_migrations",
  "sessions",
  "songs",
  "uploads",
  "users",
];

/** The schema as pg_dump prints it (objects sorted by type and name, so equal schemas give equal text). */
async function dumpSchema(url: string): Promise<string> {
  const out = await new Deno.Command("pg_dump", { args: ["--schema-only", "--no-owner", "--no-privileges", url] })
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  // Drop the dump's own metadata: comments (versions, timestamps) and the per-dump \restrict nonce.
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => !l.startsWith("--") && !/^\\(un)?restrict /.test(l)).join("\n");
}

async function tableNames(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql<{ table_name: string }[]>`
    select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
  return rows.map((r) => r.table_name);
}

/** A temp copy of the repo's migrations (optionally only the first `count`), removed by the returned function. */
async function copyMigrations(count = Infinity): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "beatsight-migrations-"));
  const files = await loadMigrations();
  for (const f of files.slice(0, count)) {
    for (const path of [f.upPath, f.downPath]) await copyFile(path, join(dir, path.split("/").pop()!));
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function withDb(fn: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await createTestDatabase({ migrate: false });
  try {
    await fn(db);
  } finally {
    await db.drop();
  }
}

Deno.test("loadMigrations - the repo's migrations are paired, numbered and in order", async () => {
  const files = await loadMigrations();
  assert.ok(files.length >= 7);
  const versions = files.map((f) => Number(f.version));
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
  assert.equal(new Set(versions).size, versions.length);
  for (const f of files) assert.match(f.checksum, /^[0-9a-f]{64}$/);
  assert.equal(files.length * 2, (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((f) => f.endsWith(".sql")).length);
});

Deno.test("loadMigrations - an up file without its down file is refused", async () => {
  const { dir, cleanup } = await copyMigrations(2);
  try {
    await writeFile(join(dir, "0003_orphan.up.sql"), "select 1;");
    await assert.rejects(loadMigrations(dir), (e: Error) => {
      assert.ok(e instanceof MigrationFileError);
      assert.match(e.message, /0003_orphan\.down\.sql/);
      return true;
    });
    await writeFile(join(dir, "3_bad-name.up.sql"), "select 1;");
    await assert.rejects(loadMigrations(dir), /3_bad-name\.up\.sql is not named/);
  } finally {
    await cleanup();
  }
});

Deno.test("migrateUp - applies everything on a clean database, then a second run is a no-op", async () => {
  await withDb(async (db) => {
    const files = await loadMigrations();
    assert.deepEqual(await migrateUp(db.sql), files.map((f) => f.version));
    const tables = await tableNames(db);
    assert.deepEqual(CONTRACT_TABLES.filter((t) => !tables.includes(t)), [], "contract tables missing");
    const recorded = await db.sql`select version, checksum from schema_migrations order by version`;
    assert.deepEqual(recorded.map((r) => [r.version, r.checksum]), files.map((f) => [f.version, f.checksum]));
    const before = await dumpSchema(db.url);
    assert.deepEqual(await migrateUp(db.sql), []);
    assert.equal(await dumpSchema(db.url), before);
  });
});

Deno.test("migrateDown - each down undoes its up exactly; rolling back all and re-applying gives the same schema", async () => {
  const { dir, cleanup } = await copyMigrations(0);
  try {
    await withDb(async (db) => {
      await migrateUp(db.sql, { dir }); // only creates schema_migrations: the baseline
      const files = await loadMigrations();
      const afterUp = [await dumpSchema(db.url)];
      for (const f of files) {
        for (const path of [f.upPath, f.downPath]) await copyFile(path, join(dir, path.split("/").pop()!));
        assert.deepEqual(await migrateUp(db.sql, { dir }), [f.version]);
        afterUp.push(await dumpSchema(db.url));
      }
      for (let k = files.length; k > 0; k--) {
        assert.deepEqual(await migrateDown(db.sql, { dir }), [files[k - 1].version]);
        assert.equal(await dumpSchema(db.url), afterUp[k - 1], `down of ${files[k - 1].version} left a difference`);
      }
      assert.deepEqual(await tableNames(db), ["schema_migrations"]);
      assert.deepEqual(await migrateDown(db.sql, { dir }), [], "nothing left to roll back");
      await migrateUp(db.sql, { dir });
      assert.equal(await dumpSchema(db.url), afterUp[files.length]);
      const all = await migrateDown(db.sql, { dir, steps: Infinity });
      assert.deepEqual(all, files.map((f) => f.version).reverse());
    });
  } finally {
    await cleanup();
  }
});

Deno.test("migrateUp - refuses when an applied migration was edited or its file removed", async () => {
  const { dir, cleanup } = await copyMigrations();
  try {
    await withDb(async (db) => {
      await migrateUp(db.sql, { dir });
      const files = await loadMigrations(dir);
      const edited = files[1];
      await appendFile(edited.upPath, "\n-- a harmless-looking edit\n");
      for (const run of [() => migrateUp(db.sql, { dir }), () => migrateDown(db.sql, { dir })]) {
        await assert.rejects(run(), (e: Error) => {
          assert.ok(e instanceof MigrationChecksumError);
          assert.equal(e.name, "MigrationChecksumError");
          assert.ok(e.message.includes(edited.upPath), e.message);
          return true;
        });
      }
      const status = await migrationStatus(db.sql, { dir });
      assert.deepEqual(status.filter((s) => !s.checksumOk).map((s) => s.version), [edited.version]);
      assert.equal(await db.sql`select 1 from schema_migrations`.then((r) => r.length), files.length);

      await copyFile(join(DEFAULT_MIGRATIONS_DIR, edited.upPath.split("/").pop()!), edited.upPath);
      const last = files[files.length - 1];
      await rm(last.upPath);
      await rm(last.downPath);
      await assert.rejects(migrateUp(db.sql, { dir }), (e: Error) => {
        assert.ok(e instanceof MigrationMissingError);
        assert.match(e.message, new RegExp(`${last.version}_${last.name}\\.up\\.sql is missing`));
        return true;
      });
      const missing = (await migrationStatus(db.sql, { dir })).find((s) => s.version === last.version);
      assert.deepEqual(missing && [missing.applied, missing.fileMissing, missing.checksumOk], [true, true, false]);
    });
  } finally {
    await cleanup();
  }
});

Deno.test("migrateUp - a failing migration is rolled back and not recorded; earlier ones stay", async () => {
  const { dir, cleanup } = await copyMigrations(1);
  try {
    await writeFile(join(dir, "0002_broken.up.sql"), "create table half_done (id int);\nselect no_such_function();");
    await writeFile(join(dir, "0002_broken.down.sql"), "drop table half_done;");
    await withDb(async (db) => {
      await assert.rejects(migrateUp(db.sql, { dir }), (e: Error) => {
        assert.ok(e instanceof MigrationFailedError);
        assert.match(e.message, /0002_broken\.up\.sql failed and was rolled back: .*no_such_function/);
        return true;
      });
      assert.deepEqual(await tableNames(db), ["schema_migrations", "users"]);
      const versions = await db.sql`select version from schema_migrations`;
      assert.deepEqual(versions.map((r) => r.version), ["0001"]);
    });
  } finally {
    await cleanup();
  }
});

Deno.test("migrateUp - two processes starting at once apply each migration exactly once", async () => {
  await withDb(async (db) => {
    const a = createSql(db.url, { max: 2 });
    const b = createSql(db.url, { max: 2 });
    try {
      // allSettled: without the lock one runner fails while the other still runs, and ending a pool mid-run hangs.
      const settled = await Promise.allSettled([migrateUp(a), migrateUp(b)]);
      const [fromA, fromB] = settled.map((r) => {
        if (r.status === "rejected") throw r.reason;
        return r.value;
      });
      const files = await loadMigrations();
      assert.deepEqual([...fromA, ...fromB].sort(), files.map((f) => f.version));
      assert.ok(fromA.length === 0 || fromB.length === 0, "the lock makes one runner do all the work");
      const rows = await db.sql`select count(*)::int as n from schema_migrations`;
      assert.equal(rows[0].n, files.length);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});

Deno.test("migrationStatus - pending on a fresh database, applied with times after migrating", async () => {
  await withDb(async (db) => {
    const files = await loadMigrations();
    const fresh = await migrationStatus(db.sql);
    assert.deepEqual(
      fresh.map((s) => [s.version, s.name, s.applied, s.checksumOk]),
      files.map((f) => [
        f.version,
        f.name,
        false,
        true,
      ]),
    );
    assert.deepEqual(await tableNames(db), [], "status does not create anything");
    await migrateUp(db.sql);
    await migrateDown(db.sql, { steps: 2 });
    const status = await migrationStatus(db.sql);
    assert.deepEqual(status.map((s) => s.applied), files.map((_, i) => i < files.length - 2));
    for (const s of status.filter((s) => s.applied)) assert.ok(s.appliedAt instanceof Date);
    assert.ok(status.every((s) => s.checksumOk && !s.fileMissing));
  });
});

Deno.test("migrateDown - steps must be a positive integer", async () => {
  await withDb(async (db) => {
    await assert.rejects(migrateDown(db.sql, { steps: 0 }), RangeError);
    await assert.rejects(migrateDown(db.sql, { steps: 1.5 }), RangeError);
  });
});
