/**
 * End-to-end harness: a fresh database on the real Postgres, the real Redis behind the Upstash bridge, and every
 * service as its own process (scripts/stack.ts), on free ports. Logs go to .tmp/e2e-logs/<name>/.
 */
import { createTestDatabase } from "../../web/db/test_db.ts";
import { launchStack, type Stack } from "../../scripts/stack.ts";

export interface E2eStack extends Stack {
  sql: Awaited<ReturnType<typeof createTestDatabase>>["sql"];
  logDir: string;
  close(): Promise<void>;
}

/** Starts the whole app for one test file; `env` adds or overrides settings (e.g. shorter watchdog times). */
export async function startE2eStack(name: string, env: Record<string, string> = {}): Promise<E2eStack> {
  const db = await createTestDatabase({ migrate: false });
  const root = new URL("../../", import.meta.url).pathname;
  const dataDir = await Deno.makeTempDir({ prefix: `beatsight-e2e-${name}-` });
  const logDir = `${root}.tmp/e2e-logs/${name}`;
  await Deno.remove(logDir, { recursive: true }).catch(() => {});
  try {
    const stack = await launchStack({
      dataDir,
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379",
        LOG_LEVEL: "info",
        // Several AI jobs per user; the monthly quota itself is tested in web/routes/api/quota_test.ts.
        FREE_MONTHLY_AI_RUNS: "1000",
        ...env,
      },
      webPort: 0,
      inferencePort: 0,
      standInPorts: "free",
      logs: { dir: logDir },
    });
    return {
      ...stack,
      sql: db.sql,
      logDir,
      async close() {
        await stack.stop();
        await db.drop();
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      },
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}
