import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { test } from "node:test";
import { LANES } from "../contracts/bsm.ts";
import { MAX_BPM } from "../pipeline/beats.ts";
import type { Activations } from "../pipeline/types.ts";
import { renderDrumPattern } from "../testing/synth.ts";
import {
  loadSet,
  parseTrackCount,
  splitDir,
  type TrackTruth,
} from "./dataset.ts";
import {
  formatFalseOnsetsBySource,
  formatMeters,
  formatReport,
  formatSourceTable,
} from "./report_format.ts";
import {
  beatsPerBar,
  scoreTrack,
  summarize,
  summarizeBySource,
  tuneThresholds,
} from "./evaluate.ts";
import { falseOnsetCauses } from "./error_causes.ts";

const FPS = 100;
const LABELS = [...LANES, "beat", "downbeat"];

/** Activations of `seconds` at 100 fps with a 3-frame bump of `height` per (label, time). */
function activations(
  seconds: number,
  bumps: [string, number, number][],
): Activations {
  const frames = seconds * FPS;
  const data = new Float32Array(frames * LABELS.length).fill(0.02);
  for (const [label, time, height] of bumps) {
    const l = LABELS.indexOf(label), f = Math.round(time * FPS);
    for (const d of [-1, 0, 1]) {
      data[(f + d) * LABELS.length + l] = d === 0 ? height : height * 0.5;
    }
  }
  return { data, frames, fps: FPS, labels: LABELS };
}

/** A 120 bpm 4/4 groove: kick on 1 and 3, snare on 2 and 4, closed hi-hat on 8ths. */
function groove(bars: number): TrackTruth {
  const beats = Array.from({ length: bars * 4 }, (_, i) => 1 + i * 0.5);
  const notes = beats.flatMap((b, i) => [
    { time: b, lane: i % 2 ? "snare" : "kick", velocity: 100 },
    { time: b, lane: "hihat_closed", velocity: 80 },
    { time: b + 0.25, lane: "hihat_closed", velocity: 60 },
  ]);
  return {
    id: "g",
    style: "rock",
    meter: "4/4",
    bpm: 120,
    source: "test",
    accompaniment: null,
    durationSec: 2 + bars * 2,
    notes,
    beats,
    downbeats: beats.filter((_, i) => i % 4 === 0),
  };
}

test("evaluate - activations that peak on every true onset and beat score perfectly", () => {
  const truth = groove(8);
  const bumps: [string, number, number][] = [
    ...truth.notes.map((n) =>
      [n.lane, n.time, 0.9] as [string, number, number]
    ),
    ...truth.beats.map((b) => ["beat", b, 0.9] as [string, number, number]),
  ];
  const s = scoreTrack(activations(20, bumps), truth);
  assert.deepEqual(s.counts.kick, { tp: 16, fp: 0, fn: 0 });
  assert.deepEqual(s.counts.snare, { tp: 16, fp: 0, fn: 0 });
  assert.deepEqual(s.counts.hihat_all, { tp: 64, fp: 0, fn: 0 });
  assert.deepEqual(s.counts.tom_high, { tp: 0, fp: 0, fn: 0 });
  assert.ok(s.beatF > 0.95, `beat F ${s.beatF}`);
  assert.equal(s.tempo.acc1, true);
});

test("evaluate - a lane predicted 80 ms late misses, a wrong lane counts as false positive and miss", () => {
  const truth = groove(2);
  const bumps: [string, number, number][] = truth.notes
    .filter((n) => n.lane === "kick")
    .flatMap((n) =>
      [["kick", n.time + 0.08, 0.9], ["tom_floor", n.time, 0.9]] as [
        string,
        number,
        number,
      ][]
    );
  const s = scoreTrack(activations(8, bumps), truth);
  assert.deepEqual(s.counts.kick, { tp: 0, fp: 4, fn: 4 });
  assert.deepEqual(s.counts.tom_floor, { tp: 0, fp: 4, fn: 0 });
  // every false tom sits on a kick stroke (with whatever else played with it)
  const toms = Object.entries(s.falseOnsets.tom_floor);
  assert.equal(toms.reduce((a, [, n]) => a + n, 0), 4);
  assert.ok(
    toms.every(([cause]) => cause.split("+").includes("kick")),
    JSON.stringify(toms),
  );
  const r = summarize([s, s]);
  assert.equal(
    Object.values(r.falseOnsets.tom_floor).reduce((a, n) => a + n, 0),
    8,
  );
  assert.equal(r.lanes.kick.f, 0);
  assert.equal(r.lanes.kick.support, 8);
  assert.equal(r.tracks, 2);
});

test("evaluate - tuned thresholds sit between the false and the true peaks, per lane", () => {
  const truth = groove(4);
  // true kicks at 0.7, spurious kick peaks between them at 0.4; snares are strong and clean
  const bumps: [string, number, number][] = truth.notes.flatMap((
    n,
  ): [string, number, number][] =>
    n.lane === "kick"
      ? [["kick", n.time, 0.7], ["kick", n.time + 0.25, 0.4]]
      : n.lane === "snare"
      ? [["snare", n.time, 0.95]]
      : []
  );
  const th = tuneThresholds([{ act: activations(12, bumps), truth }]);
  assert.ok(th.kick > 0.4 && th.kick <= 0.7, `kick threshold ${th.kick}`);
  assert.ok(th.snare <= 0.95);
  assert.equal(
    th.tom_mid,
    undefined,
    "a lane without references keeps the default",
  );
  const s = scoreTrack(activations(12, bumps), truth, { thresholds: th });
  assert.deepEqual(s.counts.kick, { tp: 8, fp: 0, fn: 0 });
});

test("evaluate - loadSet reads the generator's layout and rejects a folder without an index", async () => {
  const dir = await mkdtemp(`${tmpdir()}/eval-set-`);
  try {
    const r = renderDrumPattern({
      bpm: 100,
      bars: 4,
      seed: 3,
      sampleRate: 22050,
    });
    await writeFile(`${dir}/0000.wav`, r.wav);
    const truth: TrackTruth = {
      id: "0000",
      style: "rock",
      meter: "4/4",
      bpm: 100,
      source: "synth",
      accompaniment: null,
      durationSec: r.durationSec,
      notes: r.hits.map((h) => ({ time: h.time, lane: h.lane, velocity: 100 })),
      beats: r.beats,
      downbeats: r.downbeats,
    };
    await writeFile(`${dir}/0000.json`, JSON.stringify(truth));
    await assert.rejects(loadSet(dir), /index\.json missing/);
    await writeFile(
      `${dir}/index.json`,
      JSON.stringify({ split: "test", seed: 1, tracks: [{ id: "0000" }] }),
    );
    const set = await loadSet(dir);
    assert.equal(set.length, 1);
    assert.equal(set[0].wavPath, `${dir}/0000.wav`);
    assert.equal(set[0].truth.notes.length, r.hits.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("evaluate - a set of other than the default size gets its own folder; --tracks wants a whole number", () => {
  assert.match(splitDir("test"), /\/\.cache\/data\/test$/);
  assert.equal(splitDir("test", 64), splitDir("test"));
  assert.match(splitDir("test", 256), /\/\.cache\/data\/test-256$/);
  assert.match(splitDir("val", 192), /\/val-192$/);
  assert.equal(parseTrackCount("256"), 256);
  for (const bad of ["0", "-4", "2.5", "many", ""]) {
    assert.throws(
      () => parseTrackCount(bad),
      /--tracks must be a whole number/,
    );
  }
});

test("evaluate - Acc1 is also reported over the tracks inside the beat tracker's tempo range", () => {
  const truth = groove(8);
  const bumps: [string, number, number][] = truth.beats.map((
    b,
  ) => ["beat", b, 0.9]);
  const ok = scoreTrack(activations(20, bumps), truth);
  const fast = {
    ...ok,
    tempo: {
      estimate: MAX_BPM / 2 + 20,
      reference: MAX_BPM + 40,
      acc1: false,
      acc2: false,
    },
  };
  const r = summarize([ok, fast]);
  assert.equal(r.acc1, 0.5);
  assert.equal(r.acc1InRange, 1);
  assert.equal(r.tracksInRange, 1);
});

test("evaluate - beats per bar is the commonest count of beats from one downbeat to the next", () => {
  const beats = Array.from({ length: 12 }, (_, i) => i * 0.5);
  assert.equal(beatsPerBar(beats, [0, 2, 4]), 4);
  assert.equal(beatsPerBar(beats, [0, 1, 2, 3, 4.5]), 2); // a 6/8 bar: two dotted-quarter beats
  assert.equal(beatsPerBar(beats, [0]), 0);
});

test("evaluate - the map's meter is scored against the song's, per written meter", () => {
  const truth = groove(8);
  const bumps: [string, number, number][] = [
    ...truth.beats.map((b) => ["beat", b, 0.9] as [string, number, number]),
    ...truth.downbeats.map((b) =>
      ["downbeat", b, 0.9] as [string, number, number]
    ),
  ];
  const four = scoreTrack(activations(20, bumps), truth);
  assert.deepEqual(four.meter, { name: "4/4", beatsPerBar: 4, detected: 4 });
  const waltz = scoreTrack(activations(20, bumps), {
    ...truth,
    meter: "3/4",
    downbeats: truth.beats.filter((_, i) => i % 3 === 0),
  });
  assert.deepEqual(waltz.meter, { name: "3/4", beatsPerBar: 3, detected: 4 });
  const r = summarize([four, waltz, four]);
  assert.deepEqual(r.meters, {
    "4/4": { tracks: 2, right: 2 },
    "3/4": { tracks: 1, right: 0 },
  });
  assert.equal(
    formatMeters(r),
    "meter right on 2 of 3 tracks: 4/4 2/2, 3/4 0/1",
  );
  assert.match(formatReport("m", r), /meter right on 2 of 3 tracks/);
});

test("evaluate - ghost notes (velocity < 50) get their own recall in the report", () => {
  const truth = groove(2);
  truth.notes.push({ time: 1.125, lane: "snare", velocity: 30 }, {
    time: 2.125,
    lane: "snare",
    velocity: 30,
  });
  const bumps: [string, number, number][] = truth.notes
    .filter((n) => n.lane === "snare" && n.time !== 2.125)
    .map((n) => ["snare", n.time, 0.9]);
  const r = summarize([scoreTrack(activations(8, bumps), truth)]);
  assert.equal(r.lanes.snare.ghosts, 2);
  assert.equal(r.lanes.snare.ghostRecall, 0.5);
  assert.equal(r.lanes.snare.support, 6);
  assert.equal(r.lanes.kick.ghosts, 0);
});

test("evaluate - with ghost notes as don't-care, a missed ghost is no miss and a hit on one is no false positive", () => {
  const truth = groove(2);
  truth.notes.push(
    { time: 1.125, lane: "snare", velocity: 30 },
    { time: 2.125, lane: "snare", velocity: 30 },
  );
  const snares = truth.notes.filter((n) => n.lane === "snare");
  const hitGhostMissLoud: [string, number, number][] = snares
    .filter((n) => n.time !== 2.125 && n.time !== 1.5)
    .map((n) => ["snare", n.time, 0.9]);
  hitGhostMissLoud.push(["snare", 3.25, 0.9]); // nothing played there
  const r = summarize([scoreTrack(activations(8, hitGhostMissLoud), truth)]);
  // with ghosts: 4 hits of 6, 1 false -> F 8/11; without: 3 of the 4 loud, 1 false -> F 6/8
  assert.equal(r.lanes.snare.f, 8 / 11);
  assert.equal(r.lanes.snare.fWithoutGhosts, 6 / 8);
  assert.equal(r.lanes.kick.fWithoutGhosts, r.lanes.kick.f);
});

test("evaluate - only ghost notes that are not in the audio are don't-care in F-aud; an audible ghost still counts", () => {
  const truth = groove(2);
  truth.notes.push(
    { time: 1.125, lane: "snare", velocity: 30, audibility: 0.01 }, // inaudible, missed
    { time: 2.125, lane: "snare", velocity: 30, audibility: 0.3 }, // audible, missed
    { time: 3.125, lane: "snare", velocity: 30, audibility: 0.02 }, // inaudible, found
  );
  const found: [string, number, number][] = truth.notes
    .filter((n) => n.lane === "snare" && n.time !== 1.125 && n.time !== 2.125)
    .map((n) => ["snare", n.time, 0.9]);
  const r = summarize([scoreTrack(activations(8, found), truth)]);
  // 4 loud snares found; heard references: 4 loud + the audible ghost -> 4 of 5, no false positive -> F 8/9
  assert.equal(r.lanes.snare.inaudible, 2);
  assert.equal(r.lanes.snare.fWithoutInaudible, 8 / 9);
  assert.equal(r.lanes.snare.fWithoutGhosts, 1);
  assert.equal(r.lanes.kick.fWithoutInaudible, null); // no ghost kick was measured
  assert.match(formatReport("m", r), /^snare .* 2 +88\.9$/m);

  // a set rendered before audibility was measured: no F-aud, printed as "-"
  const unmeasured = groove(2);
  unmeasured.notes.push({ time: 1.125, lane: "snare", velocity: 30 });
  const old = summarize([scoreTrack(activations(8, found), unmeasured)]);
  assert.equal(old.lanes.snare.fWithoutInaudible, null);
  assert.match(formatReport("m", old), /^snare .* 0 +-$/m);
});

test("evaluate - per-source reports pool each source's tracks apart and print one row each", () => {
  const truth = groove(2);
  const perfect = scoreTrack(
    activations(8, truth.notes.map((n) => [n.lane, n.time, 0.9])),
    truth,
  );
  const late = scoreTrack(
    activations(8, truth.notes.map((n) => [n.lane, n.time + 0.08, 0.9])),
    truth,
  );
  const by = summarizeBySource([perfect, late, perfect], [
    { source: "kitA" },
    { source: "kitB" },
    { source: "kitA" },
  ]);
  assert.deepEqual(Object.keys(by), ["kitA", "kitB"]);
  assert.equal(by.kitA.tracks, 2);
  assert.equal(by.kitA.lanes.kick.f, 1);
  assert.equal(by.kitB.lanes.kick.f, 0);
  const table = formatSourceTable(by).split("\n");
  assert.equal(table.length, 3);
  // kick, snare, snare-gh, snare-aud (this set measured no audibility), hi-hat, toms (none played)
  assert.match(
    table[1],
    /^kitA\s+2\s+100\.0\s+100\.0\s+100\.0\s+-\s+100\.0\s+-/,
  );
  assert.match(table[2], /^kitB\s+1\s+0\.0\s+0\.0\s+0\.0\s+-\s+0\.0\s+-/);
});

test("evaluate - a false onset is keyed by the lanes that sounded within the window, or none", () => {
  const reference = [
    { time: 1.02, lane: "snare" },
    { time: 0.99, lane: "hihat_closed" },
    { time: 1.03, lane: "snare" },
    { time: 2.03, lane: "kick" },
    { time: 3.2, lane: "kick" },
  ];
  assert.deepEqual(falseOnsetCauses([1.0, 2.0, 3.0], reference), {
    "hihat_closed+snare": 1,
    kick: 1,
    none: 1,
  });
  assert.deepEqual(falseOnsetCauses([], reference), {});
});

test("evaluate - false onsets per source: each source's total and commonest causes, a source with none bare", () => {
  const truth = groove(2);
  const onSnares = truth.notes.filter((n) => n.lane === "snare")
    .map((n) => ["kick", n.time, 0.9] as [string, number, number]);
  const clean = scoreTrack(
    activations(8, truth.notes.map((n) => [n.lane, n.time, 0.9])),
    truth,
  );
  const boomy = scoreTrack(
    activations(8, [
      ...truth.notes.map((n) =>
        [n.lane, n.time, 0.9] as [string, number, number]
      ),
      ...onSnares,
    ]),
    truth,
  );
  const by = summarizeBySource([clean, boomy], [{ source: "dry" }, {
    source: "room kit",
  }]);
  const lines = formatFalseOnsetsBySource(by, ["kick"]).split("\n");
  assert.equal(lines[0], "false kick by source:");
  assert.match(lines[1], /^ {2}dry\s+0$/);
  assert.match(
    lines[2],
    new RegExp(
      `^ {2}room kit\\s+${onSnares.length}: ${onSnares.length} on \\S*snare`,
    ),
  );
});
