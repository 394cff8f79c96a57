/**
 * Bad input through the real stack: each gets a clear 4xx or a failed job with a readable reason, and a good
 * upload made alongside them is unaffected.
 */
import assert from "node:assert/strict";
import { renderDrumPattern } from "../../inference/src/testing/synth.ts";
import { ApiError, guestClient, uploadSong, waitForJob } from "../../scripts/api_client.ts";
import { startE2eStack } from "./harness.ts";

const LIMIT_BYTES = 2 * 1024 * 1024;

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected the API to refuse this input");
}

function messageOf(err: ApiError): string {
  return (err.body as { error: { message: string } }).error.message;
}

async function toMp3(wav: Uint8Array): Promise<Uint8Array> {
  const ffmpeg = new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0", "-f", "mp3", "-b:a", "128k", "pipe:1"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  // Write and read at once: ffmpeg blocks on a full stdout pipe while we would block on its stdin.
  const writing = (async () => {
    const writer = ffmpeg.stdin.getWriter();
    await writer.write(wav);
    await writer.close();
  })();
  const [{ stdout }] = await Promise.all([ffmpeg.output(), writing]);
  return stdout;
}

Deno.test({
  name: "bad input - empty, oversized, mistyped, non-audio and truncated files are refused clearly",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startE2eStack("bad-input", { MAX_UPLOAD_BYTES: String(LIMIT_BYTES) });
    try {
      const api = await guestClient(stack.webUrl);
      const good = renderDrumPattern({ bpm: 90, bars: 4, seed: 5 });
      const goodSong = await uploadSong(api, good.wav, { filename: "good.wav", contentType: "audio/wav" });

      const empty = await rejection(
        uploadSong(api, new Uint8Array(0), { filename: "e.wav", contentType: "audio/wav" }),
      );
      assert.equal(empty.status, 400);
      assert.match(messageOf(empty), /empty/i);

      const tooBig = new Uint8Array(LIMIT_BYTES + 1);
      const big = await rejection(uploadSong(api, tooBig, { filename: "big.wav", contentType: "audio/wav" }));
      assert.equal(big.status, 413);
      assert.match(messageOf(big), /MB/);

      const png = await rejection(uploadSong(api, good.wav, { filename: "x.png", contentType: "image/png" }));
      assert.equal(png.status, 415);

      const text = new TextEncoder().encode("this is not a song at all, just some text ".repeat(50));
      const notAudio = await rejection(uploadSong(api, text, { filename: "notes.wav", contentType: "audio/wav" }));
      assert.equal(notAudio.status, 415);
      assert.match(messageOf(notAudio), /audio/i);

      // Declared small, actually larger than the limit: caught when the song is registered.
      const upload = await api.call<{ uploadId: string; url: string; headers: Record<string, string> }>(
        "POST",
        "/uploads",
        { filename: "liar.wav", contentType: "audio/wav", sizeBytes: 1000 },
      );
      await (await fetch(upload.url, { method: "PUT", headers: upload.headers, body: tooBig })).body?.cancel();
      const liar = await rejection(api.call("POST", "/songs", { uploadId: upload.uploadId }));
      assert.equal(liar.status, 413);

      const mp3 = await toMp3(good.wav);
      const truncated = mp3.slice(0, 700);
      const cut = await uploadSong(api, truncated, { filename: "cut.mp3", contentType: "audio/mpeg" });
      const cutJob = await waitForJob(api, cut.fingerprintJobId);
      assert.equal(cutJob.status, "failed");
      assert.match(String(cutJob.error), /audio|decode/i);
      assert.doesNotMatch(String(cutJob.error), /at .*\.ts:\d+/, "no stack traces in user-facing errors");

      const goodJob = await waitForJob(api, goodSong.fingerprintJobId);
      assert.equal(goodJob.status, "succeeded", `the good upload was affected: ${goodJob.error}`);
    } finally {
      await stack.close();
    }
  },
});
