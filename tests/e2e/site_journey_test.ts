/**
 * Issue 3's whole journey in headless Chromium at phone size (390x844), against the whole stack as separate
 * processes: sign up, verify the address by the link in the email the SMTP sink caught, upload a generated groove,
 * watch the job's progress, open the map, play it (the audio clock and the highway move), loop a section (the clock
 * stays inside it), and download the .bsm (it parses as a map). Screenshots go to test-results/site-journey/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { bsmSchema } from "../../inference/src/contracts/bsm.ts";
import { renderDrumPattern } from "../../inference/src/testing/synth.ts";
import { launchChromium, recordConsole, VIEWPORTS, waitForIslands } from "./browser.ts";
import { startSmtpSink } from "../../devstack/smtp_sink.ts";
import { type E2eStack, startE2eStack } from "./harness.ts";
import { readMailbox } from "./mailbox.ts";

const SHOTS_DIR = new URL("../../test-results/site-journey/", import.meta.url).pathname;
/** The groove: 8 bars at 120 bpm is 16 s, long enough to loop a section and watch it wrap. */
const GROOVE = { bpm: 120, bars: 8, seed: 33 };

/** Monthly AI runs of the free plan in this test, so the quota line has a known value. */
const FREE_RUNS = 3;

const uuidPath = (prefix: string) => new RegExp(`${prefix}[0-9a-f-]{36}$`);

/** Reads a numeric attribute of the first element matching `selector`. */
async function numberAttr(page: Page, selector: string, name: string): Promise<number> {
  const value = await page.getAttribute(selector, name);
  assert.ok(value !== null && value !== "", `${selector} has no ${name}`);
  const n = Number(value);
  assert.ok(Number.isFinite(n), `${selector} ${name}="${value}" is not a number`);
  return n;
}

/** Waits until the player's clock reaches `seconds`. */
async function waitForTime(page: Page, seconds: number, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(
    (t) => Number(document.querySelector("[data-testid=player]")?.getAttribute("data-current-time")) >= t,
    seconds,
    { timeout: timeoutMs },
  );
}

/** `users.email_verified_at` of the account with `email` (null: not verified). */
async function verifiedAt(sql: E2eStack["sql"], email: string): Promise<Date | null> {
  const rows = await sql`select email_verified_at from users where lower(email) = lower(${email})`;
  assert.equal(rows.length, 1, `${rows.length} accounts with ${email}`);
  return rows[0].email_verified_at;
}

async function signUpAndVerify(page: Page, stack: E2eStack, sinkUrl: string, email: string): Promise<void> {
  const webUrl = stack.webUrl;
  await page.goto(`${webUrl}/signup`);
  await page.getByLabel("Name", { exact: true }).fill("Journey Drummer");
  await page.fill("[data-testid=signup-email]", email);
  await page.fill("[data-testid=signup-password]", "a long drummer passphrase 42");
  await page.click("[data-testid=signup-submit]");
  await page.waitForLoadState("networkidle");
  const mail = await readMailbox(sinkUrl, email, /verify-email\?token=/);
  const link = mail.text.match(/https?:\/\/\S+\/verify-email\?token=[^\s"<>]+/)?.[0];
  assert.ok(link, `no verification link in the email:\n${mail.text}`);
  assert.ok(link.startsWith(webUrl), `the link ${link} does not point at the site ${webUrl}`);
  assert.equal(await verifiedAt(stack.sql, email), null, "the account counts as verified before the link was opened");
  const res = await page.goto(link);
  assert.equal(res?.status(), 200, `the verification link answered ${res?.status()}`);
  await page.screenshot({ path: `${SHOTS_DIR}verified.png` });
  assert.ok(await verifiedAt(stack.sql, email), "opening the link did not verify the address");
  await page.goto(webUrl);
  // Signed in as the new account (not a guest): the account menu offers sign-out, not sign-in.
  await page.locator("[data-testid=account-menu] [data-testid=signout]").waitFor({ state: "visible", timeout: 10_000 });
}

/** Uploads `wavPath` from the home page; returns the song id. */
async function uploadSong(page: Page, webUrl: string, wavPath: string): Promise<string> {
  await page.goto(webUrl);
  await waitForIslands(page);
  await page.setInputFiles("[data-testid=upload-file]", wavPath);
  await page.click("[data-testid=upload-submit]");
  await page.waitForURL(uuidPath("/songs/"), { timeout: 60_000 });
  return new URL(page.url()).pathname.split("/")[2];
}

/** Polls the job page's status and running stage until a terminal status; returns the distinct states seen. */
async function watchJob(page: Page, timeoutMs: number): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await page.getAttribute("[data-testid=job-status]", "data-status");
    const stage = await page.locator("[data-testid^=stage-][data-state=running]").first().getAttribute("data-testid", {
      timeout: 50,
    }).catch(() => null);
    const state = stage ? `${status}:${stage.slice("stage-".length)}` : `${status}`;
    if (seen.at(-1) !== state) seen.push(state);
    if (status === "succeeded" || status === "failed" || status === "cancelled") return seen;
    await page.waitForTimeout(100);
  }
  throw new Error(`the job did not finish within ${timeoutMs} ms: ${seen.join(" -> ")}`);
}

/** Starts the map job from the song page and follows its stages to the end on the job page. */
async function generateMap(page: Page): Promise<void> {
  const generate = page.locator("[data-testid=generate-map]");
  await generate.waitFor({ state: "visible", timeout: 60_000 });
  await waitForIslands(page);
  // "Generate with AI" shows the runs left this month (FREE_MONTHLY_AI_RUNS below).
  assert.equal(await page.getAttribute("[data-testid=quota-remaining]", "data-remaining"), String(FREE_RUNS));
  await generate.click();
  await page.waitForURL(uuidPath("/jobs/"), { timeout: 30_000 });
  const seen = await watchJob(page, 120_000);
  assert.equal(seen.at(-1), "succeeded", `the job went ${seen.join(" -> ")}`);
  // The page showed the job before it finished and followed it live (SSE), not only its end state.
  assert.ok(seen.length > 1, `the job page only ever showed ${seen.join(" -> ")}`);
  for (const stage of ["decode", "transcribe", "beats", "quantize", "package"]) {
    assert.equal(await page.getAttribute(`[data-testid=stage-${stage}]`, "data-state"), "done", stage);
  }
  await page.screenshot({ path: `${SHOTS_DIR}job.png` });
}

/** Presses play; the audio clock and the highway's scroll position must both move forward. */
async function playAndWatch(page: Page): Promise<void> {
  await page.waitForSelector("[data-testid=player]", { timeout: 30_000 });
  await waitForIslands(page);
  const scroll0 = await numberAttr(page, "[data-testid=highway]", "data-scroll");
  await page.click("[data-testid=player-play]");
  await page.waitForSelector("[data-testid=player][data-state=playing]", { timeout: 10_000 });
  await waitForTime(page, 1.5);
  const t1 = await numberAttr(page, "[data-testid=player]", "data-current-time");
  const scroll1 = await numberAttr(page, "[data-testid=highway]", "data-scroll");
  await page.waitForTimeout(500);
  const t2 = await numberAttr(page, "[data-testid=player]", "data-current-time");
  const scroll2 = await numberAttr(page, "[data-testid=highway]", "data-scroll");
  assert.ok(t2 > t1, `the audio clock did not advance (${t1} -> ${t2})`);
  assert.ok(scroll1 > scroll0 && scroll2 > scroll1, `the highway did not move (${scroll0}, ${scroll1}, ${scroll2})`);
  // The highway follows the audio: its hit line is within a few frames of the clock.
  assert.ok(Math.abs(scroll2 - t2) < 0.25, `highway at ${scroll2} s but audio at ${t2} s`);
  await page.screenshot({ path: `${SHOTS_DIR}playing.png` });
}

/** Sets loop A at ~2 s and B at ~4 s while playing; the clock must wrap back and stay inside [A, B]. */
async function loopSection(page: Page): Promise<void> {
  await waitForTime(page, 2);
  await page.click("[data-testid=loop-a]");
  await waitForTime(page, 4);
  await page.click("[data-testid=loop-b]");
  const loop = await page.getAttribute("[data-testid=player]", "data-loop");
  const match = loop?.match(/^([\d.]+)-([\d.]+)$/);
  assert.ok(match, `data-loop is "${loop}", expected "<a>-<b>" in seconds`);
  const [a, b] = [Number(match[1]), Number(match[2])];
  assert.ok(a >= 1.9 && b > a + 1, `loop ${a}-${b} s does not match the presses at ~2 s and ~4 s`);
  const samples: number[] = [];
  for (let i = 0; i < 40; i++) { // 4 s: longer than the loop, so it must wrap at least once
    samples.push(await numberAttr(page, "[data-testid=player]", "data-current-time"));
    await page.waitForTimeout(100);
  }
  const tolerance = 0.2; // a timeupdate-driven loop may overshoot B by a frame or two
  const outside = samples.filter((t) => t < a - tolerance || t > b + tolerance);
  assert.deepEqual(outside, [], `clock left the loop ${a}-${b} s: ${samples.join(", ")}`);
  assert.ok(samples.some((t, i) => i > 0 && t < samples[i - 1]), `the clock never wrapped: ${samples.join(", ")}`);
  await page.screenshot({ path: `${SHOTS_DIR}loop.png` });
}

/** Downloads the .bsm and parses it with the map contract. */
async function downloadBsm(page: Page, songSec: number): Promise<void> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download-bsm]")]);
  assert.match(download.suggestedFilename(), /\.bsm$/);
  const path = await download.path();
  const map = bsmSchema.parse(JSON.parse(await Deno.readTextFile(path)));
  assert.equal(map.format, "bsm");
  assert.ok(map.notes.length > 20, `only ${map.notes.length} notes in 8 bars of drums`);
  assert.ok(Math.abs(map.durationSec - songSec) < 0.1, `durationSec ${map.durationSec} for a ${songSec} s song`);
}

Deno.test({
  name: "site journey - sign up, verify by email, upload, progress, map, play, loop, download .bsm (390x844)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await Deno.mkdir(SHOTS_DIR, { recursive: true });
    const wavPath = await Deno.makeTempFile({ suffix: ".wav" });
    const groove = renderDrumPattern(GROOVE);
    await Deno.writeFile(wavPath, groove.wav);
    // The test's own sink, so it can read the mailbox over HTTP; SMTP_URL points the web at it.
    const sink = await startSmtpSink();
    const stack = await startE2eStack("site-journey", {
      SMTP_URL: sink.smtpUrl,
      FREE_MONTHLY_AI_RUNS: String(FREE_RUNS),
    });
    const browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, acceptDownloads: true });
    const page = await context.newPage();
    const consoleLines = recordConsole(page);
    try {
      const email = `drummer-${crypto.randomUUID().slice(0, 8)}@example.test`;
      await signUpAndVerify(page, stack, sink.httpUrl, email);
      await uploadSong(page, stack.webUrl, wavPath);
      await generateMap(page);
      const quota = await (await page.request.get(`${stack.webUrl}/api/v1/me/quota`)).json();
      assert.deepEqual([quota.plan, quota.used, quota.remaining], ["free", 1, FREE_RUNS - 1], JSON.stringify(quota));
      await page.click("[data-testid=open-map]");
      await page.waitForURL(/\/songs\/[0-9a-f-]{36}\/map$/, { timeout: 30_000 });
      await playAndWatch(page);
      await loopSection(page);
      await downloadBsm(page, groove.samples.length / groove.sampleRate);
    } catch (err) {
      await page.screenshot({ path: `${SHOTS_DIR}failure.png`, fullPage: true }).catch(() => {});
      console.error(`browser console:\n${consoleLines.join("\n")}\nat ${page.url()}`);
      throw err;
    } finally {
      await browser.close();
      await stack.close();
      await sink.close();
      await Deno.remove(wavPath);
    }
  },
});
