/**
 * Embedded Postgres for development when no `DATABASE_URL` is set: PGlite (WASM Postgres, persisted in a data
 * directory) served over the Postgres wire protocol by `@electric-sql/pglite-socket`, so postgres.js connects to it
 * like to any server. PGlite is single-session: give clients a pool of `maxConnections` (1); LISTEN/NOTIFY across
 * connections and query cancellation are not supported.
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** Options of {@link startPglite}. */
export interface PgliteOptions {
  /** Port on 127.0.0.1; 0 picks a free port. Default 0. */
  port?: number;
  /** Where the database files live; reused on the next start. */
  dataDir: string;
}

/** A running PGlite socket server. */
export interface LocalPglite {
  /** For `DATABASE_URL`, e.g. `postgres://postgres@127.0.0.1:5433/postgres`. */
  url: string;
  /** Pool size clients must use: PGlite serves one session at a time. */
  maxConnections: 1;
  /** Stops the server and closes the database (flushing it to `dataDir`). */
  close(): Promise<void>;
}

/** Starts PGlite on `dataDir` and serves it on 127.0.0.1. */
export async function startPglite(options: PgliteOptions): Promise<LocalPglite> {
  await Deno.mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: options.port ?? 0, maxConnections: 1 });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw new Error(`PGlite: cannot listen on port ${options.port ?? 0} (${(err as Error).message})`);
  }
  // getServerConn() is "host:port" with the port the OS picked when we asked for 0.
  const port = Number(server.getServerConn().split(":").pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    maxConnections: 1,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
