import assert from "node:assert/strict";
import { checkAudioFile } from "./upload_check.ts";

const MB = 1048576;

Deno.test("checkAudioFile - accepts audio by type or extension", () => {
  assert.equal(checkAudioFile({ name: "song.mp3", type: "audio/mpeg", size: MB }, 10 * MB), null);
  assert.equal(checkAudioFile({ name: "Song.FLAC", type: "", size: MB }, 10 * MB), null);
});

Deno.test("checkAudioFile - names the problem: type, empty, too large", () => {
  assert.match(
    checkAudioFile({ name: "notes.pdf", type: "application/pdf", size: 10 }, MB)!,
    /does not look like an audio file/,
  );
  assert.match(checkAudioFile({ name: "a.wav", type: "audio/wav", size: 0 }, MB)!, /is empty/);
  assert.match(
    checkAudioFile({ name: "a.wav", type: "audio/wav", size: 3 * MB }, 2 * MB)!,
    /is 3\.0 MB; the limit is 2\.0 MB/,
  );
});
