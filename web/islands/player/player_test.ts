import assert from "node:assert/strict";
import { drawHighway, HIT_LINE, LOOKAHEAD_SEC, prepareHighway, timeAtY } from "./highway.ts";
import { actionFor } from "./keys.ts";
import { highwayColumns, lanesIn } from "./lanes.ts";
import { BAR_WIDTH, layoutNotation, stepY } from "./notation.tsx";
import { barIndexAt, barsOf, beatLengthAt, formatClock, lowerBound } from "./timeline.ts";

const MAP = {
  format: "bsm" as const,
  version: 1 as const,
  durationSec: 5,
  tempo: { bpm: 120, beats: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4], downbeats: [0.5, 2.5] },
  timeSignature: [4, 4] as [number, number],
  notes: [
    { time: 0.5, lane: "kick", velocity: 100 },
    { time: 0.5, lane: "crash", velocity: 100 },
    { time: 1.5, lane: "snare", velocity: 90 },
    { time: 2.5, lane: "hihat_closed", velocity: 60 },
    { time: 3, lane: "cowbell", velocity: 60 },
  ],
};

Deno.test("timeline - bars from downbeats with a pickup, searches and formats", () => {
  assert.deepEqual(barsOf(MAP), [{ start: 0, end: 0.5 }, { start: 0.5, end: 2.5 }, { start: 2.5, end: 4.5 }]);
  const noDownbeats = { ...MAP, tempo: { ...MAP.tempo, downbeats: [] } };
  assert.deepEqual(barsOf(noDownbeats).map((b) => b.start), [0, 0.5, 2.5]);
  const noBeats = { ...MAP, tempo: { bpm: 60, beats: [], downbeats: [] } };
  assert.deepEqual(barsOf(noBeats).map((b) => b.start), [0, 4]);
  const bars = barsOf(MAP);
  assert.deepEqual([-1, 0.49, 0.5, 2.6, 99].map((t) => barIndexAt(bars, t)), [0, 0, 1, 2, 2]);
  assert.equal(lowerBound([1, 2, 3], 2), 1);
  assert.equal(lowerBound([1, 2, 3], 9), 3);
  assert.equal(beatLengthAt(MAP, 1.2), 0.5);
  assert.equal(beatLengthAt({ tempo: { bpm: 90, beats: [], downbeats: [] } }, 1), 60 / 90);
  assert.equal(formatClock(125.7), "2:05");
});

Deno.test("notation - heads at their bar fraction and drum-key staff steps", () => {
  const layout = layoutNotation(MAP);
  assert.equal(layout.bars.length, 3);
  assert.equal(layout.width, 3 * BAR_WIDTH);
  const [kick, crash, snare, hat, extra] = layout.heads;
  assert.equal(kick.y, stepY(1), "kick in the bottom space");
  assert.ok(kick.foot && !kick.xHead);
  assert.ok(crash.xHead && crash.y < stepY(8), "crash x head above the top line");
  assert.equal(snare.y, stepY(5), "snare in the third space");
  assert.ok(snare.x > layout.bars[1].x && snare.x < layout.bars[2].x, "snare inside bar 2");
  assert.ok(Math.abs(snare.x - (BAR_WIDTH + 12 + 0.5 * (BAR_WIDTH - 24))) < 0.01, "beat 3 of 4 at the bar's middle");
  assert.ok(hat.xHead && hat.x === layout.bars[2].x + 12);
  assert.equal(extra.y, stepY(4), "an unknown lane still gets a head");
});

Deno.test("highway - lanes, legend, time under a y and drawing only what is visible", () => {
  assert.deepEqual(highwayColumns(MAP.notes), ["hihat_closed", "crash", "snare", "cowbell"], "no kick column");
  assert.deepEqual(lanesIn(MAP.notes).map((l) => l.lane), ["crash", "hihat_closed", "snare", "kick", "cowbell"]);
  const view = { width: 300, height: 400, time: 0.6 };
  assert.equal(timeAtY(view, 400 * HIT_LINE), 0.6);
  assert.ok(Math.abs(timeAtY(view, 0) - (0.6 + LOOKAHEAD_SEC)) < 1e-9);
  const rects: [number, number, number, number][] = [];
  const ctx = {
    fillStyle: "",
    globalAlpha: 1,
    fillRect: (x: number, y: number, w: number, h: number) => rects.push([x, y, w, h]),
  } as unknown as CanvasRenderingContext2D;
  drawHighway(ctx, prepareHighway(MAP), view);
  // At 0.6 s the window holds about 0.16 .. 2.6 s: kick + crash at 0.5, snare at 1.5, hi-hat at 2.5; not 3 s.
  const kicks = rects.filter(([x, , w, h]) => h === 6 && x === 2 && w === 296);
  const hands = rects.filter(([, , , h]) => h === 14);
  assert.equal(kicks.length, 1, "one kick bar across the highway");
  assert.equal(hands.length, 3, "crash, snare and hi-hat in their columns; the cowbell is out of view");
});

Deno.test("keys - shortcuts, but not while typing or when a control handles the key", () => {
  const key = (k: string, target: unknown = null, mods = {}) =>
    actionFor({ key: k, ctrlKey: false, metaKey: false, altKey: false, target: target as EventTarget, ...mods });
  assert.equal(key(" "), "toggle");
  assert.equal(key("ArrowLeft"), "back");
  assert.equal(key("["), "loopA");
  assert.equal(key("]"), "loopB");
  assert.equal(key("L"), "loopClear");
  assert.equal(key("+"), "faster");
  assert.equal(key("-"), "slower");
  assert.equal(key("m"), "metronome");
  assert.equal(key("x"), null);
  assert.equal(key("m", null, { ctrlKey: true }), null);
  assert.equal(key("m", { tagName: "INPUT", type: "text" }), null);
  assert.equal(key("ArrowLeft", { tagName: "INPUT", type: "range" }), null);
  assert.equal(key(" ", { tagName: "INPUT", type: "range" }), "toggle", "a slider has no use for Space");
  assert.equal(key(" ", { tagName: "BUTTON" }), null, "a focused button clicks itself");
  assert.equal(key("ArrowRight", { tagName: "BUTTON" }), "forward");
});
