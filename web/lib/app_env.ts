/**
 * The typed Hono environment shared by every web route, the API and the pages (hono:src/types.ts). Pages import
 * `AppEnv`/`AppDeps`/`SessionUser` from here: `new Hono<AppEnv>()`, `c.var.deps`, `c.var.user`.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Client, Receiver } from "@upstash/qstash";
import type { Redis } from "@upstash/redis";
import type { Sql } from "postgres";
import type { WebConfig } from "./config.ts";
import type { JobEventBus } from "./job_event_bus.ts";
import type { PageCache } from "./page_cache.ts";
import type { StoredMapCache } from "./stored_maps.ts";
import type { Logger } from "./log.ts";
import type { WebMetrics } from "./metrics.ts";

/** The signed-in user as the session token describes it. */
export interface SessionUser {
  id: string;
  displayName: string;
  role: string;
  isGuest: boolean;
  /** Roles held: a subset of fixer, verifier, curator, admin (web/middleware/scopes.ts enforces them). */
  scopes: string[];
  emailVerified: boolean;
  plan: "free" | "pro";
  /** The refresh-token family (row of `sessions`) of an account's cookie session; absent for guests and Bearer. */
  sessionId?: string;
}

/** Everything a handler needs from the outside world; built once in main.ts (or a test) and passed to createApp. */
export interface AppDeps {
  config: WebConfig;
  sql: Sql;
  redis: Redis;
  qstash: Client;
  receiver: Receiver;
  s3: S3Client;
  log: Logger;
  metrics: WebMetrics;
  /** Wakes SSE streams of a job when this process records one of its events. */
  jobEvents: JobEventBus;
  /** Parsed .bsm documents by S3 key (versions are immutable). */
  maps: StoredMapCache;
  /** Anonymous song/map pages, reused for `config.pageCacheTtlSec`. */
  pageCache: PageCache;
}

/** What middleware puts on the context. */
export interface AppVariables {
  deps: AppDeps;
  /** null when the request carries no valid session. */
  user: SessionUser | null;
  traceId: string;
  /** The CSRF token forms (`_csrf`) and cookie-authenticated API calls (`x-csrf-token`) must echo. */
  csrfToken: string;
}

/** The Hono env type: `new Hono<AppEnv>()`. */
export type AppEnv = { Variables: AppVariables };
