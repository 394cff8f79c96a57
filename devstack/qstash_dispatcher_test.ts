import assert from "node:assert/strict";
import { Client, Receiver } from "@upstash/qstash";
import { startQStashDispatcher } from "./qstash_dispatcher.ts";

const TOKEN = "qstash-test-token";
const CURRENT = "sig_current_test_key";
const NEXT = "sig_next_test_key";

interface Seen {
  path: string;
  url: string;
  body: string;
  headers: Headers;
  at: number;
}

/** A destination that records requests and answers with `statuses` in turn (the last one repeats). */
type Answer = number | [number, Record<string, string>];

/** A receiver answering each path's n-th request with `statuses[n]` (the last repeats); `byPath` overrides per path. */
function destination(statuses: Answer[] = [200], byPath: Record<string, Answer[]> = {}) {
  const seen: Seen[] = [];
  const waiters: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      path: url.pathname,
      url: `${base}${url.pathname}`,
      body: await req.text(),
      headers: req.headers,
      at: Date.now(),
    });
    waiters.splice(0).forEach((w) => w());
    const answers = byPath[url.pathname] ?? statuses;
    const next = answers[Math.min(seen.filter((s) => s.path === url.pathname).length - 1, answers.length - 1)];
    const [status, headers] = Array.isArray(next) ? next : [next, {}];
    return new Response(`answer ${status}`, { status, headers });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    seen,
    /** Resolves once `n` requests to `path` arrived (fails after 5 s). */
    async waitFor(path: string, n = 1): Promise<Seen[]> {
      const deadline = Date.now() + 5000;
      while (seen.filter((s) => s.path === path).length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} request(s) to ${path}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 100);
          waiters.push(() => (clearTimeout(t), resolve()));
        });
      }
      return seen.filter((s) => s.path === path);
    },
    close: () => server.shutdown(),
  };
}

async function withDispatcher(
  fn: (q: Awaited<ReturnType<typeof startQStashDispatcher>>, client: Client) => Promise<void>,
  keys = { current: CURRENT, next: NEXT },
) {
  const q = await startQStashDispatcher({
    port: 0,
    token: TOKEN,
    currentSigningKey: keys.current,
    nextSigningKey: keys.next,
    retryBaseMs: 30,
  });
  try {
    await fn(q, new Client({ baseUrl: q.url, token: TOKEN, retry: false }));
  } finally {
    await q.close();
  }
}

const receiver = new Receiver({ currentSigningKey: CURRENT, nextSigningKey: NEXT });

Deno.test("qstash dispatcher - signed delivery verifies, forwards headers, tampered body fails", async () => {
  const dest = destination();
  await withDispatcher(async (_q, client) => {
    const res = await client.publishJSON({
      url: `${dest.base}/v1/jobs?x=1`,
      body: { jobId: "j1" },
      headers: { "x-trace-id": "trace-7" },
    });
    const [got] = await dest.waitFor("/v1/jobs");
    assert.equal(got.body, JSON.stringify({ jobId: "j1" }));
    assert.equal(got.headers.get("x-trace-id"), "trace-7");
    assert.equal(got.headers.get("content-type"), "application/json");
    assert.equal(got.headers.get("upstash-message-id"), res.messageId);
    assert.equal(got.headers.get("upstash-retried"), "0");
    const signature = got.headers.get("upstash-signature")!;
    const url = `${dest.base}/v1/jobs?x=1`;
    assert.equal(await receiver.verify({ signature, body: got.body, url }), true);
    await assert.rejects(() => receiver.verify({ signature, body: got.body + " ", url }), /body hash/);
    await assert.rejects(() => receiver.verify({ signature, body: got.body, url: `${dest.base}/other` }), /subject/);
  });
  await dest.close();
});

Deno.test("qstash dispatcher - retries with backoff, then a signed failure callback", async () => {
  // The failure callback's receiver accepts it, so only the three /job attempts count as failed.
  const dest = destination([503], { "/failed": [200] });
  await withDispatcher(async (q, client) => {
    const failureUrl = `${dest.base}/failed`;
    const res = await client.publishJSON({
      url: `${dest.base}/job`,
      body: { a: 1 },
      retries: 2,
      failureCallback: failureUrl,
    });
    const [callback] = await dest.waitFor("/failed");
    const attempts = dest.seen.filter((s) => s.path === "/job");
    assert.deepEqual(attempts.map((a) => a.headers.get("upstash-retried")), ["0", "1", "2"]);
    assert.ok(attempts[1].at - attempts[0].at >= 25, "first backoff ~30 ms");
    assert.ok(attempts[2].at - attempts[1].at >= 55, "second backoff ~60 ms");
    const signature = callback.headers.get("upstash-signature")!;
    assert.equal(await receiver.verify({ signature, body: callback.body, url: failureUrl }), true);
    const payload = JSON.parse(callback.body);
    assert.equal(payload.status, 503);
    assert.equal(atob(payload.body), "answer 503");
    assert.equal(payload.retried, 2);
    assert.equal(payload.maxRetries, 2);
    assert.equal(payload.sourceMessageId, res.messageId);
    assert.equal(payload.url, `${dest.base}/job`);
    assert.equal(atob(payload.sourceBody), '{"a":1}');
    assert.deepEqual(payload.sourceHeader["content-type"], ["application/json"]);
    assert.equal(q.stats().failed, 1);
    assert.equal(q.stats().failedAttempts, 3);
  });
  await dest.close();
});

Deno.test("qstash dispatcher - Retry-After is honoured and success callback fires", async () => {
  const dest = destination([[429, { "retry-after": "0" }], 200]);
  const q = await startQStashDispatcher({
    token: TOKEN,
    currentSigningKey: CURRENT,
    nextSigningKey: NEXT,
    retryBaseMs: 60_000,
  });
  const client = new Client({ baseUrl: q.url, token: TOKEN, retry: false });
  await client.publish({ url: `${dest.base}/job`, body: "raw", callback: `${dest.base}/done` });
  const [done] = await dest.waitFor("/done");
  assert.equal(dest.seen.filter((s) => s.path === "/job").length, 2, "retried at once despite a 60 s base backoff");
  assert.equal(JSON.parse(done.body).status, 200);
  assert.equal(atob(JSON.parse(done.body).body), "answer 200");
  assert.equal(
    await receiver.verify({
      signature: done.headers.get("upstash-signature")!,
      body: done.body,
      url: `${dest.base}/done`,
    }),
    true,
  );
  await q.close();
  await dest.close();
});

Deno.test("qstash dispatcher - delay and deduplication id", async () => {
  const dest = destination();
  await withDispatcher(async (q, client) => {
    const started = Date.now();
    const first = await client.publishJSON({ url: `${dest.base}/d`, body: {}, delay: 1, deduplicationId: "job-1:1" });
    const dup = await client.publishJSON({ url: `${dest.base}/d`, body: {}, delay: 1, deduplicationId: "job-1:1" });
    assert.equal(dup.messageId, first.messageId);
    assert.equal(dup.deduplicated, true);
    const state =
      await (await fetch(`${q.url}/v2/messages/${first.messageId}`, { headers: { authorization: `Bearer ${TOKEN}` } }))
        .json();
    assert.equal(state.state, "CREATED");
    const [got] = await dest.waitFor("/d");
    assert.ok(got.at - started >= 950, `delivered after ${got.at - started} ms, want >= 1 s`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(dest.seen.length, 1, "a duplicate is not delivered again");
    assert.equal(q.stats().deduplicated, 1);
  });
  await dest.close();
});

Deno.test("qstash dispatcher - rotated keys verify with the next key; keys endpoint and auth", async () => {
  const dest = destination();
  // After rotation the dispatcher signs with what receivers still know as their "next" key.
  await withDispatcher(async (q, client) => {
    await client.publish({ url: `${dest.base}/r`, body: "x" });
    const [got] = await dest.waitFor("/r");
    const signature = got.headers.get("upstash-signature")!;
    assert.equal(await receiver.verify({ signature, body: "x", url: got.url }), true);
    const stale = new Receiver({ currentSigningKey: CURRENT, nextSigningKey: "sig_other" });
    await assert.rejects(() => stale.verify({ signature, body: "x", url: got.url }), /signature/i);
    const keys = await (await fetch(`${q.url}/v2/keys`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    assert.deepEqual(keys, { current: NEXT, next: "sig_after_next" });
    const denied = await fetch(`${q.url}/v2/keys`, { headers: { authorization: "Bearer wrong" } });
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    await assert.rejects(
      () => client.publish({ url: `${dest.base}/r`, body: "x", delay: "soon" as never }),
      /Upstash-Delay/,
    );
  }, { current: NEXT, next: "sig_after_next" });
  await dest.close();
});
