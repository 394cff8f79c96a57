import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import postgres from "postgres";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { startDevstack } from "./mod.ts";
import { scanBytes } from "../web/lib/virus_scan.ts";

const FREE = { redisBridge: 0, qstash: 0, s3: 0, postgres: 0, clamd: 0, smtp: 0, mailInbox: 0, oidc: 0 };

function unusedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("devstack - starts every stand-in on free ports, spawning redis-server, and stops cleanly", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "devstack-test-" });
  // Nothing listens on this port, so the devstack has to spawn its own redis-server.
  const stack = await startDevstack({ dataDir, env: { REDIS_URL: `redis://127.0.0.1:${unusedPort()}` }, ports: FREE });
  const env = stack.env;
  try {
    for (
      const name of ["SESSION_SECRET", "CALLBACK_SIGNING_KEYS", "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY"]
    ) {
      assert.ok(env[name]?.length >= 16, `${name} generated`);
    }
    assert.notEqual(env.QSTASH_CURRENT_SIGNING_KEY, env.QSTASH_NEXT_SIGNING_KEY);
    assert.match(env.CALLBACK_SIGNING_KEYS, /^dev1:/);
    assert.match(env.SMTP_URL, /^smtp:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await (await fetch(`${env.MAIL_INBOX_URL}/messages`)).json(), [], "the inbox answers, empty");
    const discovery = await (await fetch(`${env.OIDC_ISSUER}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.issuer, env.OIDC_ISSUER);
    assert.ok(env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET);

    const redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      retry: false,
      enableTelemetry: false,
    });
    assert.equal(await redis.incr("devstack-test"), 1, "a fresh spawned redis-server");

    const keys = await fetch(`${env.QSTASH_URL}/v2/keys`, { headers: { authorization: `Bearer ${env.QSTASH_TOKEN}` } });
    assert.deepEqual(await keys.json(), { current: env.QSTASH_CURRENT_SIGNING_KEY, next: env.QSTASH_NEXT_SIGNING_KEY });

    const s3 = new S3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    await s3.send(new HeadBucketCommand({ Bucket: env.S3_BUCKET }));
    s3.destroy();

    assert.equal(env.DB_POOL_MAX, "1", "PGlite serves one session: clients are told to pool one connection");
    const sql = postgres(env.DATABASE_URL, { max: Number(env.DB_POOL_MAX), onnotice: () => {} });
    assert.equal((await sql`select 1 + 1 as two`)[0].two, 2);
    await sql.end();

    assert.deepEqual(await scanBytes(env.CLAMD_HOST, Number(env.CLAMD_PORT), new Uint8Array(100)), { clean: true });
  } finally {
    await stack.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
  await assert.rejects(() => fetch(env.QSTASH_URL), "dispatcher stopped");
  const redisPort = Number(new URL(env.REDIS_URL).port);
  await assert.rejects(() => Deno.connect({ hostname: "127.0.0.1", port: redisPort }), "spawned redis-server stopped");
});

Deno.test("devstack - configured services are used as they are and nothing is started", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "devstack-test-" });
  const given = {
    DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
    UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
    UPSTASH_REDIS_REST_TOKEN: "t",
    QSTASH_URL: "https://qstash.example",
    QSTASH_TOKEN: "q",
    QSTASH_CURRENT_SIGNING_KEY: "sig_a",
    QSTASH_NEXT_SIGNING_KEY: "sig_b",
    S3_ENDPOINT: "https://s3.example",
    S3_BUCKET: "prod-bucket",
    CLAMD_HOST: "clamd.internal",
    CLAMD_PORT: "3310",
    SESSION_SECRET: "from-env",
    SMTP_URL: "smtp://mail.example:587",
    OIDC_ISSUER: "https://id.example",
    OIDC_CLIENT_ID: "c",
    OIDC_CLIENT_SECRET: "s",
    PATH: "/usr/bin",
  };
  const stack = await startDevstack({ dataDir, env: given, ports: FREE });
  const { PATH: _path, ...expected } = given;
  assert.deepEqual(stack.env, {
    ...expected,
    S3_REGION: "us-east-1",
    CALLBACK_SIGNING_KEYS: stack.env.CALLBACK_SIGNING_KEYS,
  });
  assert.deepEqual([...Deno.readDirSync(dataDir)], [], "no stand-in wrote data");
  await stack.stop();
  await Deno.remove(dataDir, { recursive: true });
});
