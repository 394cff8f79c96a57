/**
 * Starts the local stand-ins the app needs, but only for what `env` does not already configure, and returns the
 * environment the web and inference processes run with (names from docs/CONTRACTS.md).
 *
 * DATABASE_URL set -> no PGlite; UPSTASH_REDIS_REST_URL -> no bridge (and no redis-server); QSTASH_URL -> no
 * dispatcher; S3_ENDPOINT -> no s3rver; CLAMD_HOST -> no clamd.
 */
import { join } from "node:path";
import { startClamd } from "./clamd.ts";
import { startOidcIssuer } from "./oidc_issuer.ts";
import { startPglite } from "./pglite.ts";
import { startQStashDispatcher } from "./qstash_dispatcher.ts";
import { S3RVER_CREDENTIALS, startS3 } from "./s3.ts";
import { startRedisBridge } from "./upstash_redis_bridge.ts";
import { startSmtpSink } from "./smtp_sink.ts";

/** Ports of the stand-ins; 0 picks a free port. Defaults are the documented dev ports. */
export interface DevstackPorts {
  /** Default 8079. */
  redisBridge?: number;
  /** Default 8080. */
  qstash?: number;
  /** Default 9000. */
  s3?: number;
  /** PGlite; default 5433. */
  postgres?: number;
  /** Default 3310. */
  clamd?: number;
  /** SMTP sink; default 2525. */
  smtp?: number;
  /** SMTP sink's inbox page and `/messages`; default 8025. */
  mailInbox?: number;
  /** OpenID Connect issuer; default 8090. */
  oidc?: number;
}

/** Options of {@link startDevstack}. */
export interface DevstackOptions {
  /** Where stand-ins keep data (`s3/`, `pglite/`, `clamd/`); PGlite and S3 data persist across runs. */
  dataDir: string;
  /** The environment to complete; whatever it configures is used instead of a stand-in. */
  env: Record<string, string | undefined>;
  ports?: DevstackPorts;
}

/** Running stand-ins. */
export interface Devstack {
  /** Service env: the configured values from `env` plus what the started stand-ins and generated secrets provide. */
  env: Record<string, string>;
  /** Stops every stand-in this call started (in reverse order). */
  stop(): Promise<void>;
}

/** Dev ports from docs/CONTRACTS.md. */
export const DEFAULT_PORTS: Required<DevstackPorts> = {
  redisBridge: 8079,
  qstash: 8080,
  s3: 9000,
  postgres: 5433,
  clamd: 3310,
  smtp: 2525,
  mailInbox: 8025,
  oidc: 8090,
};
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** A random URL-safe secret of `bytes` random bytes. */
function secret(prefix: string, bytes = 24): string {
  const raw = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));
  return prefix + raw.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** True when something at `redisUrl` answers a Redis PING (any reply counts: it may want AUTH). */
async function redisAnswers(redisUrl: string): Promise<boolean> {
  const url = new URL(redisUrl);
  try {
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port || 6379) });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const n = await conn.read(new Uint8Array(64));
      return n !== null && n > 0;
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** Spawns an in-memory redis-server on a free port and waits until it answers. */
async function spawnRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command("redis-server", {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await child.status;
  };
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(url))) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}; is the redis-server package installed?`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, stop };
}

function portOf(ports: DevstackPorts | undefined, name: keyof DevstackPorts): number {
  return ports?.[name] ?? DEFAULT_PORTS[name];
}

type Stopper = () => Promise<void>;

/** Redis: a bridge over REDIS_URL's server, or over a spawned one when that server does not answer. */
async function startRedis(o: DevstackOptions, out: Record<string, string>, stops: Stopper[]) {
  let redisUrl = o.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (!(await redisAnswers(redisUrl))) {
    const spawned = await spawnRedis();
    stops.push(spawned.stop);
    redisUrl = spawned.url;
  }
  const token = o.env.UPSTASH_REDIS_REST_TOKEN ?? secret("dev_redis_");
  const bridge = await startRedisBridge({ port: portOf(o.ports, "redisBridge"), redisUrl, token });
  stops.push(bridge.close);
  Object.assign(out, { REDIS_URL: redisUrl, UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: token });
}

async function startQStash(o: DevstackOptions, out: Record<string, string>, stops: Stopper[]) {
  const keys = {
    token: o.env.QSTASH_TOKEN ?? secret("dev_qstash_"),
    currentSigningKey: o.env.QSTASH_CURRENT_SIGNING_KEY ?? secret("sig_"),
    nextSigningKey: o.env.QSTASH_NEXT_SIGNING_KEY ?? secret("sig_"),
  };
  const q = await startQStashDispatcher({ port: portOf(o.ports, "qstash"), ...keys });
  stops.push(q.close);
  Object.assign(out, {
    QSTASH_URL: q.url,
    QSTASH_TOKEN: keys.token,
    QSTASH_CURRENT_SIGNING_KEY: keys.currentSigningKey,
    QSTASH_NEXT_SIGNING_KEY: keys.nextSigningKey,
  });
}

async function startLocalS3(o: DevstackOptions, out: Record<string, string>, stops: Stopper[]) {
  const bucket = o.env.S3_BUCKET ?? "beatsight";
  const s3 = await startS3({ port: portOf(o.ports, "s3"), directory: join(o.dataDir, "s3"), bucket });
  stops.push(s3.close);
  Object.assign(out, {
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: "us-east-1",
    S3_BUCKET: bucket,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  });
}

async function startPostgres(o: DevstackOptions, out: Record<string, string>, stops: Stopper[]) {
  const pg = await startPglite({ port: portOf(o.ports, "postgres"), dataDir: join(o.dataDir, "pglite") });
  stops.push(pg.close);
  out.DATABASE_URL = pg.url;
  // PGlite serves one session at a time: clients must not open a bigger pool.
  out.DB_POOL_MAX = String(pg.maxConnections);
}

async function startLocalClamd(o: DevstackOptions, out: Record<string, string>, stops: Stopper[]) {
  const clamd = await startClamd({ port: portOf(o.ports, "clamd"), dataDir: join(o.dataDir, "clamd") });
  stops.push(clamd.close);
  Object.assign(out, { CLAMD_HOST: clamd.host, CLAMD_PORT: String(clamd.port) });
}

/** Mail: the SMTP sink; SMTP_URL for the web, MAIL_INBOX_URL for people and tests to read what was sent. */
async function startMail(o: DevstackOptions, out: Record<string, string>, stops: Stopper[]) {
  const sink = await startSmtpSink({ smtpPort: portOf(o.ports, "smtp"), httpPort: portOf(o.ports, "mailInbox") });
  stops.push(sink.close);
  Object.assign(out, { SMTP_URL: sink.smtpUrl, MAIL_INBOX_URL: sink.httpUrl });
}

/** "Sign in with BeatSight Dev ID": the local issuer shows a form asking for any email. */
async function startOidc(o: DevstackOptions, out: Record<string, string>, stops: Stopper[]) {
  const client = { clientId: "beatsight-dev", clientSecret: secret("oidc_"), redirectUris: [] };
  const issuer = await startOidcIssuer({
    port: portOf(o.ports, "oidc"),
    clients: [client],
    allowLoopbackRedirects: true,
  });
  stops.push(issuer.close);
  Object.assign(out, {
    OIDC_ISSUER: issuer.issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_SECRET: client.clientSecret,
    OIDC_NAME: "BeatSight Dev ID",
  });
}

/** The service settings passed through from `env` (other variables such as PATH are the caller's business). */
const SERVICE_ENV =
  /^(REDIS_URL|UPSTASH_REDIS_REST_(URL|TOKEN)|QSTASH_\w+|S3_\w+|AWS_\w+|DATABASE_URL|DB_POOL_MAX|CLAMD_\w+|CALLBACK_SIGNING_KEYS|SESSION_SECRET|SMTP_URL|MAIL_\w+|OIDC_\w+|ADMIN_EMAILS)$/;

/** Env names that, when set, mean "use the real service" for each stand-in. */
const STAND_INS = [
  ["UPSTASH_REDIS_REST_URL", startRedis],
  ["QSTASH_URL", startQStash],
  ["S3_ENDPOINT", startLocalS3],
  ["DATABASE_URL", startPostgres],
  ["CLAMD_HOST", startLocalClamd],
  ["SMTP_URL", startMail],
  ["OIDC_ISSUER", startOidc],
] as const;

/**
 * Starts the missing stand-ins. On failure, whatever already started is stopped before the error is rethrown.
 * @returns the completed env (configured values win; secrets are generated when absent) and `stop()`.
 */
export async function startDevstack(options: DevstackOptions): Promise<Devstack> {
  await Deno.mkdir(options.dataDir, { recursive: true });
  const given = Object.fromEntries(
    Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
  const out: Record<string, string> = {};
  const stops: Stopper[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    for (const [name, start] of STAND_INS) if (!given[name]) await start(options, out, stops);
  } catch (err) {
    await stop();
    throw err;
  }
  const generated = {
    CALLBACK_SIGNING_KEYS: `dev1:${secret("", 32)}`,
    SESSION_SECRET: secret("", 32),
    S3_REGION: "us-east-1",
    S3_BUCKET: "beatsight",
  };
  const configured = Object.fromEntries(Object.entries(given).filter(([k]) => SERVICE_ENV.test(k)));
  return { env: { ...generated, ...out, ...configured }, stop };
}
