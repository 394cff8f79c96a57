/**
 * The app islands in a real browser. The page server here renders the real pages components; for JobProgress it
 * also answers `/api/v1/jobs/:id/events` with the documented SSE protocol (event names + `{stage, progress,
 * status, message}` data), so the island's handling of that protocol is checked without the whole API.
 */
import { launchChromium } from "../../tests/e2e/browser.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { buildIslands, isHashedAsset } from "../build.ts";
import { HomePage, JobPage } from "../components/Pages.tsx";
import type { Song } from "../db/songs.ts";
import { renderPage } from "../lib/render.tsx";
import type { JobView } from "./job_view.ts";
import { APP_ISLANDS } from "./mod.ts";
import type { ComponentChildren } from "preact";

const JOB: JobView = {
  id: "00000000-0000-4000-8000-000000000001",
  songId: "00000000-0000-4000-8000-000000000002",
  type: "generate_map",
  status: "queued",
  stage: null,
  progress: 0,
  error: null,
  stages: ["decode", "transcribe", "beats", "quantize", "package"],
  done: [],
};
const SONG = { id: JOB.songId, title: "Tune", artist: null } as Song;

function sse(): Response {
  const events = [
    ["progress", { stage: "decode", progress: 0.1, status: "running" }],
    ["progress", { stage: "beats", progress: 0.6, status: "running" }],
    ["completed", { stage: "package", progress: 1, status: "succeeded" }],
  ] as const;
  const body = events.map(([name, data], i) => `id: ${i + 1}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  return new Response(body.join(""), { headers: { "content-type": "text/event-stream" } });
}

Deno.test("app islands - Uploader validates files, JobProgress follows the event stream", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "bs-app-islands-" });
  const assets = await buildIslands({ outDir });
  const html = (page: ComponentChildren) =>
    new Response(renderPage(page, { assets, registry: APP_ISLANDS }), { headers: { "content-type": "text/html" } });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/") return html(<HomePage maxBytes={1000} />);
    if (path === `/jobs/${JOB.id}`) return html(<JobPage job={JOB} song={SONG} />);
    if (path === `/api/v1/jobs/${JOB.id}/events`) return sse();
    const file = path.replace("/static/build/", "");
    if (!isHashedAsset(file)) return new Response("not found", { status: 404 });
    return new Response(await Deno.readFile(join(outDir, file)), { headers: { "content-type": "text/javascript" } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));

    await tab.goto(base + "/");
    await tab.waitForSelector("html[data-islands-ready='1']", { timeout: 10_000 });
    const input = tab.locator("[data-testid=upload-file]");
    await input.setInputFiles({ name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(10) });
    assert.match(await tab.textContent("[data-testid=error]") ?? "", /does not look like an audio file/);
    await input.setInputFiles({ name: "big.mp3", mimeType: "audio/mpeg", buffer: Buffer.alloc(2000) });
    assert.match(await tab.textContent("[data-testid=error]") ?? "", /limit is/);
    assert.ok(await tab.locator("[data-testid=upload-submit]").isDisabled());
    await input.setInputFiles({ name: "Good Song.mp3", mimeType: "audio/mpeg", buffer: Buffer.alloc(500) });
    assert.equal(await tab.locator("[data-testid=error]").count(), 0);
    assert.equal(await tab.inputValue("input[name=title]"), "Good Song");
    assert.ok(await tab.locator("[data-testid=upload-submit]").isEnabled());

    await tab.goto(`${base}/jobs/${JOB.id}`);
    await tab.waitForSelector("[data-testid=job-status][data-status=succeeded]", { timeout: 10_000 });
    for (const stage of JOB.stages) {
      assert.equal(await tab.getAttribute(`[data-testid=stage-${stage}]`, "data-state"), "done");
    }
    assert.equal(await tab.getAttribute("[data-testid=job-progress]", "aria-valuenow"), "100");
    assert.equal(await tab.getAttribute("[data-testid=open-map]", "href"), `/songs/${JOB.songId}/map`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.shutdown();
    await Deno.remove(outDir, { recursive: true });
  }
});
