/**
 * `deno task bench:site`: what the site costs a visitor and the server.
 *
 * (a) JavaScript shipped per page, gzip: each page loaded cold in headless Chromium (a fresh browser context, the
 *     seeded song's owner signed in), every script response gzip-compressed here and summed. Also the Player
 *     island's own size: its module plus every chunk it imports (target < 60 kB gz).
 * (b) Server render of the map page (`/songs/:id/map`, anonymous, as a catalogue visitor sees it): a bounded number
 *     of GETs from `--concurrency` workers on loopback; p50/p95/p99 latency (target p95 <= 15 ms at 50). A
 *     one-at-a-time run first gives the render cost without queueing; the web's access log gives the time spent
 *     inside the app, without the client's share of the (shared) CPU.
 *
 * The app runs as `npm start` runs it (scripts/stack.ts), over a fresh database on the real Postgres, with the demo
 * song seeded through the real API and inference (scripts/seed_demo.ts).
 *
 * Options: --requests N (default 2000), --concurrency N (default 50), --json (machine-readable output).
 */
import { gzipSync } from "node:zlib";
import { launchStack, type Stack } from "../scripts/stack.ts";
import { seedDemo } from "../scripts/seed_demo.ts";
import { clientFor } from "../scripts/api_client.ts";
import { createTestDatabase } from "../web/db/test_db.ts";
import { SESSION_COOKIE } from "../web/lib/auth.ts";
import { launchChromium, VIEWPORTS } from "../tests/e2e/browser.ts";
import type { Browser } from "playwright-core";

/** Player island budget [bytes, gzip] (issue 3). */
export const PLAYER_BUDGET_GZ = 60 * 1024;
/** Map page render budget at 50 concurrent requests [ms, p95] (issue 3). */
export const RENDER_P95_BUDGET_MS = 15;

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

const gz = (bytes: Uint8Array) => gzipSync(bytes).byteLength;
const kb = (bytes: number) => +(bytes / 1024).toFixed(1);

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** One page's JavaScript on a cold load. */
interface PageJs {
  page: string;
  path: string;
  status: number | string;
  scripts: number;
  rawKb: number;
  gzipKb: number;
}

/** Loads `path` in a fresh context (cold cache) and sums the scripts it fetched. */
async function measurePageJs(browser: Browser, webUrl: string, token: string, name: string, path: string) {
  const context = await browser.newContext({ viewport: VIEWPORTS.phone });
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: webUrl }]);
  const page = await context.newPage();
  const bodies: Promise<Uint8Array>[] = [];
  page.on("response", (res) => {
    const type = res.request().resourceType();
    if (type === "script" || /\.m?js(\?|$)/.test(new URL(res.url()).pathname)) bodies.push(res.body());
  });
  try {
    const res = await page.goto(`${webUrl}${path}`, { waitUntil: "networkidle" });
    const files = await Promise.all(bodies);
    const row: PageJs = {
      page: name,
      path: new URL(page.url()).pathname,
      status: res?.status() ?? "no response",
      scripts: files.length,
      rawKb: kb(files.reduce((n, f) => n + f.byteLength, 0)),
      gzipKb: kb(files.reduce((n, f) => n + gz(f), 0)),
    };
    return row;
  } finally {
    await context.close();
  }
}

/** Relative module imports of an esbuild ESM output file (`from"./chunk-X.js"`, `import"./chunk-X.js"`). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:from|import)\s*["']\.\/([\w.-]+\.js)["']/g)].map((m) => m[1]);
}

/** gzip size of an island's module plus every chunk it imports, transitively, read from the running server. */
async function islandClosureGz(webUrl: string, entryUrl: string): Promise<{ files: number; gzip: number }> {
  const base = entryUrl.slice(0, entryUrl.lastIndexOf("/") + 1);
  const seen = new Set<string>();
  const queue = [entryUrl.slice(base.length)];
  let gzip = 0;
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const res = await fetch(`${webUrl}${base}${file}`);
    if (!res.ok) throw new Error(`GET ${base}${file}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    gzip += gz(bytes);
    queue.push(...importsOf(new TextDecoder().decode(bytes)));
  }
  return { files: seen.size, gzip };
}

/** GETs `url` `total` times from `concurrency` workers; latencies sorted [ms]. Any non-200 aborts the run. */
async function loadTest(url: string, total: number, concurrency: number) {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (issued < total) {
      issued++;
      const t0 = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ms = (p: number) => +percentile(latencies, p).toFixed(2);
  return {
    concurrency,
    requests: total,
    reqPerSec: +(total / seconds).toFixed(0),
    p50Ms: ms(50),
    p95Ms: ms(95),
    p99Ms: ms(99),
  };
}

/** Prints p50/p95/p99 [µs], requests and seconds as one JSON line when wrk finishes. */
const WRK_REPORT = `done = function(summary, latency, requests)
  io.write(string.format('{"p50":%d,"p95":%d,"p99":%d,"requests":%d,"seconds":%f,"non2xx":%d}\\n',
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    summary.duration / 1e6, summary.errors.status))
end`;

/**
 * The same load from wrk (a C load generator, Debian package `wrk`), when it is installed: the fetch workers above
 * share the 2 cores with the server, wrk barely does. One thread, `concurrency` connections, `seconds` long.
 */
async function wrkLoadTest(url: string, concurrency: number, seconds: number) {
  const script = await Deno.makeTempFile({ suffix: ".lua" });
  await Deno.writeTextFile(script, WRK_REPORT);
  try {
    const out = await new Deno.Command("wrk", {
      args: ["-t1", `-c${concurrency}`, `-d${seconds}s`, "-s", script, url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
    const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith("{"));
    const r = JSON.parse(line!);
    if (r.non2xx > 0) throw new Error(`wrk saw ${r.non2xx} non-2xx answers`);
    const ms = (us: number) => +(us / 1000).toFixed(2);
    return {
      concurrency,
      requests: r.requests,
      reqPerSec: Math.round(r.requests / r.seconds),
      p50Ms: ms(r.p50),
      p95Ms: ms(r.p95),
      p99Ms: ms(r.p99),
      client: "wrk",
    };
  } finally {
    await Deno.remove(script);
  }
}

async function hasWrk(): Promise<boolean> {
  try {
    return (await new Deno.Command("wrk", { args: ["-v"], stdout: "null", stderr: "null" }).output()) !== null;
  } catch {
    return false;
  }
}

/** Server-side durations [ms] of the last `count` requests for `path`, from the web's JSON access log. */
async function serverDurations(logFile: string, path: string, count: number) {
  const durations = (await Deno.readTextFile(logFile)).split("\n")
    .filter((line) => line.includes('"msg":"request"') && line.includes(`"path":"${path}"`))
    .map((line) => Number(JSON.parse(line).durationMs))
    .slice(-count)
    .sort((a, b) => a - b);
  if (durations.length < count) throw new Error(`only ${durations.length} of ${count} requests in ${logFile}`);
  return { p50Ms: percentile(durations, 50), p95Ms: percentile(durations, 95), p99Ms: percentile(durations, 99) };
}

async function seed(stack: Stack, dataDir: string) {
  const demo = await seedDemo(stack.webUrl, dataDir);
  const api = clientFor(stack.webUrl, demo.token);
  const { items } = await api.call<{ items: { id: string }[] }>(
    "GET",
    `/jobs?type=generate_map&songId=${demo.songId}&limit=1`,
  );
  if (!items[0]) throw new Error("the seeded song has no generate_map job");
  return { ...demo, jobId: items[0].id };
}

const requests = Number(arg("requests", "2000"));
const concurrency = Number(arg("concurrency", "50"));

const db = await createTestDatabase({ migrate: false });
const dataDir = await Deno.makeTempDir({ prefix: "beatsight-bench-site-" });
const stack = await launchStack({
  dataDir,
  // info: the access log's per-request durations give the server's own share of the latency.
  env: { DATABASE_URL: db.url, LOG_LEVEL: "info" },
  webPort: 0,
  inferencePort: 0,
  standInPorts: "free",
  logs: { dir: `${dataDir}/logs` },
});

let report: Record<string, unknown>;
try {
  const demo = await seed(stack, dataDir);
  const pages: Record<string, string> = {
    home: "/",
    song: `/songs/${demo.songId}`,
    job: `/jobs/${demo.jobId}`,
    map: `/songs/${demo.songId}/map`,
    library: "/library",
    signin: "/signin",
    signup: "/signup",
    profile: "/profile",
    account: "/account",
  };
  const browser = await launchChromium();
  const pageJs: PageJs[] = [];
  try {
    for (const [name, path] of Object.entries(pages)) {
      pageJs.push(await measurePageJs(browser, stack.webUrl, demo.token, name, path));
    }
  } finally {
    await browser.close();
  }
  const assets = await (await fetch(`${stack.webUrl}/static/build/manifest.json`)).json() as {
    manifest: Record<string, string>;
    runtime: string;
  };
  const player = assets.manifest.Player ? await islandClosureGz(stack.webUrl, assets.manifest.Player) : null;
  const mapUrl = `${stack.webUrl}${pages.map}`;
  await loadTest(mapUrl, 100, 10); // warm-up: JIT, pools, island build
  const serial = await loadTest(mapUrl, Math.min(200, requests), 1);
  const loaded = await loadTest(mapUrl, requests, concurrency);
  const serverSide = await serverDurations(`${dataDir}/logs/web.log`, pages.map, requests);
  const viaWrk = (await hasWrk()) ? await wrkLoadTest(mapUrl, concurrency, 10) : null;
  report = {
    machine: `${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}, load average ` +
      Deno.loadavg().map((l) => l.toFixed(2)).join(" "),
    pageJs,
    player: player
      ? {
        files: player.files,
        gzipKb: kb(player.gzip),
        budgetKb: kb(PLAYER_BUDGET_GZ),
        ok: player.gzip < PLAYER_BUDGET_GZ,
      }
      : "no Player island in the build",
    mapRender: [{ ...serial, client: "deno fetch" }, { ...loaded, client: "deno fetch" }, ...(viaWrk ? [viaWrk] : [])],
    mapRenderServerSide: { concurrency, requests, ...serverSide },
    renderP95Ok: (viaWrk ?? loaded).p95Ms <= RENDER_P95_BUDGET_MS,
  };
} finally {
  await stack.stop();
  await db.drop();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}

if (Deno.args.includes("--json")) console.log(JSON.stringify(report));
else {
  console.log(`site benchmark (${report.machine})`);
  console.log("JavaScript per page, cold load, gzip:");
  console.table(report.pageJs);
  console.log("Player island (module + imported chunks):", report.player);
  console.log(`map page server render, loopback (target p95 <= ${RENDER_P95_BUDGET_MS} ms at 50 concurrent):`);
  console.table(report.mapRender);
  console.log(
    "the same requests as the web process timed them (access log, inside the app):",
    report.mapRenderServerSide,
  );
}
