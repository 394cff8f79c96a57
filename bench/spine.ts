/**
 * `deno task bench:spine`: the spine's own overhead per job — publish -> QStash delivery -> inference -> signed
 * callbacks -> stored — with every stage a no-op (INFERENCE_PIPELINE=noop), on loopback, through separate
 * processes. Reports p50/p95 of created->finished per job, and jobs/s sustained at 1, 8 and 32 concurrent jobs.
 *
 * Options: --jobs N (jobs per concurrency level, default 96), --levels 1,8,32, --json (machine-readable output).
 */
import { launchStack } from "../scripts/stack.ts";
import { createTestDatabase } from "../web/db/test_db.ts";
import { renderDrumPattern } from "../inference/src/testing/synth.ts";
import { type ApiClient, guestClient, readJobEvents, uploadSong, waitForJob } from "../scripts/api_client.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

const jobsPerLevel = Number(arg("jobs", "96"));
const levels = arg("levels", "1,8,32").split(",").map(Number);
const maxLevel = Math.max(...levels);

const db = await createTestDatabase({ migrate: false });
const dataDir = await Deno.makeTempDir({ prefix: "beatsight-bench-" });
const stack = await launchStack({
  dataDir,
  env: {
    DATABASE_URL: db.url,
    INFERENCE_PIPELINE: "noop",
    INFERENCE_CONCURRENCY: String(maxLevel),
    JOB_RATE_LIMIT_PER_MINUTE: "100000",
    FREE_MONTHLY_AI_RUNS: "100000",
    LOG_LEVEL: "warn",
  },
  webPort: 0,
  inferencePort: 0,
  standInPorts: "free",
  logs: { dir: `${dataDir}/logs` },
});

async function runJob(api: ApiClient, songId: string): Promise<string> {
  const { job } = await api.call<{ job: { id: string } }>("POST", "/jobs", { type: "generate_map", songId });
  // Waits like a browser does: on the job's SSE stream, which the server ends after the terminal event.
  const events = await readJobEvents(api, job.id, 60_000);
  const last = events.at(-1);
  if (last?.event !== "completed") throw new Error(`job ${job.id} ended with ${last?.event}: ${last?.data}`);
  return job.id;
}

const results: Record<string, unknown>[] = [];
try {
  const api = await guestClient(stack.webUrl);
  // One song per concurrent worker: a song has at most one generate_map job in flight.
  const songs: string[] = [];
  for (let i = 0; i < maxLevel; i++) {
    const { wav } = renderDrumPattern({ bpm: 100 + i, bars: 1, seed: i });
    const song = await uploadSong(api, wav, { filename: `b${i}.wav`, contentType: "audio/wav" });
    await waitForJob(api, song.fingerprintJobId);
    songs.push(song.songId);
  }
  for (const level of levels) {
    const ids: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      songs.slice(0, level).map(async (songId) => {
        while (next < jobsPerLevel) {
          next++;
          ids.push(await runJob(api, songId));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const rows = await db.sql`
      select extract(epoch from (finished_at - created_at)) * 1000 as ms from ai_jobs where id = any(${ids})`;
    const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    results.push({
      concurrency: level,
      jobs: ids.length,
      jobsPerSec: +(ids.length / seconds).toFixed(1),
      overheadP50Ms: +percentile(latencies, 50).toFixed(1),
      overheadP95Ms: +percentile(latencies, 95).toFixed(1),
    });
  }
} finally {
  await stack.stop();
  await db.drop();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}

const machine = `${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}`;
if (Deno.args.includes("--json")) console.log(JSON.stringify({ machine, results }));
else {
  console.log(`spine overhead, no-op stages, loopback (${machine})`);
  console.table(results);
}
