import assert from "node:assert/strict";
import { test } from "node:test";
import { barGrid } from "../pipeline/beat_grid.ts";
import { noteFilterSchema } from "../pipeline/note_filter.ts";
import { prng as random } from "../testing/synth.ts";
import { noisyActivations, syntheticTruth } from "./synthetic_track.ts";
import {
  fitNoteFilter,
  type LabelledTrack,
  laneCandidates,
} from "./fit_notes.ts";

const LABELS = ["kick", "snare", "hihat_closed", "beat"];
const FPS = 100;

/**
 * 20 s of a model that hears a snare in every hi-hat stroke: true snares and hi-hat strokes both peak in the
 * snare column anywhere in 0.4..0.95, so no snare threshold separates them; the hi-hat column tells them apart.
 * Kicks peak at 0.9 and nothing else does (a plain threshold is already perfect there).
 */
function song(rnd: () => number): LabelledTrack {
  const frames = 20 * FPS;
  const { act, set } = noisyActivations(LABELS, frames, FPS, 0.03, rnd);
  const notes: { time: number; lane: string; velocity: number }[] = [];
  for (let f = 50; f < frames - 50; f += 25) {
    const kind = rnd();
    if (kind < 0.3) {
      set(f, "snare", 0.4 + 0.55 * rnd());
      notes.push({ time: f / FPS, lane: "snare", velocity: 90 });
    } else if (kind < 0.7) {
      set(f, "hihat_closed", 0.9);
      set(f, "snare", 0.4 + 0.55 * rnd());
      notes.push({ time: f / FPS, lane: "hihat_closed", velocity: 70 });
    } else {
      set(f, "kick", 0.9);
      notes.push({ time: f / FPS, lane: "kick", velocity: 100 });
    }
  }
  const durationSec = frames / FPS;
  return {
    act,
    truth: syntheticTruth({ notes, beats: [], downbeats: [], durationSec }),
  };
}

test("fit_notes - candidates are the floor's peaks, labelled by a true onset within 50 ms", () => {
  const t = song(random(1));
  const { rows, labels } = laneCandidates([t], "snare", 0.3);
  const strokes = t.truth.notes.filter((n) => n.lane !== "kick").length;
  assert.equal(rows.length, strokes);
  assert.equal(
    labels.filter((y) => y === 1).length,
    t.truth.notes.filter((n) => n.lane === "snare").length,
  );
  assert.equal(rows[0].length, LABELS.length + 1);
});

test("fit_notes - a lane is filtered when the other columns tell its true peaks from false ones, not otherwise", () => {
  const rnd = random(2);
  const fit = Array.from({ length: 6 }, () => song(rnd));
  const val = Array.from({ length: 4 }, () => song(rnd));
  const { filter, report } = fitNoteFilter(fit, val, {
    kick: 0.5,
    snare: 0.7,
    hihat_closed: 0.5,
  });
  assert.ok(noteFilterSchema.safeParse(filter).success);
  assert.deepEqual(Object.keys(filter.lanes), ["snare"]);
  assert.ok(report.snare.plain < 0.75, `plain snare F ${report.snare.plain}`);
  assert.ok(
    report.snare.filtered > 0.97,
    `filtered snare F ${report.snare.filtered}`,
  );
  assert.equal(report.kick.kept, false);
  assert.equal(report.kick.plain, 1);
  assert.ok(
    filter.lanes.snare.threshold > 0 && filter.lanes.snare.threshold < 1,
  );
  assert.equal(
    report.snare.bars,
    false,
    "bar features add nothing when the other columns tell",
  );
});

/**
 * 24 s of 1 s bars (4 beats) in which the snare plays the same pattern every bar (beats 2 and 4 and a ghost at
 * 3.5) while the model also hears a snare in 2 of the bars' other 16th positions at random: true and false peaks
 * have the same strengths and nothing in the other columns, but only the true ones repeat bar after bar.
 */
function patternSong(rnd: () => number): LabelledTrack {
  const frames = 24 * FPS, pattern = [4, 12, 14]; // 16th steps of a bar
  const { act, set } = noisyActivations(LABELS, frames, FPS, 0.03, rnd);
  const notes: { time: number; lane: string; velocity: number }[] = [];
  const beats = Array.from({ length: 24 * 4 }, (_, k) => k * 0.25);
  const downbeats = beats.filter((_, k) => k % 4 === 0);
  for (const bar of downbeats) {
    const others = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15]
      .sort(() => rnd() - 0.5).slice(0, 2);
    for (const step of [...pattern, ...others]) {
      const t = bar + step / 16;
      set(Math.round(t * FPS), "snare", 0.5 + 0.45 * rnd());
      if (pattern.includes(step)) {
        notes.push({ time: t, lane: "snare", velocity: 90 });
      }
    }
  }
  return {
    act,
    truth: syntheticTruth({ notes, beats, downbeats, durationSec: 24 }),
    grid: barGrid(beats, downbeats),
  };
}

test("fit_notes - the bar features are kept where only repetition tells true peaks from false ones", () => {
  const rnd = random(3);
  const fit = Array.from({ length: 4 }, () => patternSong(rnd));
  const val = Array.from({ length: 3 }, () => patternSong(rnd));
  const thresholds = { kick: 0.5, snare: 0.7, hihat_closed: 0.5 };
  const { filter, report } = fitNoteFilter(fit, val, thresholds);
  assert.equal(filter.lanes.snare?.bars, true);
  assert.ok(report.snare.plain < 0.8, `plain snare F ${report.snare.plain}`);
  assert.ok(
    report.snare.filtered > 0.95,
    `filtered snare F ${report.snare.filtered}`,
  );
  const without = fitNoteFilter(fit, val, thresholds, { barLanes: [] });
  assert.ok(
    without.report.snare.filtered < 0.8,
    `without bar features ${without.report.snare.filtered}`,
  );
});
