import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { callbackSchema, type SigningKey, verifyCallbackSignature } from "./contracts/callback.ts";
import { CallbackClient, type CallbackInput } from "./callback_client.ts";
import { createLogger } from "./log.ts";

const KEYS: SigningKey[] = [{ id: "new", secret: "new-secret-0123456789" }, {
  id: "old",
  secret: "old-secret-0123456789",
}];

interface Hit {
  status: number;
  seq: number;
  traceId: string | undefined;
  keyId: string | undefined;
}

/** A real HTTP server that answers each POST with the next planned status (then 200 {continue}). */
function startWeb(plan: number[], replyContinue = true) {
  const hits: Hit[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const headers = new Headers(req.headers as Record<string, string>);
    const check = verifyCallbackSignature(headers, body, KEYS);
    const status = check.ok ? plan.shift() ?? 200 : 401;
    hits.push({
      status,
      seq: callbackSchema.parse(JSON.parse(body)).seq,
      traceId: headers.get("x-trace-id") ?? undefined,
      keyId: headers.get("x-beatsight-key-id") ?? undefined,
    });
    res.writeHead(status, { "content-type": "application/json" });
    res.end(
      status === 200 ? JSON.stringify({ continue: replyContinue }) : '{"error":"x"}',
    );
  });
  return new Promise<{ url: string; hits: Hit[]; close(): Promise<void> }>((
    resolve,
  ) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/api/v1/callbacks/inference`,
        hits,
        close: () => new Promise((r) => server.close(() => r())),
      });
    })
  );
}

const progress: CallbackInput = {
  event: "progress",
  jobId: "6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c01",
  attempt: 2,
  traceId: "t-42",
  stage: "decode",
  progress: 0,
  stageOutputs: {},
  stageTimingsMs: {},
};

const client = (tries = 3) =>
  new CallbackClient({
    keys: KEYS,
    log: createLogger({ level: "error", write: () => {} }),
    tries,
    backoffMs: 5,
  });

describe("callback_client", () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  before(() => {});

  it("CallbackClient - signs with the first key, sends x-trace-id and parses {continue}", async () => {
    const web = await startWeb([], false);
    servers.push(web);
    const out = await client().forJob(web.url, "t-42").send(progress);
    assert.deepEqual(out, { delivered: true, continue: false });
    assert.deepEqual(web.hits, [{
      status: 200,
      seq: 0,
      traceId: "t-42",
      keyId: "new",
    }]);
  });

  it("CallbackClient - retries 5xx with a new seq each try and seq keeps increasing across callbacks", async () => {
    const web = await startWeb([503, 500]);
    servers.push(web);
    const sender = client().forJob(web.url, "t-42");
    assert.deepEqual(await sender.send(progress), {
      delivered: true,
      continue: true,
    });
    await sender.send(progress);
    assert.deepEqual(web.hits.map((h) => [h.status, h.seq]), [
      [503, 0],
      [500, 1],
      [200, 2],
      [200, 3],
    ]);
  });

  it("CallbackClient - gives up after the tries on 5xx without throwing", async () => {
    const web = await startWeb([502, 502, 502]);
    servers.push(web);
    assert.deepEqual(await client().forJob(web.url, "t").send(progress), {
      delivered: false,
      continue: true,
    });
    assert.equal(web.hits.length, 3);
  });

  it("CallbackClient - never retries a 4xx", async () => {
    const web = await startWeb([409]);
    servers.push(web);
    assert.deepEqual(await client().forJob(web.url, "t").send(progress), {
      delivered: false,
      continue: true,
    });
    assert.equal(web.hits.length, 1);
  });

  it("CallbackClient - retries network errors", async () => {
    const web = await startWeb([]);
    await web.close();
    const started = Date.now();
    const out = await client(2).forJob(web.url, "t").send(progress);
    assert.deepEqual(out, { delivered: false, continue: true });
    assert.ok(Date.now() - started >= 5, "waited the backoff");
  });

  it("CallbackClient - refuses a callback that breaks the schema before sending it", async () => {
    const bad = { ...progress, progress: 3 } as CallbackInput;
    await assert.rejects(
      client().forJob("http://127.0.0.1:9/x", "t").send(bad),
      /progress/i,
    );
  });
});
