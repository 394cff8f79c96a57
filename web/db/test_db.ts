/**
 * Throwaway databases for tests: each call creates a uniquely named database on the real Postgres
 * (`TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/postgres), migrates it, and `drop()` removes it.
 * Every web test that touches the database uses this, so tests never share rows and can run side by side.
 */
import { randomBytes } from "node:crypto";
import process from "node:process";
import type { Sql } from "postgres";
import { createSql } from "./client.ts";
import { migrateUp } from "./migrate.ts";

/** Where test databases are created when `TEST_DATABASE_URL` is unset. */
export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** Apply all migrations (default true); false gives an empty database, for testing the runner itself. */
  migrate?: boolean;
  /** Pool size of the returned `sql` [connections]; default 4. */
  max?: number;
}

/** A fresh database: its URL (for code that opens its own pool), a pool on it, and its removal. */
export interface TestDatabase {
  url: string;
  /** Database name, `beatsight_test_<time>_<random>`. */
  name: string;
  sql: Sql;
  /** Closes `sql`, ends other sessions on the database and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Creates, and by default migrates, a fresh database. Throws with a readable message when the server is not
 * reachable. Call `drop()` in a `finally` (or `t.step` teardown) so failed tests leave nothing behind.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const baseUrl = process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
  const name = `beatsight_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await withAdmin(baseUrl, async (admin) => {
    // Identifiers cannot be parameters; `name` is built above from [a-z0-9_] only.
    await admin.unsafe(`create database "${name}"`);
  });
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const sql = createSql(url.href, { max: options.max ?? 4, idleTimeoutSec: 5, applicationName: "beatsight-test" });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await sql.end({ timeout: 5 });
    await withAdmin(baseUrl, (admin) => dropDatabase(admin, name));
  };
  if (options.migrate ?? true) {
    try {
      await migrateUp(sql);
    } catch (error) {
      await drop();
      throw error;
    }
  }
  return { url: url.href, name, sql, drop };
}

async function dropDatabase(admin: Sql, name: string): Promise<void> {
  // Code under test may have opened its own pools on the database; end them so the drop cannot block.
  await admin`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = ${name} and pid <> pg_backend_pid()`;
  // FORCE (Postgres 13+) also ends sessions that connected between the terminate and the drop.
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
}

async function withAdmin<T>(baseUrl: string, fn: (admin: Sql) => Promise<T>): Promise<T> {
  const admin = createSql(baseUrl, { max: 1, applicationName: "beatsight-test-admin" });
  try {
    return await fn(admin);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED") {
      throw new Error(`No Postgres at ${redact(baseUrl)}: start one or set TEST_DATABASE_URL.`, { cause: error });
    }
    throw error;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

function redact(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = "***";
  return url.href;
}
