/**
 * A QStash-compatible dispatcher for development and tests: `@upstash/qstash`'s `Client` publishes to it and the
 * real `Receiver` verifies what it delivers. Messages live in memory only.
 *
 * Speaks: `POST /v2/publish/<destination-url>` (Bearer token; `Upstash-Retries`, `Upstash-Delay`,
 * `Upstash-Not-Before`, `Upstash-Deduplication-Id`, `Upstash-Content-Based-Deduplication`, `Upstash-Callback`,
 * `Upstash-Failure-Callback`, `Upstash-Forward-*`, `Upstash-Method`, `Content-Type`), `GET /v2/keys`,
 * `GET /v2/messages/<id>`. Deliveries carry `Upstash-Signature` (HS256 JWT), `Upstash-Message-Id`, `Upstash-Retried`.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import {
  DEFAULT_RETRIES,
  headerRecord,
  parseDelay,
  parseRetries,
  PublishError,
  retryAfterMs,
  signDelivery,
} from "./qstash_protocol.ts";

/** Options of {@link startQStashDispatcher}. */
export interface QStashDispatcherOptions {
  /** Port on 127.0.0.1; 0 picks a free port. Default 0. */
  port?: number;
  /** Token publishers send as `Authorization: Bearer <token>` (`QSTASH_TOKEN`). */
  token: string;
  /** Key that signs deliveries (`QSTASH_CURRENT_SIGNING_KEY`). */
  currentSigningKey: string;
  /** Reported by `GET /v2/keys` (`QSTASH_NEXT_SIGNING_KEY`). */
  nextSigningKey: string;
  /** First retry waits this long, doubling per retry [ms]. Default 1000. */
  retryBaseMs?: number;
  /** Longest wait between retries [ms]. Default 60000. */
  retryMaxMs?: number;
  /** How long a delivery may hold its request before it counts as failed [ms]. Default 30 min. */
  deliveryTimeoutMs?: number;
}

/** Counters since start. */
export interface QStashStats {
  published: number;
  deduplicated: number;
  /** Delivery attempts that got a 2xx. */
  delivered: number;
  /** Delivery attempts that failed (non-2xx, network error, timeout). */
  failedAttempts: number;
  /** Messages that exhausted their retries. */
  failed: number;
  callbacks: number;
  failureCallbacks: number;
  /** Messages not yet delivered or failed. */
  pending: number;
}

/** A running dispatcher. */
export interface QStashDispatcher {
  /** Base URL for `QSTASH_URL`. */
  url: string;
  /** Cancels pending deliveries and stops the server. */
  close(): Promise<void>;
  stats(): QStashStats;
}

type MessageState = "CREATED" | "ACTIVE" | "RETRY" | "DELIVERED" | "FAILED" | "CANCELLED";

interface Message {
  messageId: string;
  url: string;
  method: string;
  body: Uint8Array<ArrayBuffer>;
  /** Headers the destination receives (forwarded ones without their prefix, plus Content-Type). */
  headers: Record<string, string>;
  maxRetries: number;
  notBefore: number;
  createdAt: number;
  callback?: string;
  failureCallback?: string;
  state: MessageState;
  retried: number;
  /** Set for callback messages, which get no callbacks of their own. */
  isCallback: boolean;
}

/** What a delivery attempt saw, reported to callbacks. */
interface Outcome {
  status: number;
  header: Record<string, string[]>;
  body: Uint8Array;
  retryAfterMs?: number;
}

const DEDUP_WINDOW_MS = 10 * 60_000;

function destinationOf(req: Request): string {
  const url = new URL(req.url);
  const dest = url.pathname.slice("/v2/publish/".length) + url.search;
  if (!/^https?:\/\/[^/]/.test(dest)) throw new PublishError(`invalid destination "${dest}", must be an http(s) URL`);
  return dest;
}

function forwardedHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  req.headers.forEach((value, key) => {
    if (key.startsWith("upstash-forward-")) out[key.slice("upstash-forward-".length)] = value;
  });
  const contentType = req.headers.get("content-type");
  if (contentType) out["content-type"] = contentType;
  return out;
}

/** Builds a message from a publish request. */
async function readPublish(req: Request): Promise<Message> {
  const h = req.headers;
  const url = destinationOf(req);
  const notBeforeSec = Number(h.get("upstash-not-before") ?? 0) * 1000;
  const createdAt = Date.now();
  return {
    messageId: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
    url,
    method: (h.get("upstash-method") ?? "POST").toUpperCase(),
    body: new Uint8Array(await req.arrayBuffer()),
    headers: forwardedHeaders(req),
    maxRetries: parseRetries(h.get("upstash-retries")),
    notBefore: Math.max(createdAt + parseDelay(h.get("upstash-delay")), notBeforeSec),
    createdAt,
    callback: h.get("upstash-callback") ?? undefined,
    failureCallback: h.get("upstash-failure-callback") ?? undefined,
    state: "CREATED",
    retried: 0,
    isCallback: false,
  };
}

function dedupKey(req: Request, msg: Message): string | undefined {
  const id = req.headers.get("upstash-deduplication-id");
  if (id) return `id:${id}`;
  if (req.headers.get("upstash-content-based-deduplication") === "true") {
    return `content:${createHash("sha256").update(msg.url).update(msg.body).digest("hex")}`;
  }
  return undefined;
}

/** The dispatcher: message store, delivery loop, HTTP API. */
class Dispatcher {
  readonly messages = new Map<string, Message>();
  readonly #dedup = new Map<string, { messageId: string; at: number }>();
  readonly #abort = new AbortController();
  readonly #running = new Set<Promise<void>>();
  readonly counters = { published: 0, deduplicated: 0, delivered: 0, failedAttempts: 0, failed: 0 };
  readonly callbackCounts = { callbacks: 0, failureCallbacks: 0 };

  constructor(readonly opts: Required<Omit<QStashDispatcherOptions, "port">>) {}

  async publish(req: Request): Promise<Response> {
    const msg = await readPublish(req);
    const key = dedupKey(req, msg);
    const now = Date.now();
    for (const [k, v] of this.#dedup) if (now - v.at > DEDUP_WINDOW_MS) this.#dedup.delete(k);
    const seen = key ? this.#dedup.get(key) : undefined;
    if (seen) {
      this.counters.deduplicated++;
      return Response.json({ messageId: seen.messageId, url: msg.url, deduplicated: true }, { status: 201 });
    }
    if (key) this.#dedup.set(key, { messageId: msg.messageId, at: now });
    this.counters.published++;
    this.#enqueue(msg);
    return Response.json({ messageId: msg.messageId, url: msg.url }, { status: 201 });
  }

  #enqueue(msg: Message): void {
    this.messages.set(msg.messageId, msg);
    const run = this.#run(msg).catch((err) => console.error("qstash dispatcher: delivery crashed", err));
    this.#running.add(run);
    run.finally(() => this.#running.delete(run));
  }

  async #run(msg: Message): Promise<void> {
    if (!(await this.#sleep(msg.notBefore - Date.now()))) return;
    msg.state = "ACTIVE";
    let outcome: Outcome;
    for (;;) {
      outcome = await this.#attempt(msg);
      if (this.#abort.signal.aborted) return void (msg.state = "CANCELLED");
      if (outcome.status >= 200 && outcome.status < 300) {
        msg.state = "DELIVERED";
        this.counters.delivered++;
        if (msg.callback && !msg.isCallback) this.#sendCallback(msg, msg.callback, outcome, "callbacks");
        return;
      }
      this.counters.failedAttempts++;
      if (msg.retried >= msg.maxRetries) break;
      const wait = outcome.retryAfterMs ?? Math.min(this.opts.retryBaseMs * 2 ** msg.retried, this.opts.retryMaxMs);
      msg.state = "RETRY";
      msg.retried++;
      if (!(await this.#sleep(wait))) return void (msg.state = "CANCELLED");
    }
    msg.state = "FAILED";
    this.counters.failed++;
    if (msg.failureCallback && !msg.isCallback) {
      this.#sendCallback(msg, msg.failureCallback, outcome, "failureCallbacks");
    }
  }

  /** One delivery; never throws: network errors and timeouts become status 0 with the reason as body. */
  async #attempt(msg: Message): Promise<Outcome> {
    const controller = new AbortController();
    const onClose = () => controller.abort();
    this.#abort.signal.addEventListener("abort", onClose);
    const timer = setTimeout(() => controller.abort(), this.opts.deliveryTimeoutMs);
    let outcome: Outcome;
    try {
      const res = await fetch(msg.url, {
        method: msg.method,
        headers: { ...msg.headers, ...(await this.#upstashHeaders(msg)) },
        body: ["GET", "HEAD"].includes(msg.method) ? undefined : msg.body,
        signal: controller.signal,
      });
      const body = new Uint8Array(await res.arrayBuffer());
      const retryAfter = retryAfterMs(res.headers.get("retry-after"));
      outcome = { status: res.status, header: headerRecord(res.headers), body, retryAfterMs: retryAfter };
    } catch (err) {
      const reason = controller.signal.aborted ? "delivery timed out or was cancelled" : (err as Error).message;
      outcome = { status: 0, header: {}, body: new TextEncoder().encode(reason) };
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener("abort", onClose);
    }
    return outcome;
  }

  async #upstashHeaders(msg: Message): Promise<Record<string, string>> {
    return {
      "upstash-message-id": msg.messageId,
      "upstash-retried": String(msg.retried),
      "upstash-signature": await signDelivery(this.opts.currentSigningKey, msg.url, msg.body),
      "user-agent": "Upstash-QStash",
    };
  }

  /** Publishes the (failure) callback as its own message, with the payload QStash documents. */
  #sendCallback(source: Message, url: string, outcome: Outcome, kind: "callbacks" | "failureCallbacks"): void {
    this.callbackCounts[kind]++;
    const payload = {
      status: outcome.status,
      header: outcome.header,
      body: Buffer.from(outcome.body).toString("base64"),
      retried: source.retried,
      maxRetries: source.maxRetries,
      sourceMessageId: source.messageId,
      url: source.url,
      method: source.method,
      sourceHeader: Object.fromEntries(Object.entries(source.headers).map(([k, v]) => [k, [v]])),
      sourceBody: Buffer.from(source.body).toString("base64"),
      notBefore: String(source.notBefore),
      createdAt: String(source.createdAt),
      callerIP: "127.0.0.1",
      ...(kind === "failureCallbacks" ? { dlqId: source.messageId } : {}),
    };
    const now = Date.now();
    this.#enqueue({
      messageId: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
      url,
      method: "POST",
      body: new TextEncoder().encode(JSON.stringify(payload)),
      headers: { "content-type": "application/json" },
      maxRetries: DEFAULT_RETRIES,
      notBefore: now,
      createdAt: now,
      state: "CREATED",
      retried: 0,
      isCallback: true,
    });
  }

  /** Waits `ms`; false when the dispatcher closed meanwhile. */
  #sleep(ms: number): Promise<boolean> {
    if (this.#abort.signal.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#abort.signal.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      this.#abort.signal.addEventListener("abort", onAbort);
    });
  }

  pending(): number {
    return [...this.messages.values()].filter((m) => ["CREATED", "ACTIVE", "RETRY"].includes(m.state)).length;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.all([...this.#running]);
  }
}

function describe(msg: Message) {
  return {
    messageId: msg.messageId,
    url: msg.url,
    method: msg.method,
    state: msg.state,
    retried: msg.retried,
    maxRetries: msg.maxRetries,
    notBefore: msg.notBefore,
    createdAt: msg.createdAt,
    callback: msg.callback,
    failureCallback: msg.failureCallback,
  };
}

async function route(req: Request, d: Dispatcher): Promise<Response> {
  if (req.headers.get("authorization") !== `Bearer ${d.opts.token}`) {
    return Response.json({ error: "Unauthorized" }, { status: 401 });
  }
  const path = new URL(req.url).pathname;
  try {
    if (req.method === "POST" && path.startsWith("/v2/publish/")) return await d.publish(req);
    if (req.method === "GET" && path === "/v2/keys") {
      return Response.json({ current: d.opts.currentSigningKey, next: d.opts.nextSigningKey });
    }
    const found = /^\/v2\/messages\/([^/]+)$/.exec(path);
    if (req.method === "GET" && found) {
      const msg = d.messages.get(found[1]);
      return msg ? Response.json(describe(msg)) : Response.json({ error: "message not found" }, { status: 404 });
    }
    return Response.json({ error: `${req.method} ${path} is not supported by the local dispatcher` }, { status: 404 });
  } catch (err) {
    if (err instanceof PublishError) return Response.json({ error: err.message }, { status: 400 });
    throw err;
  }
}

/** Starts the dispatcher on 127.0.0.1. */
// deno-lint-ignore require-await -- async so a bad option or a busy port rejects instead of throwing
export async function startQStashDispatcher(options: QStashDispatcherOptions): Promise<QStashDispatcher> {
  for (const name of ["token", "currentSigningKey", "nextSigningKey"] as const) {
    if (!options[name]) throw new Error(`QStash dispatcher: ${name} is required`);
  }
  const d = new Dispatcher({
    token: options.token,
    currentSigningKey: options.currentSigningKey,
    nextSigningKey: options.nextSigningKey,
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 60_000,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 30 * 60_000,
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    (req) => route(req, d),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    stats: () => ({ ...d.counters, ...d.callbackCounts, pending: d.pending() }),
    async close() {
      await d.close();
      await server.shutdown();
    },
  };
}
