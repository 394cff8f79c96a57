import assert from "node:assert/strict";
import type { BsmMap } from "../../inference/src/contracts/bsm.ts";
import { bsmToMidi, DRUM_NOTE_TICKS, GM_DRUM_NOTES, MIDI_PPQ, vlq } from "./midi.ts";

/** An event read back from the file: absolute tick plus its bytes. */
interface Parsed {
  tick: number;
  status: number;
  data: number[];
  meta?: number;
}

/** A small independent SMF reader (format 0/1 track chunks, running status not used by the writer). */
function parseSmf(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  assert.equal(tag(0), "MThd");
  assert.equal(view.getUint32(4), 6);
  const header = { format: view.getUint16(8), tracks: view.getUint16(10), division: view.getUint16(12) };
  assert.equal(tag(14), "MTrk");
  const end = 22 + view.getUint32(18);
  assert.equal(end, bytes.length, "the track chunk fills the rest of the file");
  let at = 22;
  const readVlq = () => {
    let v = 0;
    for (;;) {
      const b = bytes[at++];
      v = (v << 7) | (b & 0x7f);
      if (!(b & 0x80)) return v;
    }
  };
  const events: Parsed[] = [];
  let tick = 0;
  while (at < end) {
    tick += readVlq();
    const status = bytes[at++];
    if (status === 0xff) {
      const meta = bytes[at++];
      const len = readVlq();
      events.push({ tick, status, meta, data: [...bytes.subarray(at, at + len)] });
      at += len;
    } else {
      events.push({ tick, status, data: [bytes[at], bytes[at + 1]] });
      at += 2;
    }
  }
  return { header, events };
}

/** Seconds of `tick` under the file's own tempo events (what a sequencer does). */
function tickToSeconds(events: Parsed[], ppq: number, tick: number): number {
  const tempos = events.filter((e) => e.meta === 0x51).map((e) => ({
    tick: e.tick,
    us: (e.data[0] << 16) | (e.data[1] << 8) | e.data[2],
  }));
  let sec = 0;
  let at = 0;
  let us = 500_000;
  for (const t of tempos) {
    if (t.tick > tick) break;
    sec += ((t.tick - at) / ppq) * us / 1e6;
    at = t.tick;
    us = t.us;
  }
  return sec + ((tick - at) / ppq) * us / 1e6;
}

const MAP: Pick<BsmMap, "tempo" | "timeSignature" | "notes"> = {
  // The tempo speeds up: 0.5 s, then 0.4 s, then 0.45 s beats; notes sit on and between beats and before beat 1.
  tempo: { bpm: 120, beats: [0.3, 0.8, 1.2, 1.65], downbeats: [0.3] },
  timeSignature: [3, 4],
  notes: [
    { time: 0.1, lane: "hihat_pedal", velocity: 50 },
    { time: 0.3, lane: "kick", velocity: 110 },
    { time: 0.3, lane: "crash", velocity: 120 },
    { time: 0.55, lane: "hihat_closed", velocity: 70 },
    { time: 0.8, lane: "snare", velocity: 100 },
    { time: 1.0, lane: "tom_high", velocity: 90 },
    { time: 1.2, lane: "tom_mid", velocity: 91 },
    { time: 1.3, lane: "tom_floor", velocity: 92 },
    { time: 1.4, lane: "hihat_open", velocity: 80 },
    { time: 2.0, lane: "ride", velocity: 60 },
    { time: 2.1, lane: "cowbell", velocity: 60 },
  ],
};

Deno.test("bsmToMidi - header is format 0, one track, 480 ticks per quarter", () => {
  const { header, events } = parseSmf(bsmToMidi(MAP, { trackName: "Groove — live" }));
  assert.deepEqual(header, { format: 0, tracks: 1, division: MIDI_PPQ });
  const name = events.find((e) => e.meta === 0x03);
  assert.equal(String.fromCharCode(...name!.data), "Groove ? live");
  assert.deepEqual(events.find((e) => e.meta === 0x58)?.data, [3, 2, 24, 8], "3/4 time signature");
  assert.deepEqual(events.at(-1), { tick: events.at(-1)!.tick, status: 0xff, meta: 0x2f, data: [] });
});

Deno.test("bsmToMidi - a tempo event per beat, one quarter note apart, with the beat's real length", () => {
  const { events } = parseSmf(bsmToMidi(MAP));
  const tempos = events.filter((e) => e.meta === 0x51).map((
    e,
  ) => [e.tick, (e.data[0] << 16) | (e.data[1] << 8) | e.data[2]]);
  // Lead-in 0.3 s at 120 bpm = 0.6 quarter = 288 ticks; then one 480-tick quarter per beat.
  assert.deepEqual(tempos, [[0, 500_000], [288, 500_000], [768, 400_000], [1248, 450_000], [1728, 450_000]]);
});

Deno.test("bsmToMidi - notes on channel 10 with GM keys, at ticks that play back at their .bsm times", () => {
  const { events } = parseSmf(bsmToMidi(MAP));
  const ons = events.filter((e) => e.status === 0x99);
  const offs = events.filter((e) => e.status === 0x89);
  assert.equal(ons.length, 10, "the cowbell lane has no GM key in the map and is left out");
  assert.equal(offs.length, 10);
  const expected = MAP.notes.filter((n) => n.lane !== "cowbell");
  for (const note of expected) {
    const on = ons.find((e) => e.data[0] === GM_DRUM_NOTES[note.lane]);
    assert.ok(on, note.lane);
    assert.equal(on.data[1], note.velocity);
    const sec = tickToSeconds(events, MIDI_PPQ, on.tick);
    assert.ok(Math.abs(sec - note.time) < 0.002, `${note.lane}: ${sec} vs ${note.time}`);
    const off = offs.find((e) => e.data[0] === on.data[0] && e.tick > on.tick);
    assert.equal(off!.tick - on.tick, DRUM_NOTE_TICKS);
  }
  assert.deepEqual(ons.map((e) => e.data[0]).slice(0, 3), [44, 36, 49]);
  assert.equal(ons.find((e) => e.data[0] === 38)!.tick, 768, "the snare on beat 2 is exactly on its quarter");
});

Deno.test("bsmToMidi - repeated hits end before the next one; no beats falls back to the bpm", () => {
  const fast = {
    tempo: { bpm: 60, beats: [], downbeats: [] },
    timeSignature: [4, 4] as [number, number],
    notes: [0, 0.05, 0.05, 1].map((time) => ({ time, lane: "snare", velocity: 100 })),
  };
  const { events } = parseSmf(bsmToMidi(fast));
  assert.deepEqual(events.filter((e) => e.meta === 0x51).map((e) => e.tick), [0]);
  const notes = events.filter((e) => e.status === 0x99 || e.status === 0x89).map((e) => [e.tick, e.status]);
  // 60 bpm: 1 s per quarter, 0.05 s = 24 ticks; the duplicate at 0.05 s is dropped; offs sort before ons.
  assert.deepEqual(notes, [[0, 0x99], [24, 0x89], [24, 0x99], [24 + DRUM_NOTE_TICKS, 0x89], [480, 0x99], [
    480 + DRUM_NOTE_TICKS,
    0x89,
  ]]);
});

Deno.test("vlq - encodes the MIDI spec examples", () => {
  assert.deepEqual(vlq(0), [0]);
  assert.deepEqual(vlq(0x7f), [0x7f]);
  assert.deepEqual(vlq(0x80), [0x81, 0x00]);
  assert.deepEqual(vlq(0x2000), [0xc0, 0x00]);
  assert.deepEqual(vlq(0x0fffffff), [0xff, 0xff, 0xff, 0x7f]);
});
