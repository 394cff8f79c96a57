/**
 * An Upstash-REST-compatible HTTP server in front of a real redis-server, so `@upstash/redis` (and
 * `@upstash/ratelimit` on top of it) run unchanged in development and tests.
 *
 * Speaks: `POST /` (one command as a JSON array), `POST /pipeline` and `POST /multi-exec` (a JSON array of
 * commands; the latter inside MULTI/EXEC), Bearer token auth, `{ result }` / `{ error }` bodies, and the
 * `Upstash-Encoding: base64` response encoding the client asks for by default.
 */
import { Redis as IORedis } from "ioredis";
import { createHash, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";

/** Options of {@link startRedisBridge}. */
export interface RedisBridgeOptions {
  /** Port to listen on (127.0.0.1); 0 picks a free port. Default 0. */
  port?: number;
  /** The redis-server behind the bridge, e.g. `redis://127.0.0.1:6379/0`. */
  redisUrl: string;
  /** The token clients must send as `Authorization: Bearer <token>`. */
  token: string;
}

/** A running bridge. */
export interface RedisBridge {
  /** Base URL for `UPSTASH_REDIS_REST_URL`, e.g. `http://127.0.0.1:8079`. */
  url: string;
  /** Stops the HTTP server and closes the Redis connection. */
  close(): Promise<void>;
}

type Arg = string | number | boolean;
type Command = Arg[];
type Reply = { result: unknown } | { error: string };

/** Raised for a request body that is not what Upstash accepts; becomes a 400 `{ error }`. */
class BadCommandError extends Error {}

function parseCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadCommandError('ERR a command must be a non-empty JSON array, e.g. ["GET","key"]');
  }
  for (const part of value) {
    if (!["string", "number", "boolean"].includes(typeof part)) {
      throw new BadCommandError(`ERR command arguments must be strings or numbers, got ${JSON.stringify(part)}`);
    }
  }
  return value as Command;
}

function parseCommandList(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadCommandError("ERR the body must be a non-empty JSON array of commands");
  }
  return value.map(parseCommand);
}

/**
 * Turns a raw ioredis reply into the JSON Upstash sends. Bulk and status replies arrive as Buffers (we use
 * `callBuffer` so binary values survive); with base64 encoding every one of them is base64, including "OK",
 * which the client decodes back to "OK" (it special-cases plain "OK" too, so both spellings work).
 */
function encodeReply(value: unknown, base64: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (Buffer.isBuffer(value)) return base64 ? value.toString("base64") : value.toString("utf8");
  if (typeof value === "string") return base64 ? Buffer.from(value, "utf8").toString("base64") : value;
  if (Array.isArray(value)) return value.map((v) => encodeReply(v, base64));
  if (value instanceof Error) return value.message;
  // ioredis turns HGETALL replies into objects even for callBuffer; Upstash sends the flat RESP array.
  if (typeof value === "object") return Object.entries(value).flat().map((v) => encodeReply(v, base64));
  return value;
}

function toReply(err: Error | null, value: unknown, base64: boolean): Reply {
  return err ? { error: err.message } : { result: encodeReply(value, base64) };
}

/** Shebang flags redis-server 7.0 knows; Upstash adds its own (`allow-key-locking`) that Redis rejects. */
const REDIS_SCRIPT_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/**
 * Rewrites commands so Upstash-only script flags do not fail on a real Redis. A script whose flags change gets a
 * different SHA in Redis, so we remember client SHA -> Redis SHA and translate EVALSHA (the client computes the
 * SHA of the original text, as @upstash/ratelimit does).
 */
class ScriptFlags {
  #shaMap = new Map<string, string>();

  rewrite(name: string, rest: string[]): string[] {
    const cmd = name.toUpperCase();
    if ((cmd === "EVAL" || cmd === "EVAL_RO") && rest.length > 0) return [this.#strip(rest[0]), ...rest.slice(1)];
    if (cmd === "SCRIPT" && rest[0]?.toUpperCase() === "LOAD" && rest[1]) return [rest[0], this.#strip(rest[1])];
    if ((cmd === "EVALSHA" || cmd === "EVALSHA_RO") && rest.length > 0) {
      return [this.#shaMap.get(rest[0].toLowerCase()) ?? rest[0], ...rest.slice(1)];
    }
    return rest;
  }

  /** SCRIPT LOAD must answer the SHA of the text the client sent, not of our rewrite. */
  loadedSha(name: string, rest: string[]): string | undefined {
    if (name.toUpperCase() === "SCRIPT" && rest[0]?.toUpperCase() === "LOAD" && rest[1]) return sha1(rest[1]);
    return undefined;
  }

  #strip(script: string): string {
    const match = /^#!lua flags=([^\n]*)/.exec(script);
    if (!match) return script;
    const flags = match[1].split(",").map((f) => f.trim()).filter((f) => REDIS_SCRIPT_FLAGS.has(f));
    const rewritten = `#!lua flags=${flags.join(",")}` + script.slice(match[0].length);
    if (rewritten !== script) this.#shaMap.set(sha1(script), sha1(rewritten));
    return rewritten;
  }
}

function args(command: Command, scripts: ScriptFlags): [string, string[]] {
  const [name, ...rest] = command.map(String);
  return [name, scripts.rewrite(name, rest)];
}

/** Runs commands in an ioredis pipeline (optionally inside MULTI/EXEC) and returns per-command replies. */
async function runBatch(ctx: BridgeContext, commands: Command[], transaction: boolean, base64: boolean) {
  const batch = transaction ? ctx.redis.multi() : ctx.redis.pipeline();
  const loaded: (string | undefined)[] = [];
  for (const command of commands) {
    const [name, rest] = args(command, ctx.scripts);
    loaded.push(ctx.scripts.loadedSha(name, command.slice(1).map(String)));
    batch.callBuffer(name, ...rest);
  }
  const results = await batch.exec();
  if (!results) throw new Error("EXECABORT Transaction discarded (a watched key changed)");
  return results.map(([err, value], i) => {
    // Inside EXEC a failing command comes back as an Error value rather than in the err slot.
    if (value instanceof Error) return toReply(value, null, base64);
    return toReply(err, err ? null : loaded[i] ?? value, base64);
  });
}

/** What one bridge instance shares across requests. */
interface BridgeContext {
  redis: IORedis;
  token: string;
  scripts: ScriptFlags;
}

async function runOne(ctx: BridgeContext, command: Command, base64: boolean): Promise<unknown> {
  const [name, rest] = args(command, ctx.scripts);
  const value = await ctx.redis.callBuffer(name, ...rest);
  return encodeReply(ctx.scripts.loadedSha(name, command.slice(1).map(String)) ?? value, base64);
}

function isAuthorized(header: string | null, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, "") ?? "");
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function handle(req: Request, ctx: BridgeContext): Promise<Response> {
  if (!isAuthorized(req.headers.get("authorization"), ctx.token)) {
    return Response.json({ error: "Unauthorized" }, { status: 401 });
  }
  if (req.method !== "POST") return Response.json({ error: "ERR only POST is supported" }, { status: 405 });
  const base64 = req.headers.get("upstash-encoding")?.toLowerCase() === "base64";
  const path = new URL(req.url).pathname.replace(/\/+$/, "") || "/";
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return Response.json({ error: "ERR the body is not valid JSON" }, { status: 400 });
  }
  try {
    if (path === "/") {
      return Response.json({ result: await runOne(ctx, parseCommand(body), base64) });
    }
    if (path === "/pipeline") return Response.json(await runBatch(ctx, parseCommandList(body), false, base64));
    if (path === "/multi-exec") return Response.json(await runBatch(ctx, parseCommandList(body), true, base64));
    return Response.json({ error: `ERR unknown endpoint ${path}` }, { status: 404 });
  } catch (err) {
    // Redis reply errors (unknown command, wrong type, NOSCRIPT, ...) are the caller's fault: 400 like Upstash.
    return Response.json({ error: (err as Error).message }, { status: 400 });
  }
}

async function connectRedis(redisUrl: string): Promise<IORedis> {
  const redis = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: false });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis bridge: cannot reach redis-server at ${redisUrl} (${(err as Error).message})`);
  }
  return redis;
}

/**
 * Starts the bridge on 127.0.0.1.
 * @throws when redis-server is unreachable or the token is empty.
 */
export async function startRedisBridge(options: RedisBridgeOptions): Promise<RedisBridge> {
  if (!options.token) throw new Error("Redis bridge: a non-empty token is required");
  const redis = await connectRedis(options.redisUrl);
  const ctx: BridgeContext = { redis, token: options.token, scripts: new ScriptFlags() };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    (req) => handle(req, ctx),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    async close() {
      await server.shutdown();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
