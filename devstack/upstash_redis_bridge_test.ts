import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";
import { startRedisBridge } from "./upstash_redis_bridge.ts";

const REDIS_URL = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const TOKEN = "bridge-test-token";

/** Runs `fn` against a fresh bridge with a unique key prefix, deleting the prefix's keys afterwards. */
async function withBridge(fn: (redis: Redis, prefix: string, url: string) => Promise<void>) {
  const bridge = await startRedisBridge({ port: 0, redisUrl: `${REDIS_URL}/11`, token: TOKEN });
  const prefix = `bridgetest:${crypto.randomUUID()}:`;
  const redis = new Redis({ url: bridge.url, token: TOKEN, retry: false, enableTelemetry: false });
  try {
    await fn(redis, prefix, bridge.url);
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await bridge.close();
  }
}

Deno.test("redis bridge - set/get/incr/expire/hset/hgetall with base64 encoding", async () => {
  await withBridge(async (redis, p) => {
    assert.equal(await redis.set(`${p}s`, "héllo wörld"), "OK");
    assert.equal(await redis.get(`${p}s`), "héllo wörld");
    assert.equal(await redis.get(`${p}missing`), null);
    assert.equal(await redis.incr(`${p}n`), 1);
    assert.equal(await redis.incrby(`${p}n`, 41), 42);
    assert.equal(await redis.expire(`${p}n`, 100), 1);
    const ttl = await redis.ttl(`${p}n`);
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.equal(await redis.hset(`${p}h`, { a: "1", b: "two" }), 2);
    assert.deepEqual(await redis.hgetall(`${p}h`), { a: 1, b: "two" });
    assert.equal(await redis.set(`${p}nx`, "x", { nx: true, ex: 60 }), "OK");
    assert.equal(await redis.set(`${p}nx`, "y", { nx: true, ex: 60 }), null);
  });
});

Deno.test("redis bridge - JSON values round-trip", async () => {
  await withBridge(async (redis, p) => {
    const value = { jobId: "j1", nested: { list: [1, 2, 3], ok: true }, text: 'a"b' };
    await redis.set(`${p}json`, value);
    assert.deepEqual(await redis.get(`${p}json`), value);
  });
});

Deno.test("redis bridge - pipeline and multi-exec", async () => {
  await withBridge(async (redis, p) => {
    const pipe = redis.pipeline();
    pipe.set(`${p}a`, "1");
    pipe.incr(`${p}a`);
    pipe.get(`${p}a`);
    pipe.lpush(`${p}l`, "x", "y");
    pipe.lrange(`${p}l`, 0, -1);
    assert.deepEqual(await pipe.exec(), ["OK", 2, 2, 2, ["y", "x"]]);
    const tx = redis.multi();
    tx.set(`${p}b`, "v");
    tx.get(`${p}b`);
    tx.del(`${p}b`);
    assert.deepEqual(await tx.exec(), ["OK", "v", 1]);
  });
});

Deno.test("redis bridge - eval and evalsha", async () => {
  await withBridge(async (redis, p) => {
    const script = "redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), 7}";
    assert.deepEqual(await redis.eval(script, [`${p}e`], ["val"]), ["val", 7]);
    const sha = await redis.scriptLoad(script);
    assert.deepEqual(await redis.evalsha(sha, [`${p}e`], ["again"]), ["again", 7]);
  });
});

Deno.test("redis bridge - @upstash/ratelimit slidingWindow limits through the bridge", async () => {
  await withBridge(async (redis, p) => {
    const limiter = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(3, "10 s"), prefix: `${p}rl` });
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await limiter.limit("user-1")).success);
    assert.deepEqual(results, [true, true, true, false, false]);
    assert.equal((await limiter.limit("user-2")).success, true);
  });
});

Deno.test("redis bridge - wrong token is 401 and unknown command surfaces the Redis error", async () => {
  await withBridge(async (redis, _p, url) => {
    const res = await fetch(url, { method: "POST", headers: { authorization: "Bearer nope" }, body: '["PING"]' });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "Unauthorized" });
    const bad = new Redis({ url, token: "nope", retry: false, enableTelemetry: false });
    await assert.rejects(() => bad.get("x"), /Unauthorized/);
    await assert.rejects(() => redis.exec(["NOSUCHCOMMAND", "x"]), /unknown command/i);
    const raw = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: "{}" });
    assert.equal(raw.status, 400);
    assert.match((await raw.json()).error, /non-empty JSON array/);
  });
});

Deno.test("redis bridge - raw protocol: base64 only when asked, numbers and null untouched", async () => {
  await withBridge(async (_redis, p, url) => {
    const call = async (body: unknown, base64: boolean) => {
      const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
      if (base64) headers["Upstash-Encoding"] = "base64";
      const res = await fetch(`${url}/pipeline`, { method: "POST", headers, body: JSON.stringify(body) });
      return await res.json();
    };
    const cmds = [["SET", `${p}k`, "hi"], ["GET", `${p}k`], ["INCR", `${p}c`], ["GET", `${p}none`], ["LPUSH"]];
    const plain = await call(cmds, false);
    assert.deepEqual(plain.slice(0, 4), [{ result: "OK" }, { result: "hi" }, { result: 1 }, { result: null }]);
    assert.match(plain[4].error, /wrong number of arguments/);
    const encoded = await call([["SET", `${p}k`, "hi"], ["GET", `${p}k`], ["INCR", `${p}c`]], true);
    assert.deepEqual(encoded, [{ result: btoa("OK") }, { result: btoa("hi") }, { result: 2 }]);
  });
});
