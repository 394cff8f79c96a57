/**
 * The app's Postgres client: one postgres.js pool per process. Production points `DATABASE_URL` at a real
 * Postgres; locally the URL may be the PGlite stand-in, which serves a single connection, so the caller passes
 * `max: 1` there (devstack's `startPglite` reports `maxConnections`).
 */
import postgres, { type Sql } from "postgres";

/** Default pool size for a real Postgres [connections]. */
export const DEFAULT_POOL_MAX = 10;

/** Options of {@link createSql}. */
export interface CreateSqlOptions {
  /** Pool size [connections]; default {@link DEFAULT_POOL_MAX}. Must be 1 for the PGlite stand-in. */
  max?: number;
  /**
   * Use named prepared statements (default true). Pass false behind a transaction-mode pooler (PgBouncer) or a
   * server that does not keep them between queries.
   */
  prepare?: boolean;
  /** Close connections idle this long [seconds]; default 30, so short-lived scripts and tests do not linger. */
  idleTimeoutSec?: number;
  /** Shown in `pg_stat_activity` to tell web, CLI and tests apart; default "beatsight". */
  applicationName?: string;
}

/**
 * Opens a pool for `databaseUrl` (postgres://user:pass@host:port/db). Connects lazily on the first query.
 *
 * Value mapping: json/jsonb columns come back parsed; pass a jsonb parameter as `sql.json(value)` (typed; a plain
 * object also works at run time since the server describes the parameter as jsonb, but `Sql`'s types reject it);
 * `bigint`/`bigserial` come back as strings (exact, and JSON-safe);
 * timestamptz as `Date`. Server notices (e.g. "already exists, skipping") are dropped: they are not errors and
 * would otherwise be printed on stdout, which is reserved for JSON log lines.
 * @throws TypeError when the URL is not a postgres URL or `max` is not a positive integer.
 */
export function createSql(databaseUrl: string, options: CreateSqlOptions = {}): Sql {
  const url = parseDatabaseUrl(databaseUrl);
  const max = options.max ?? DEFAULT_POOL_MAX;
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`max must be a positive integer, got ${max}`);
  return postgres(url.href, {
    max,
    prepare: options.prepare ?? true,
    idle_timeout: options.idleTimeoutSec ?? 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "beatsight" },
  });
}

/** Validates a database URL, naming the problem without echoing the password. */
export function parseDatabaseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new TypeError("DATABASE_URL is not a URL: expected postgres://user:password@host:5432/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new TypeError(`DATABASE_URL must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  if (!url.hostname) throw new TypeError("DATABASE_URL has no host: expected postgres://user@host:5432/database");
  return url;
}
