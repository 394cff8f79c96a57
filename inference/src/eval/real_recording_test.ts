import assert from "node:assert/strict";
import { test } from "node:test";
import { transcribeFile } from "../pipeline/transcribe_file.ts";
import type { Lane } from "../contracts/bsm.ts";
import {
  BEAT_TOLERANCE_SEC,
  matchEvents,
  ONSET_TOLERANCE_SEC,
  prf,
} from "./metrics.ts";

/**
 * The shipped model on a real recording: every training and test track is rendered, this one was played by a
 * drummer in a room (the Amen break, The Winstons, 1969), so it checks that what the model learned carries over.
 * Debian's sonic-pi-samples ships its four bars, trimmed to the first stroke, at 140 bpm. Bars 1 and 2 are the
 * break's well-known pattern (16th-note steps from 0): kick on 1, the "and" of 1, the "and" and "a" of 3; snare on
 * 2, the "a" of 2, the "e" of 3, 4 and the "a" of 4; ride on every 8th. Bars 3 and 4 vary it and are not scored.
 */
const AMEN = "/usr/share/sonic-pi/samples/loop_amen_full.flac";
const BPM = 140;
const STEP = 60 / BPM / 4;
const BAR = 16 * STEP;
const PATTERN: Partial<Record<Lane, number[]>> = {
  kick: [0, 2, 10, 11],
  snare: [4, 7, 9, 12, 15],
  ride: [0, 2, 4, 6, 8, 10, 12, 14],
};

/** Reference onsets of `lane` in bars 1 and 2 [s]. */
const reference = (lane: Lane) =>
  [0, 1].flatMap((bar) =>
    (PATTERN[lane] ?? []).map((step) => bar * BAR + step * STEP)
  );

test("shipped model - a real recording (the Amen break): tempo, bar lines, kick, snare and ride of bars 1-2", async () => {
  const map = await transcribeFile(AMEN);
  assert.ok(
    Math.abs(map.tempo.bpm - BPM) <= 0.02 * BPM,
    `tempo ${map.tempo.bpm} bpm`,
  );
  const bars = matchEvents(
    map.tempo.downbeats,
    [0, BAR, 2 * BAR, 3 * BAR],
    BEAT_TOLERANCE_SEC,
  );
  assert.equal(bars.tp, 4, `downbeats ${map.tempo.downbeats}`);

  const scored = map.notes.filter((n) => n.time < 2 * BAR - STEP / 2);
  const lane = (name: Lane) => {
    const found = scored.filter((n) => n.lane === name).map((n) => n.time);
    return prf(matchEvents(found, reference(name), ONSET_TOLERANCE_SEC));
  };
  const [kick, snare, ride] = [lane("kick"), lane("snare"), lane("ride")];
  assert.ok(snare.f >= 0.9, `snare ${JSON.stringify(snare)}`);
  assert.ok(ride.f >= 0.8, `ride ${JSON.stringify(ride)}`);
  // Every kick is found. The known weakness shows here as on the held-out room kit: the break's fat snare also
  // reads as a kick on some strokes (4 of 10 in v4), so kick F is only held above a floor (v4: 0.8).
  assert.ok(kick.recall >= 0.99, `kick ${JSON.stringify(kick)}`);
  assert.ok(kick.f >= 0.75, `kick ${JSON.stringify(kick)}`);
});
