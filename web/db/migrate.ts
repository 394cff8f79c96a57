/**
 * The schema migration runner: numbered plain-SQL files `migrations/NNNN_name.up.sql` + `NNNN_name.down.sql`,
 * recorded in `schema_migrations(version, name, checksum, applied_at)`.
 *
 * Safety rules: each migration runs in its own transaction; a session advisory lock serialises runners (two
 * machines releasing at once both call `migrateUp`, only one migrates, the other then finds nothing to do); and the
 * runner refuses to touch a database whose applied migrations no longer match the files (edited or deleted), since
 * the schema would then not be what the code in the repo describes.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sql } from "postgres";

/** The repo's `migrations/` folder. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** Advisory lock key taken by every runner (an arbitrary constant that only this runner uses). */
export const MIGRATION_LOCK_KEY = 7262021301;

const FILE_PATTERN = /^(\d{4,})_([a-z0-9_]+)\.(up|down)\.sql$/;

/** Base class of the runner's errors; `message` says what is wrong and what to do. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

/** An applied migration's up file differs from what was applied (someone edited a released migration). */
export class MigrationChecksumError extends MigrationError {
  override name = "MigrationChecksumError";
  constructor(readonly file: string, readonly applied: string, readonly current: string) {
    super(
      `Migration file ${file} was changed after it was applied (checksum ${applied.slice(0, 12)}... is now ` +
        `${current.slice(0, 12)}...). Applied migrations must not be edited: restore the file and add a new ` +
        `migration for the change.`,
    );
  }
}

/** An applied migration has no file any more. */
export class MigrationMissingError extends MigrationError {
  override name = "MigrationMissingError";
  constructor(readonly version: string, readonly file: string) {
    super(
      `Migration ${version} is applied to this database but its file ${file} is missing. Restore the file ` +
        `(or roll the database back with the code that still has it).`,
    );
  }
}

/** The migrations folder holds a badly named, unpaired or duplicate file. */
export class MigrationFileError extends MigrationError {
  override name = "MigrationFileError";
}

/** A migration's SQL failed; its transaction was rolled back. `cause` is the database error. */
export class MigrationFailedError extends MigrationError {
  override name = "MigrationFailedError";
  constructor(readonly file: string, cause: unknown) {
    super(`Migration ${file} failed and was rolled back: ${cause instanceof Error ? cause.message : cause}`, {
      cause,
    });
  }
}

/** One migration as found on disk. */
export interface MigrationFile {
  /** The number prefix, e.g. "0003"; migrations apply in ascending numeric order. */
  version: string;
  name: string;
  upPath: string;
  downPath: string;
  /** Hex sha256 of the up file's bytes. */
  checksum: string;
}

/** One row of {@link migrationStatus}. */
export interface MigrationStatus {
  version: string;
  name: string;
  applied: boolean;
  appliedAt: Date | null;
  /** False when the applied up file changed or is missing; true for pending migrations (nothing to compare). */
  checksumOk: boolean;
  /** True when the database has this migration but the folder does not. */
  fileMissing: boolean;
}

/** Options shared by the runner's functions. */
export interface MigrateOptions {
  /** The migrations folder; default {@link DEFAULT_MIGRATIONS_DIR}. */
  dir?: string;
}

/** Options of {@link migrateDown}. */
export interface MigrateDownOptions extends MigrateOptions {
  /** How many of the newest applied migrations to roll back; default 1. `Infinity` rolls back all. */
  steps?: number;
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
  applied_at: Date;
}

/** Reads and validates the migration files of `dir`, sorted by version. */
export async function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const byVersion = new Map<string, { name: string; up?: string; down?: string }>();
  for (const file of entries) {
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new MigrationFileError(`${join(dir, file)} is not named NNNN_name.up.sql or NNNN_name.down.sql.`);
    }
    const [, version, name, direction] = match;
    const entry = byVersion.get(version) ?? { name };
    if (entry.name !== name) {
      throw new MigrationFileError(`Two migrations share version ${version}: ${entry.name} and ${name} in ${dir}.`);
    }
    entry[direction as "up" | "down"] = join(dir, file);
    byVersion.set(version, entry);
  }
  const migrations: MigrationFile[] = [];
  for (const [version, { name, up, down }] of byVersion) {
    if (!up || !down) {
      const missing = `${version}_${name}.${up ? "down" : "up"}.sql`;
      throw new MigrationFileError(`Migration ${version}_${name} has no ${missing} in ${dir}.`);
    }
    migrations.push({ version, name, upPath: up, downPath: down, checksum: sha256Hex(await readFile(up)) });
  }
  return migrations.sort((a, b) => Number(a.version) - Number(b.version));
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Applies every pending migration in version order, each in its own transaction, under the advisory lock.
 * Returns the versions applied (empty when the database was up to date).
 * @throws MigrationChecksumError | MigrationMissingError before changing anything when the applied history no
 *   longer matches the files; MigrationFailedError when a migration's SQL fails (earlier ones stay applied).
 */
export async function migrateUp(sql: Sql, options: MigrateOptions = {}): Promise<string[]> {
  const files = await loadMigrations(options.dir);
  return await withMigrationLock(sql, async (conn) => {
    await ensureMigrationsTable(conn);
    const applied = await readApplied(conn);
    verifyApplied(files, applied, options.dir ?? DEFAULT_MIGRATIONS_DIR);
    const done: string[] = [];
    for (const file of files.filter((f) => !applied.has(f.version))) {
      await inTransaction(conn, file.upPath, async () => {
        await conn.unsafe(await readFile(file.upPath, "utf8"));
        await conn`insert into schema_migrations (version, name, checksum)
                   values (${file.version}, ${file.name}, ${file.checksum})`;
      });
      done.push(file.version);
    }
    return done;
  });
}

/**
 * Rolls back the newest `steps` applied migrations (default 1), newest first, each in its own transaction.
 * Returns the versions rolled back. Refuses (like {@link migrateUp}) when applied files changed or are missing.
 */
export async function migrateDown(sql: Sql, options: MigrateDownOptions = {}): Promise<string[]> {
  const steps = options.steps ?? 1;
  if (!(steps >= 1) || (Number.isFinite(steps) && !Number.isInteger(steps))) {
    throw new RangeError(`steps must be a positive integer (or Infinity), got ${steps}`);
  }
  const files = await loadMigrations(options.dir);
  return await withMigrationLock(sql, async (conn) => {
    await ensureMigrationsTable(conn);
    const applied = await readApplied(conn);
    verifyApplied(files, applied, options.dir ?? DEFAULT_MIGRATIONS_DIR);
    const newestFirst = files.filter((f) => applied.has(f.version)).reverse();
    const undone: string[] = [];
    for (const file of newestFirst.slice(0, Math.min(steps, newestFirst.length))) {
      await inTransaction(conn, file.downPath, async () => {
        await conn.unsafe(await readFile(file.downPath, "utf8"));
        await conn`delete from schema_migrations where version = ${file.version}`;
      });
      undone.push(file.version);
    }
    return undone;
  });
}

/**
 * Every migration on disk or in the database, in version order, with whether it is applied and whether its file
 * still matches. Read-only: works (all pending) on a database the runner never touched.
 */
export async function migrationStatus(sql: Sql, options: MigrateOptions = {}): Promise<MigrationStatus[]> {
  const files = await loadMigrations(options.dir);
  const [{ exists }] = await sql<[{ exists: boolean }]>`
    select to_regclass('schema_migrations') is not null as exists`;
  const applied = exists ? await readApplied(sql) : new Map<string, AppliedRow>();
  const rows: MigrationStatus[] = files.map((f) => {
    const row = applied.get(f.version);
    return {
      version: f.version,
      name: f.name,
      applied: row !== undefined,
      appliedAt: row?.applied_at ?? null,
      checksumOk: row === undefined || row.checksum === f.checksum,
      fileMissing: false,
    };
  });
  const known = new Set(files.map((f) => f.version));
  for (const row of applied.values()) {
    if (known.has(row.version)) continue;
    rows.push({
      version: row.version,
      name: row.name,
      applied: true,
      appliedAt: row.applied_at,
      checksumOk: false,
      fileMissing: true,
    });
  }
  return rows.sort((a, b) => Number(a.version) - Number(b.version));
}

/**
 * Runs `fn` on one reserved connection holding the session advisory lock. A reserved connection is needed
 * because the lock belongs to a session and the per-migration BEGIN/COMMIT must run on that same session.
 */
async function withMigrationLock<T>(sql: Sql, fn: (conn: Sql) => Promise<T>): Promise<T> {
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      return await fn(conn);
    } finally {
      // A dead session frees its lock anyway, and the error that got us here matters more.
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
    }
  } finally {
    conn.release();
  }
}

async function inTransaction(conn: Sql, file: string, fn: () => Promise<void>): Promise<void> {
  await conn`begin`;
  try {
    await fn();
    await conn`commit`;
  } catch (error) {
    await conn`rollback`.catch(() => {/* the original error matters more than a failed rollback */});
    throw new MigrationFailedError(file, error);
  }
}

async function ensureMigrationsTable(conn: Sql): Promise<void> {
  await conn`create table if not exists schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`;
}

async function readApplied(sql: Sql): Promise<Map<string, AppliedRow>> {
  const rows = await sql<AppliedRow[]>`select version, name, checksum, applied_at from schema_migrations`;
  return new Map(rows.map((r) => [r.version, r]));
}

function verifyApplied(files: MigrationFile[], applied: Map<string, AppliedRow>, dir: string): void {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of [...applied.values()].sort((a, b) => Number(a.version) - Number(b.version))) {
    const file = byVersion.get(row.version);
    if (!file) throw new MigrationMissingError(row.version, join(dir, `${row.version}_${row.name}.up.sql`));
    if (file.checksum !== row.checksum) throw new MigrationChecksumError(file.upPath, row.checksum, file.checksum);
  }
}
